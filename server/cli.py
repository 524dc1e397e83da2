"""The `hanchang` command line."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from foundation.audit_checkpoints import FoundCheckpoints
from foundation.log_lines import configure_logging, log_format_of
from foundation.settings import Settings, SettingsError, data_dir_of, get_settings, load_settings
from server.database_tasks import load_demo_database, migrate_database, owner_connect
from server.running import RunningNotFound, should_look_for_running, use_running_services

DEFAULT_DEMO_PEOPLE = 10_000


def _settings_or_exit() -> None:
    try:
        get_settings()
    except SettingsError as exc:
        print(f"hanchang: setting {exc}", file=sys.stderr)
        raise SystemExit(2) from None


async def _demo_people(as_json: bool) -> int:
    from server.demo_data import demo_people, format_demo_people

    conn = await owner_connect()
    try:
        people = await demo_people(conn)
    finally:
        await conn.close()
    print(format_demo_people(people, as_json=as_json))
    return 0


async def _audit_verify() -> int:
    from foundation.audit import verify_audit_chain
    from foundation.audit_checkpoints import check_checkpoint

    settings = get_settings()
    found = await _audit_checkpoints(settings)
    conn = await owner_connect()
    try:
        report = await verify_audit_chain(conn)
        missing = {
            problem: None
            for _place, checkpoint in found.good
            for problem in await check_checkpoint(conn, checkpoint)
        }
    finally:
        await conn.close()
    newest = max(
        (checkpoint for _place, checkpoint in found.good), key=lambda c: c.last_id, default=None
    )
    if report.ok and not missing and not found.forged:
        print(f"audit log intact: {report.rows} rows, hash chain verified")
        if newest is None:
            print("no checkpoint of the log's head yet (the worker writes one every minute)")
        else:
            print(
                f"newest checkpoint holds: row {newest.last_id}, {newest.rows} rows, "
                f"taken {newest.taken_at.isoformat(timespec='seconds')}"
            )
        return 0
    print(
        f"audit log TAMPERED: {len(report.breaks)} break(s) in {report.rows} rows, "
        f"{len(missing)} checkpoint problem(s), {len(found.forged)} forged checkpoint(s)",
        file=sys.stderr,
    )
    for item in report.breaks[:50]:
        print(f"  row {item.id}: {item.problem}", file=sys.stderr)
    for problem in missing:
        print(f"  {problem}", file=sys.stderr)
    for forged in found.forged[:50]:
        print(f"  forged checkpoint: {forged}", file=sys.stderr)
    return 1


async def _audit_checkpoints(settings: Settings) -> FoundCheckpoints:
    """The newest checkpoints in the file and in Redis (the file alone if Redis is down)."""
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from foundation.audit_checkpoints import find_checkpoints

    audit = settings.audit
    redis = Redis.from_url(settings.redis.url, socket_connect_timeout=3, socket_timeout=3)
    try:
        return await find_checkpoints(redis, audit.checkpoint_file, audit.checkpoint_key)
    except (RedisError, OSError) as exc:
        print(f"hanchang: Redis unreachable ({exc}); checking the file alone", file=sys.stderr)
        return await find_checkpoints(None, audit.checkpoint_file, audit.checkpoint_key)
    finally:
        await redis.aclose()


def _worker(queue: str) -> int:
    from arq.worker import Worker

    from foundation.jobs import QUEUES
    from server.worker import worker_settings

    # The bulk worker also anchors the audit log's head as its rows commit.
    settings = worker_settings(get_settings(), queue=QUEUES[queue], anchor_audit=queue == "bulk")
    Worker(**settings).run()
    return 0


def serve_options(settings: Settings) -> dict[str, Any]:
    """How `hanchang serve` runs uvicorn (tests on a real socket run it the same way).

    uvicorn's own proxy headers stay off: it would believe `X-Forwarded-For` from
    127.0.0.1 whatever our settings say. The client address is read in one place,
    by `HANCHANG_TRUSTED_PROXIES` (foundation/client_address.py).
    """
    return {
        "host": settings.http.host,
        "port": settings.http.port,
        "log_level": "info",
        # Our own access line (foundation/request_trail.py) carries the request id and route;
        # uvicorn's loggers go through our handler (no logging config of its own).
        "access_log": False,
        "log_config": None,
        "lifespan": "on",
        "proxy_headers": False,
    }


def _serve() -> int:
    import uvicorn

    uvicorn.run("server.app:create_app", factory=True, **serve_options(get_settings()))
    return 0


def _services(command: Sequence[str]) -> int:
    """Run `command` with DATABASE_URL and REDIS_URL naming running servers (embedded if unset)."""
    if not command:
        print("hanchang services: give a command after --", file=sys.stderr)
        return 2
    # A throwaway cluster per run, so that runs side by side never share (or stop) a server.
    base = Path(os.environ.get("HANCHANG_DATA_DIR") or get_settings().data_dir)
    data_dir = base / f"services-{os.getpid()}"
    os.environ.setdefault("HANCHANG_EMBEDDED_FSYNC", "off")
    try:
        return _run_with_services(data_dir, command)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def _run_with_services(data_dir: Path, command: Sequence[str]) -> int:
    from server.embedded import embedded_services

    with embedded_services(data_dir, persist=False) as urls:
        env = {**os.environ, "DATABASE_URL": urls.database_url, "REDIS_URL": urls.redis_url}
        child = subprocess.Popen(list(command), env=env)
        previous = {
            sig: signal.signal(sig, lambda s, _f: child.send_signal(s))
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            return child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hanchang", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start everything for local use (make run)")
    run.add_argument("--people", type=int, default=DEFAULT_DEMO_PEOPLE, help="demo people to load")
    services = commands.add_parser("services", help="run a command with PostgreSQL and Redis up")
    services.add_argument("cmd", nargs=argparse.REMAINDER)
    commands.add_parser("migrate", help="apply database migrations")
    demo = commands.add_parser("demo-data", help="load a synthetic population")
    demo.add_argument("--people", type=int, default=DEFAULT_DEMO_PEOPLE)
    demo.add_argument("--seed", type=int, default=1350)
    demo.add_argument("--if-empty", action="store_true", help="only when there are no people yet")
    people = commands.add_parser("demo-people", help="list demo people to try every sign-in path")
    people.add_argument("--json", action="store_true")
    audit = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="recompute the audit log's hash chain")
    from server.documents_cli import add_documents_commands
    from server.eligibility_cli import add_eligibility_commands
    from server.status_cli import add_status_commands

    add_status_commands(commands)
    add_documents_commands(commands)
    add_eligibility_commands(commands)
    from server.data_quality_cli import add_data_quality_command

    add_data_quality_command(commands)
    from server.caseworker_cli import add_caseworker_commands
    from server.kiosk_cli import add_kiosk_commands
    from server.notify_cli import add_notify_commands
    from server.staff_cli import add_staff_commands

    add_caseworker_commands(commands)
    add_notify_commands(commands)
    add_staff_commands(commands)
    add_kiosk_commands(commands)
    from server.phone_cli import add_phone_commands

    add_phone_commands(commands)
    worker = commands.add_parser("worker", help="run an arq worker")
    worker.add_argument(
        "--queue",
        choices=["bulk", "interactive"],
        default="bulk",
        help="bulk: notices, scans and every cron job; interactive: codes and account alerts",
    )
    commands.add_parser("serve", help="serve HTTP (one process)")
    fake_bank = commands.add_parser(
        "fake-bank", help="the local open-banking network (hanchang run starts it)"
    )
    fake_bank.add_argument("--port", type=int, required=True)
    fake_bank.add_argument("--accounts", type=Path, required=True, help="its accounts, JSON")
    args = parser.parse_args(argv)

    try:
        log_format = log_format_of(os.environ)
    except SettingsError as exc:
        print(f"hanchang: setting {exc}", file=sys.stderr)
        return 2
    # JSON lines or text (HANCHANG_LOG_FORMAT), for this process and the children it starts.
    configure_logging(log_format)
    if args.command == "report":
        from server.eligibility_cli import write_data_needs

        return write_data_needs(args.output)
    if args.command == "run":
        from server.supervisor import run_everything

        return run_everything(people=args.people)
    if args.command == "fake-bank":
        from server.fake_bank import serve_fake_bank

        if os.environ.get("HANCHANG_ENV") == "production":
            print(
                "hanchang: the fake open-banking network never runs in production", file=sys.stderr
            )
            return 2
        # The credentials it accepts are the ones `hanchang run` gave the children.
        return serve_fake_bank(
            args.port,
            args.accounts,
            os.environ.get("OPEN_BANKING_CLIENT_ID", ""),
            os.environ.get("OPEN_BANKING_CLIENT_SECRET", ""),
        )
    if args.command == "services":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return _services(cmd)

    # Every command from here on needs the database: without DATABASE_URL, the running
    # `make run`'s (before settings are read, and cached).
    if should_look_for_running(os.environ):
        try:
            found = use_running_services(os.environ, data_dir_of(os.environ))
        except RunningNotFound as exc:
            print(f"hanchang: {exc}", file=sys.stderr)
            return 2
        print(f"hanchang: {found}", file=sys.stderr)
    _settings_or_exit()
    settings = load_settings()
    if args.command == "migrate":
        return asyncio.run(migrate_database())
    if args.command == "demo-data":
        return asyncio.run(load_demo_database(args.people, args.if_empty, args.seed))
    if args.command == "demo-people":
        return asyncio.run(_demo_people(args.json))
    if args.command == "audit":
        return asyncio.run(_audit_verify())
    if args.command == "status":
        from server.status_cli import run_status_command

        return asyncio.run(run_status_command(args, owner_connect))
    if args.command == "documents":
        from server.documents_cli import run_documents_command

        return asyncio.run(run_documents_command(args, owner_connect))
    if args.command == "eligibility":
        from server.eligibility_cli import run_eligibility_command

        return asyncio.run(run_eligibility_command(args, owner_connect))
    if args.command == "data-quality":
        from server.data_quality_cli import run_data_quality_command

        return asyncio.run(run_data_quality_command(args, owner_connect))
    if args.command == "caseworker":
        from server.caseworker_cli import run_caseworker_command

        return asyncio.run(run_caseworker_command(args, owner_connect))
    if args.command == "staff":
        from server.staff_cli import run_staff_command

        return asyncio.run(run_staff_command(args, settings, owner_connect))
    if args.command == "kiosk":
        from server.kiosk_cli import run_kiosk_command

        return asyncio.run(run_kiosk_command(args, owner_connect))
    if args.command == "phone":
        from server.phone_cli import main_call

        return main_call(args, settings)
    if args.command == "notify":
        from server.notify_cli import run_notify_command

        return asyncio.run(run_notify_command(args, settings))
    if args.command == "worker":
        return _worker(args.queue)
    if args.command == "serve":
        return _serve()
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
