"""Schemathesis over the whole OpenAPI document, the way an outsider tries the API (issue 18).

The app runs under uvicorn on a real socket, on this module's own database, and
`st run` (every check, a fixed seed, a time budget) tries every operation as each
identity the API knows: nobody, a citizen signed in at aal 1 and at aal 2 (a bearer
token), and a clerk at the console (the staff cookie, sent from the console's own
origin as a browser would). Operations that end or lock the identity they are called
with (signing out, the PIN, removing an authenticator) are left out of those shared
runs and tried each with a fresh identity of its own, so that they cannot sign the
other runs out halfway.

Every run must find nothing: no server error, no response that breaks its schema,
every status and content type documented, `Allow` right, valid requests accepted and
invalid ones refused. A failing test prints schemathesis's own report: each failure
with a `curl` line that reproduces it. What the checks expect beyond the document is
in schemathesis.toml, each with the reason it is true of the API.

Budget: about four minutes in all. A run is reproducible
by its seed, within its time budget: `.venv/bin/st run URL/schema/openapi.json --seed 1`.

The runs are part of `make test`; `make fuzz` runs this module alone. The bank's
account-holder inquiry is the fake network (server/fake_bank.py), as in `make run`:
without it a holder check is rightly a 503, which schemathesis counts as a server error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import pytest

from assisted_channel.console.same_origin import origin_of
from auth import new_token, token_hash
from auth.staff import insert_staff, insert_staff_session
from foundation.settings import Settings, load_settings
from server.embedded import free_port
from server.fake_bank import FakeBank, running_fake_bank
from server.openapi_truth import STAFF_SCHEME
from tests.support.browser import app_on_real_socket
from tests.support.environment import environment_for_tests
from tests.support.factories import make_account, sign_in

ROOT = Path(__file__).resolve().parent.parent
ST = Path(sys.executable).parent / "st"
# Fixed, so that CI tries the same cases each time; `HANCHANG_FUZZ_SEED=2 make fuzz` tries others.
SEED = os.environ.get("HANCHANG_FUZZ_SEED", "1")
# Operations that end or lock the identity they are called with: each is tried with a
# fresh identity of its own, never in the shared runs.
ENDS_A_CITIZEN = [
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/logout-all"),
    ("DELETE", "/v1/me/sessions/{session_id}"),
    # Ends the session it completes; five wrong PINs lock the app's PIN.
    ("POST", "/v1/auth/pin/verify"),
    ("PUT", "/v1/me/pin"),
    ("DELETE", "/v1/me/passkeys/{passkey_id}"),
    ("DELETE", "/v1/me/totp"),
]
ENDS_A_CLERK = [
    ("POST", "/console/api/sign-out"),
    ("POST", "/console/api/staff/{staff_id}/disable"),
]


def operation_id(method: str, path: str) -> str:
    """The operation's id in the committed document (the served one, test_openapi.py)."""
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    return str(document["paths"][path][method.lower()]["operationId"])


def _only(operations: list[tuple[str, str]], option: str) -> list[str]:
    """`st run` options including or excluding exactly `operations`."""
    return [word for op in operations for word in (option, operation_id(*op))]


@pytest.fixture(scope="module")
def bank() -> Iterator[FakeBank]:
    with running_fake_bank() as fake:
        yield fake


@pytest.fixture(scope="module")
def fuzzed_settings(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory, bank: FakeBank
) -> Settings:
    environment = environment_for_tests(
        database_url,
        redis_url,
        tmp_path_factory.mktemp("fuzz-data"),
        HANCHANG_PORT=str(free_port()),
    )
    return load_settings({**environment, **bank.environment(timeout_s=2.0)})


@pytest.fixture(scope="module")
def base_url(fuzzed_settings: Settings) -> Iterator[str]:
    with app_on_real_socket(fuzzed_settings, fuzzed_settings.http.port) as _:
        yield f"http://127.0.0.1:{fuzzed_settings.http.port}"


class Identity(msgspec.Struct, frozen=True):
    # The document's security scheme and its value.
    credential: tuple[str, str]
    headers: dict[str, str] = {}


class Run(msgspec.Struct, frozen=True):
    """One `st run`: what it tries, as whom, for how long."""

    name: str
    options: tuple[str, ...] = ()
    examples: int = 10
    seconds: int = 30
    identity: Identity | None = None


def _command(base_url: str, report: Path, run: Run) -> list[str]:
    """`st run` over the served document with every check.

    The identity's credential goes to schemathesis as the document's security scheme
    (`bearer`, `staff`), so that it knows which header or cookie carries it (and checks
    that an operation refuses a request without it); its other headers go as they are."""
    config = (ROOT / "schemathesis.toml").read_text()
    if run.identity is not None:
        scheme, value = run.identity.credential
        key = "bearer" if scheme == "bearer" else "api_key"
        config += f'\n[auth.openapi.{scheme}]\n{key} = "{value}"\n'
    (report / f"{run.name}.toml").write_text(config)
    command = [
        str(ST),
        "--no-color",
        "--config-file",
        str(report / f"{run.name}.toml"),
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        "all",
        "--seed",
        SEED,
        "-n",
        str(run.examples),
        "--max-time",
        str(run.seconds),
        # One worker per run, runs side by side instead: CPython 3.11.7 may fail
        # `ast.parse` in two threads at once (gh-106905, fixed in 3.11.8), which the
        # coverage phase of schemathesis calls.
        "-w",
        "1",
        "--report",
        "junit",
        "--report-dir",
        str(report / run.name),
        *run.options,
    ]
    for name, value in (run.identity.headers if run.identity is not None else {}).items():
        command += ["-H", f"{name}: {value}"]
    return command


def schemathesis(base_url: str, report: Path, runs: list[Run], side_by_side: int) -> None:
    """Every run, `side_by_side` at a time; fails with the report of each that found
    anything (each failure with a `curl` line reproducing it)."""
    outputs: dict[str, str] = {}
    codes: dict[str, int] = {}
    pending = list(runs)
    while pending:
        batch, pending = pending[:side_by_side], pending[side_by_side:]
        started = {
            run.name: subprocess.Popen(
                _command(base_url, report, run),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for run in batch
        }
        for run in batch:
            out, _ = started[run.name].communicate(timeout=run.seconds + 120)
            outputs[run.name], codes[run.name] = out, started[run.name].returncode
            (report / f"{run.name}.txt").write_text(out)
    failed = [name for name, code in codes.items() if code != 0]
    assert not failed, "schemathesis found failures:\n" + "\n".join(
        f"===== {name} =====\n{outputs[name]}" for name in failed
    )
    for name, output in outputs.items():
        assert "Tested:" in output, f"{name}: {output}"


async def citizen(settings: Settings, database_url: str, aal: int) -> Identity:
    """A signed-in citizen: a fresh person, account and session at `aal`."""
    conn = await asyncpg.connect(database_url)
    try:
        account = await make_account(conn, settings, name="박서준")
        tokens = await sign_in(conn, settings, account, aal=aal)
    finally:
        await conn.close()
    return Identity(credential=("bearer", tokens.access_token))


async def clerk(settings: Settings, database_url: str) -> Identity:
    """A clerk of the Busan office signed in to the console, calling from the console's
    origin as its pages do (the same-origin check of every console write)."""
    conn = await asyncpg.connect(database_url)
    try:
        staff = await insert_staff(conn, name="김민수", office_code="busan", role="clerk")
        token = new_token("hcs_")
        await insert_staff_session(
            conn, staff_id=staff.id, token_hash=token_hash(token), now=datetime.now(UTC)
        )
    finally:
        await conn.close()
    return Identity(
        credential=(STAFF_SCHEME, token),
        headers={"Origin": origin_of(settings.http.public_url), "Sec-Fetch-Site": "same-origin"},
    )


def test_every_operation_the_configuration_names_exists() -> None:
    """A setting of schemathesis.toml for an operation that was renamed would apply to
    nothing, silently."""
    configured = tomllib.loads((ROOT / "schemathesis.toml").read_text())["operations"]
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    for operation in configured:
        named = operation["include-operation-id"]
        assert set([named] if isinstance(named, str) else named) <= ids, named


async def test_anonymous_callers_and_citizens_find_nothing(
    base_url: str, fuzzed_settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """Nobody, over every operation; citizens at aal 1 and 2, over the app's (`/v1/`)."""
    citizens = [
        Run(
            f"citizen-aal{aal}",
            ("--include-path-regex", "^/v1/", *_only(ENDS_A_CITIZEN, "--exclude-operation-id")),
            seconds=40,
            identity=await citizen(fuzzed_settings, database_url, aal),
        )
        for aal in (1, 2)
    ]
    schemathesis(base_url, tmp_path, [Run("anonymous", seconds=50), *citizens], side_by_side=3)


async def test_a_clerk_at_the_console_finds_nothing(
    base_url: str, fuzzed_settings: Settings, database_url: str, tmp_path: Path
) -> None:
    run = Run(
        "clerk",
        ("--include-path-regex", "^/console/api/", *_only(ENDS_A_CLERK, "--exclude-operation-id")),
        seconds=45,
        identity=await clerk(fuzzed_settings, database_url),
    )
    schemathesis(base_url, tmp_path, [run], side_by_side=1)


async def test_what_ends_an_identity_is_tried_with_its_own(
    base_url: str, fuzzed_settings: Settings, database_url: str, tmp_path: Path
) -> None:
    """Each operation that ends or locks an identity, with a fresh one of its own."""
    runs = [
        Run(
            f"{method}-{path}".replace("/", "_").replace("{", "").replace("}", ""),
            (
                *_only([(method, path)], "--include-operation-id"),
                "--phases",
                "examples,coverage,fuzzing",
            ),
            examples=5,
            seconds=6,
            identity=(
                await clerk(fuzzed_settings, database_url)
                if path.startswith("/console/")
                else await citizen(fuzzed_settings, database_url, aal=2)
            ),
        )
        for method, path in ENDS_A_CITIZEN + ENDS_A_CLERK
    ]
    schemathesis(base_url, tmp_path, runs, side_by_side=3)
