"""Push throughput: `send_push` against `messaging.send_each_async` called directly, same fake, same run.

The local FCM fake (tests/support/fakes/fcm.py: FCM HTTP v1 and an OAuth2 token
endpoint) runs in a process of its own on loopback, so that it does not share
this process's interpreter lock. Both cases send the same N messages (title,
body and data, one registration token each) through the real firebase-admin
SDK over its HTTP client; every answer must be a message name.

- baseline: `messaging.send_each_async` in calls of 500, one after the other,
  on a plain App (SDK defaults: its own retry set-up, `httpTimeout` ours).
- `send_push`: our function with one call for all N (it splits in 500s), so its
  own work is counted: building the messages, mapping every answer to an
  outcome, the access-token check off the loop.

Each case warms up first (access token, connection pool) with 1,000 messages
outside the timed part. The baseline re-points the SDK's FCM address the way
providers/fcm.py does (the one thing the SDK has no option for).

    BENCH_PUSH_MESSAGES   messages per case (default 100,000)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import firebase_admin
import msgspec
from firebase_admin import credentials, messaging

from foundation.provider_settings import FcmSettings
from providers.fcm import BATCH_SIZE, PushMessage, send_push
from tests.support.fakes.fcm import write_service_account

DEFAULT_MESSAGES = 100_000
WARM_UP = 1_000
TIMEOUT_S = 10.0
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class FcmEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    credentials: str


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextlib.asynccontextmanager
async def running_fake() -> AsyncIterator[FcmEndpoint]:
    """The fake FCM in a child process on 127.0.0.1, and a service-account file naming it."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.fakes.fcm",
        cwd=PROJECT_ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        if not line.strip().isdigit():
            raise RuntimeError("the fake FCM did not start")
        url = f"http://127.0.0.1:{int(line)}"
        with tempfile.TemporaryDirectory(prefix="bench-push-") as directory:
            account = write_service_account(
                Path(directory) / "service-account.json", f"{url}/token"
            )
            yield FcmEndpoint(url=url, credentials=str(account))
    finally:
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 10)
        except TimeoutError:
            child.kill()
            await child.wait()


def _messages(n: int, prefix: str) -> list[PushMessage]:
    return [
        PushMessage(
            token=f"{prefix}-{i:07d}",
            title="실업급여를 신청할 수 있어요",
            body="고용센터에 가지 않아도 앱에서 신청할 수 있어요.",
            data={"notice_id": str(i), "open": "apply/unemployment-benefit"},
        )
        for i in range(n)
    ]


def _direct_app(endpoint: FcmEndpoint) -> Any:
    certificate = credentials.Certificate(endpoint.credentials)
    app = firebase_admin.initialize_app(
        certificate,
        {"httpTimeout": TIMEOUT_S, "projectId": certificate.project_id},
        name=f"bench-direct-{secrets.token_hex(4)}",
    )
    service_class: Any = messaging._MessagingService
    default_url = service_class.FCM_URL
    service_class.FCM_URL = default_url.replace("https://fcm.googleapis.com", endpoint.url)
    try:
        messaging._get_messaging_service(app)
    finally:
        service_class.FCM_URL = default_url
    return app


async def _send_direct(app: Any, messages: list[PushMessage]) -> int:
    sent = 0
    for start in range(0, len(messages), BATCH_SIZE):
        batch = [
            messaging.Message(
                token=m.token,
                notification=messaging.Notification(title=m.title, body=m.body),
                data={**m.data, "locale": m.locale},
                android=messaging.AndroidConfig(priority="high"),
            )
            for m in messages[start : start + BATCH_SIZE]
        ]
        result = await messaging.send_each_async(batch, app=app)
        sent += result.success_count
    return sent


def _result(name: str, n: int, sent: int, seconds: float) -> dict[str, Any]:
    if sent != n:
        raise RuntimeError(f"{name}: {n - sent:,} of {n:,} messages were not sent")
    return {"name": name, "messages": n, "seconds": seconds, "messages_per_s": n / seconds}


async def bench_direct_push(n: int, endpoint: FcmEndpoint | None = None) -> dict[str, Any]:
    """Baseline: `messaging.send_each_async` called directly, 500 a call."""
    if endpoint is None:
        async with running_fake() as started:
            return await bench_direct_push(n, started)
    app = _direct_app(endpoint)
    try:
        await _send_direct(app, _messages(WARM_UP, "warm"))
        messages = _messages(n, "direct")
        started_at = time.perf_counter()
        sent = await _send_direct(app, messages)
        return _result("messaging.send_each_async", n, sent, time.perf_counter() - started_at)
    finally:
        # delete_app closes the SDK's async client with asyncio.run: not from inside a loop.
        await asyncio.to_thread(firebase_admin.delete_app, app)


async def bench_send_push(n: int, endpoint: FcmEndpoint | None = None) -> dict[str, Any]:
    """`providers.fcm.send_push` with all N messages in one call."""
    if endpoint is None:
        async with running_fake() as started:
            return await bench_send_push(n, started)
    settings = FcmSettings(
        credentials=endpoint.credentials, api_base_url=endpoint.url, timeout_s=TIMEOUT_S
    )
    await send_push(settings, _messages(WARM_UP, "warm"))
    messages = _messages(n, "push")
    started_at = time.perf_counter()
    outcomes = await send_push(settings, messages)
    seconds = time.perf_counter() - started_at
    return _result("send_push", n, sum(o.state == "sent" for o in outcomes), seconds)


def messages_from_environment() -> int:
    raw = os.environ.get("BENCH_PUSH_MESSAGES", "").strip().replace("_", "").replace(",", "")
    if not raw:
        return DEFAULT_MESSAGES
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"BENCH_PUSH_MESSAGES must be a whole number of at least 1, got {raw!r}")
    return int(raw)


async def _main(n: int) -> None:
    async with running_fake() as endpoint:
        _progress(f"push: {n:,} messages per case, fake FCM at {endpoint.url}")
        direct = await bench_direct_push(n, endpoint)
        _progress(f"  {direct}")
        ours = await bench_send_push(n, endpoint)
        _progress(f"  {ours}")
    ratio = ours["messages_per_s"] / direct["messages_per_s"]
    print(f"{'case':<28} {'messages/s':>12} {'seconds':>9}")
    for result in (direct, ours):
        print(f"{result['name']:<28} {result['messages_per_s']:>12,.0f} {result['seconds']:>9.1f}")
    print(f"send_push / send_each_async: {ratio:.2f} ({n:,} messages each)")


if __name__ == "__main__":
    asyncio.run(_main(messages_from_environment()))
