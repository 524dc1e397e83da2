"""Push through the real firebase-admin SDK against a local FCM v1 server and token endpoint."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from foundation.provider_settings import FcmSettings
from foundation.settings import load_settings
from providers.fcm import BATCH_SIZE, PushMessage, PushOutcome, send_push
from tests.support.fakes.fcm import Failure, FakeFcm, make_key, write_service_account
from tests.support.production_settings import PRODUCTION

TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def service_key() -> rsa.RSAPrivateKey:
    return make_key()


@pytest.fixture(scope="module")
async def fcm(service_key: rsa.RSAPrivateKey) -> AsyncIterator[FakeFcm]:
    fake = FakeFcm(service_key.public_key())
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="module")
def settings(
    fcm: FakeFcm, service_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory
) -> FcmSettings:
    directory = tmp_path_factory.mktemp("fcm")
    account = write_service_account(directory / "service-account.json", fcm.token_uri, service_key)
    return load_settings(
        {
            "HANCHANG_DATA_DIR": str(directory),
            "HANCHANG_FCM_CREDENTIALS": str(account),
            "FCM_API_BASE_URL": fcm.url,
            "HANCHANG_FCM_TIMEOUT_S": str(TIMEOUT_S),
        }
    ).fcm


@pytest.fixture(autouse=True)
def fresh_fake(fcm: FakeFcm) -> Iterator[None]:
    fcm.reset()
    yield
    fcm.reset()


def push(token: str, **data: str) -> PushMessage:
    return PushMessage(
        token=token,
        title="실업급여를 신청할 수 있어요",
        body="고용센터에 가지 않아도 앱에서 신청할 수 있어요.",
        data={"notice_id": "17", "open": "apply/unemployment-benefit", **data},
    )


async def test_a_push_arrives_with_title_body_and_data(fcm: FakeFcm, settings: FcmSettings) -> None:
    message = PushMessage(
        token="device-1",
        title="Unemployment benefit",
        body="You can apply in the app.",
        data={"notice_id": "17", "open": "apply/unemployment-benefit"},
        locale="en",
    )
    [outcome] = await send_push(settings, [message])

    [received] = fcm.messages
    assert outcome == PushOutcome(state="sent", message_id=received["name"])
    assert received["name"].startswith("projects/hanchang-test/messages/")
    assert received["token"] == "device-1"
    assert received["notification"] == {
        "title": "Unemployment benefit",
        "body": "You can apply in the app.",
    }
    assert received["data"] == {
        "notice_id": "17",
        "open": "apply/unemployment-benefit",
        "locale": "en",
    }


async def test_long_lists_go_in_calls_of_500_in_order(fcm: FakeFcm, settings: FcmSettings) -> None:
    messages = [push(f"device-{n}", n=str(n)) for n in range(1_200)]
    outcomes = await send_push(settings, messages)

    assert [o.state for o in outcomes] == ["sent"] * 1_200
    names = {m["token"]: m["name"] for m in fcm.messages}
    assert [o.message_id for o in outcomes] == [names[m.token] for m in messages]
    # Three calls, one after the other: every message of a call reached FCM before
    # any message of the next one.
    arrival = {int(m["data"]["n"]): position for position, m in enumerate(fcm.messages)}
    calls = [range(start, min(start + BATCH_SIZE, 1_200)) for start in range(0, 1_200, BATCH_SIZE)]
    assert len(calls) == 3
    for earlier, later in itertools.pairwise(calls):
        assert max(arrival[n] for n in earlier) < min(arrival[n] for n in later)


async def test_dead_tokens_are_permanent_failures_to_retire(
    fcm: FakeFcm, settings: FcmSettings
) -> None:
    fcm.failing_tokens["uninstalled"] = "unregistered"
    fcm.failing_tokens["garbled"] = "invalid_token"
    outcomes = await send_push(settings, [push("uninstalled"), push("live"), push("garbled")])

    assert outcomes[0] == PushOutcome(
        state="permanent_failure", error="UNREGISTERED", token_dead=True
    )
    assert outcomes[1].state == "sent"
    assert outcomes[2] == PushOutcome(
        state="permanent_failure", error="INVALID_ARGUMENT", token_dead=True
    )
    assert [m["token"] for m in fcm.messages] == ["live"]


@pytest.mark.parametrize(
    ("failure", "error", "attempts"),
    [(429, "QUOTA_EXCEEDED", 1), (503, "UNAVAILABLE", 2), (500, "INTERNAL", 2)],
)
async def test_overload_and_outage_are_temporary(
    fcm: FakeFcm, settings: FcmSettings, failure: Failure, error: str, attempts: int
) -> None:
    fcm.failing_tokens["busy"] = failure
    outcomes = await send_push(settings, [push("busy"), push("fine")])

    assert outcomes[0] == PushOutcome(state="temporary_failure", error=error)
    assert outcomes[1].state == "sent"
    # The SDK retries 500 and 503 once on its own, no more; 429 not at all.
    assert fcm.requests == attempts + 1


async def test_a_passing_outage_is_absorbed_by_the_one_quick_retry(
    fcm: FakeFcm, settings: FcmSettings
) -> None:
    fcm.planned.append(503)
    [outcome] = await send_push(settings, [push("device-1")])
    assert outcome.state == "sent"
    assert fcm.requests == 2


async def test_no_answer_in_time_is_ambiguous(fcm: FakeFcm, settings: FcmSettings) -> None:
    fcm.failing_tokens["stuck"] = "slow"
    started = time.monotonic()
    outcomes = await send_push(settings, [push("stuck"), push("fine")])
    elapsed = time.monotonic() - started

    assert outcomes[0] == PushOutcome(state="ambiguous", error="timeout")
    assert outcomes[1].state == "sent"
    # Within our timeout (plus the slack of a busy test machine), not the SDK's 120 s.
    assert elapsed < TIMEOUT_S + 4
    assert fcm.requests == 2  # a timed-out send is never retried: it may have been delivered


async def test_sender_mismatch_and_bad_messages_are_technical(
    fcm: FakeFcm, settings: FcmSettings
) -> None:
    fcm.failing_tokens["other-project"] = "sender_mismatch"
    outcomes = await send_push(settings, [push("other-project"), push(""), push("fine")])

    assert outcomes[0] == PushOutcome(state="technical_failure", error="SENDER_ID_MISMATCH")
    # An empty token is refused by the SDK before sending; only that message fails.
    assert outcomes[1] == PushOutcome(state="technical_failure", error="invalid_message")
    assert outcomes[2].state == "sent"
    assert [m["token"] for m in fcm.messages] == ["fine"]


async def test_a_key_fcm_refuses_fails_every_message_without_sending(
    fcm: FakeFcm, tmp_path: Path
) -> None:
    # A service account whose key is not the one the token endpoint knows (revoked).
    account = write_service_account(tmp_path / "revoked.json", fcm.token_uri)
    settings = FcmSettings(credentials=str(account), api_base_url=fcm.url, timeout_s=TIMEOUT_S)
    outcomes = await send_push(settings, [push("device-1"), push("device-2")])

    assert outcomes == [PushOutcome(state="technical_failure", error="auth")] * 2
    assert fcm.requests == 0


async def test_nothing_to_send_and_no_outbox() -> None:
    assert await send_push(FcmSettings(), []) == []
    # Without credentials pushes go to the development outbox, which needs a connection.
    assert await send_push(FcmSettings(), [push("device-1")]) == [
        PushOutcome(state="technical_failure", error="no_outbox")
    ]


def test_a_bad_service_account_stops_production_start_up_with_one_line(tmp_path: Path) -> None:
    not_an_account = tmp_path / "service-account.json"
    not_an_account.write_text('{"type": "authorized_user"}')
    for path, problem in (
        (tmp_path / "missing.json", "cannot read"),
        (not_an_account, "is not a service-account JSON"),
    ):
        env = {**PRODUCTION, "HANCHANG_FCM_CREDENTIALS": str(path), "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [sys.executable, "-m", "server.cli", "migrate"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 2
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("hanchang: setting HANCHANG_FCM_CREDENTIALS: ")
        assert str(path) in line
        assert problem in line
