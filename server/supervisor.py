"""`hanchang run` (what `make run` calls): everything for local use, owned by one process.

This process starts embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL
are not set (data under ./.hanchang/), migrates, loads demo people into an
empty database, and runs the HTTP server and the two arq workers (bulk and
interactive) as child processes, starting again any that stops, and the embedded
PostgreSQL or Redis too, on the same port (server/children.py).
Without OPEN_BANKING_API_BASE_URL it also starts the local open-banking network
(server/fake_bank.py), knowing the demo personas' accounts, and points the children at it.
While it runs, `<data folder>/running.json` names its servers, so that other
`hanchang` commands in a second terminal use them (server/running.py).
Ctrl-C or SIGTERM stops the children first, then Redis, then PostgreSQL;
children also stop on their own if this process is killed outright.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType
from urllib.parse import quote

import asyncpg

from auth.staff import StaffRole
from foundation.settings import Settings, SettingsError, load_settings
from server.children import Child, ServerChild
from server.demo_data.bank_accounts import format_demo_bank_accounts, write_demo_bank_accounts
from server.embedded import EmbeddedServices, embedded_services
from server.fake_bank import FAKE_INSTITUTION_CODE
from server.running import announce_running, started_now


class Shutdown(Exception):
    pass


def _raise_shutdown(signum: int, _frame: FrameType | None) -> None:
    # Cleanup below must not be interrupted by a second Ctrl-C.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Shutdown(signal.Signals(signum).name)


async def _queue_first_scan(redis_url: str) -> None:
    """The worker finds the demo people who can get a benefit and tells them (into the
    development outbox) as soon as it starts, rather than at the nightly run."""
    from arq import create_pool
    from arq.connections import RedisSettings

    queue = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await queue.enqueue_job("scan_notices", _job_id="make-run-first-scan")
    finally:
        await queue.aclose()


def _children(data_dir: Path) -> list[Child]:
    """The server and a worker per queue. Each worker keeps its id across restarts, so
    that a restarted worker takes back at once the jobs it was running when it died."""
    place = f"{socket.gethostname()}:{data_dir.resolve()}"
    return [
        Child("HTTP server", ["serve"]),
        Child("bulk worker", ["worker"], {"HANCHANG_WORKER_ID": f"run:{place}:bulk"}),
        Child(
            "interactive worker",
            ["worker", "--queue", "interactive"],
            {"HANCHANG_WORKER_ID": f"run:{place}:interactive"},
        ),
    ]


def _fake_bank(settings: Settings) -> tuple[Child, str] | None:
    """The local open-banking network, when no real one is configured (never in production):
    a free loopback port, fresh credentials for this run, and the demo personas' accounts
    written where it reads them. The children find it through the same settings as a real one."""
    if settings.open_banking.enabled or settings.is_production:
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    os.environ["OPEN_BANKING_API_BASE_URL"] = f"http://127.0.0.1:{port}"
    os.environ["OPEN_BANKING_CLIENT_ID"] = "hanchang-make-run"
    os.environ["OPEN_BANKING_CLIENT_SECRET"] = secrets.token_urlsafe(24)
    os.environ["OPEN_BANKING_INSTITUTION_CODE"] = FAKE_INSTITUTION_CODE
    accounts_file = settings.data_dir / "fake-bank" / "accounts.json"
    accounts = write_demo_bank_accounts(accounts_file)
    child = Child(
        "fake open-banking network",
        ["fake-bank", "--port", str(port), "--accounts", str(accounts_file)],
    )
    listing = (
        f"Bank accounts the local open-banking network knows ({accounts_file}; add more with\n"
        f"  POST http://127.0.0.1:{port}/fake/accounts):\n" + format_demo_bank_accounts(accounts)
    )
    return child, listing


def _wait_ready(url: str, children: list[Child], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in children:
            if child.exited is not None:
                raise RuntimeError(f"the {child.name} exited with {child.exited} during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


# The first `make run` creates a clerk and a supervisor of the Seoul office, so the
# console can be tried at once (two people, for the two-person rule).
DEMO_STAFF: tuple[tuple[str, StaffRole], ...] = (("김창구", "clerk"), ("이감독", "supervisor"))


async def _demo_staff(conn: asyncpg.Connection, public_url: str) -> str:
    """Enrollment links for the demo staff, made once; later runs say how to make more."""
    from auth.staff import create_staff

    lines = ["Counter console: " + public_url + "/console"]
    if await conn.fetchval("SELECT count(*) FROM staff") > 0:
        lines.append(
            "  More staff, in a second terminal: "
            ".venv/bin/hanchang staff create --name NAME --office seoul --role clerk"
        )
        return "\n".join(lines)
    lines.append("  Demo staff (Seoul office); open a link once to register a passkey:")
    async with conn.transaction():
        for name, role in DEMO_STAFF:
            created = await create_staff(
                conn, name=name, office_code="seoul", role=role, actor="operator:make-run"
            )
            link = f"{public_url}/console/enroll?token={quote(created.enrollment_token)}"
            lines.append(f"  {role:<10} {name}  {link}")
    return "\n".join(lines)


async def _demo_phone_line(conn: asyncpg.Connection, public_url: str) -> str:
    """The phone-line personas registered (by the Seoul office's first clerk), and how to
    call the line as them."""
    from server.demo_data import format_demo_callers, register_demo_phones

    clerk = await conn.fetchval(
        "SELECT id FROM staff WHERE office_code = 'seoul' AND disabled_at IS NULL ORDER BY id "
        "LIMIT 1"
    )
    if clerk is None:
        return "Phone line: no Seoul staff to register the demo phone"
    async with conn.transaction():
        callers = await register_demo_phones(conn, load_settings().auth, staff_id=clerk)
    return format_demo_callers(callers, public_url)


def _banner(public_url: str, people_listing: str, bank_listing: str) -> str:
    lines = [
        "",
        "Hanchang is running. Open:",
        f"  {public_url}/readyz               readiness (PostgreSQL and Redis)",
        f"  {public_url}/schema/swagger       the API, to read and try",
        f"  {public_url}/schema/openapi.json  the OpenAPI 3.1 document",
        f"  {public_url}/status               the public status page",
        f"  {public_url}/dev/outbox           codes sent by SMS or voice (no Twilio here; ?to=PHONE)",
        f"  {public_url}/dev/passkeys         try a passkey in this browser",
        "",
        "Demo people (synthetic) to try sign-in with:",
        people_listing,
        "",
        bank_listing,
        "",
        "In a second terminal, .venv/bin/hanchang COMMAND (staff create, kiosk code, notify scan,",
        "demo-people, ...) uses these servers: it finds them in running.json in the data folder.",
        "",
        "Press Ctrl-C to stop everything.",
        "",
    ]
    return "\n".join(lines)


def _announce_running(settings: Settings, urls: EmbeddedServices) -> AbstractContextManager[Path]:
    """From now until we stop, `hanchang COMMAND` in a second terminal uses these servers."""
    return announce_running(
        settings.data_dir,
        started_now(
            database_url=urls.database_url,
            redis_url=urls.redis_url,
            http_port=settings.http.port,
            public_url=settings.http.public_url,
        ),
    )


def run_everything(*, people: int) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"hanchang: setting {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, _raise_shutdown)
    signal.signal(signal.SIGTERM, _raise_shutdown)
    children = _children(settings.data_dir)
    bank = _fake_bank(settings)
    bank_listing = "Bank accounts: the open-banking network at " + settings.open_banking.base_url
    if bank is not None:
        children.insert(0, bank[0])
        bank_listing = bank[1]
    elif not settings.open_banking.enabled:
        bank_listing = "Bank accounts: no open-banking network (holder checks answer 503)"
    try:
        with embedded_services(settings.data_dir) as urls, _announce_running(settings, urls):
            try:
                return _serve_until_stopped(
                    settings.http.port,
                    settings.http.public_url,
                    people,
                    urls.database_url,
                    urls.redis_url,
                    children,
                    bank_listing,
                    [ServerChild(name, server) for name, server in urls.started.items()],
                )
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                for child in children:
                    child.stop()
    except Shutdown as reason:
        print(f"\nhanchang: {reason} received; server, workers, Redis and PostgreSQL stopped.")
        return 0


def _serve_until_stopped(
    port: int,
    public_url: str,
    people: int,
    database_url: str,
    redis_url: str,
    children: list[Child],
    bank_listing: str,
    servers: list[ServerChild],
) -> int:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    print(f"PostgreSQL: {database_url}\nRedis: {redis_url}", flush=True)
    from server.database_tasks import load_demo_database, migrate_database, owner_connect
    from server.demo_data import demo_people, format_demo_people

    if asyncio.run(migrate_database()) != 0:
        return 1
    asyncio.run(load_demo_database(people, if_empty=True, seed=1350))
    asyncio.run(_queue_first_scan(redis_url))
    for child in children:
        child.start()
    _wait_ready(f"http://127.0.0.1:{port}/readyz", children)

    async def listing() -> str:
        conn = await owner_connect()
        try:
            listing: str = format_demo_people(await demo_people(conn), as_json=False)
            staff = await _demo_staff(conn, public_url)
            return "\n\n".join([listing, staff, await _demo_phone_line(conn, public_url)])
        finally:
            await conn.close()

    print(_banner(public_url, asyncio.run(listing()), bank_listing), flush=True)
    while True:
        # The servers first: a child that died with PostgreSQL comes back to a PostgreSQL.
        for server in servers:
            server.look_after()
        for child in children:
            child.look_after()
        time.sleep(0.5)
