"""The PostgreSQL pool and the one-transaction-per-request dependency.

Handlers and jobs receive a `Transaction`: the connection they run every query
on, and a list of things to do only once it has committed (enqueueing arq jobs,
above all: a job must never see data that was rolled back, nor run before the
rows it needs exist).

**No deadlock by construction.** A request or job that holds a pooled connection
and waits for a second one can deadlock the pool: when every holder waits, no
one releases (the first `make run` hung this way, ten delivery jobs on a pool of
ten). So our pool refuses a second `acquire` from code that already holds one of
its connections (`NestedAcquire`, a programming error that every test run would
show), and waiting for a free connection is bounded (`acquire_timeout_s`), after
which the caller gets `DatabaseBusy` (503 from the API) instead of hanging.

**PostgreSQL gone or frozen.** The server's statement_timeout cannot fire when the
server is stopped, killed or frozen (SIGSTOP), so every connection carries client-side
bounds (settings: `connect_timeout_s`, `command_timeout_s`). A connection that cannot be
opened raises `DatabaseUnreachable`; a transaction whose connection fails or times out is
dropped (terminated, never rolled back over a dead line: the server rolls back what a
lost connection wrote), so the pool opens a fresh one once PostgreSQL is back. Every
channel answers those failures with its own 503 (foundation/errors.py, `outage_of`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolAcquireContext

from foundation.audit import (
    append_audit_rows,
    defer_audit_rows,
    deferred_audit_mark,
    forget_audit_rows_after,
    take_deferred_audit_rows,
)
from foundation.settings import DatabaseSettings

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[Any]]


class Transaction:
    """A connection inside an open transaction, with work to run after it commits."""

    __slots__ = ("_after_commit", "conn")

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._after_commit: list[AfterCommit] = []

    def after_commit(self, action: AfterCommit) -> None:
        self._after_commit.append(action)

    async def run_after_commit(self) -> None:
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            try:
                await action()
            except Exception:
                # The data is committed; a lost follow-up must be visible, not fatal.
                log.exception("after-commit action failed")


def _role_setup(app_role: str) -> Callable[[asyncpg.Connection], Coroutine[Any, Any, None]]:
    async def init(conn: asyncpg.Connection) -> None:
        if app_role:
            # Act as the unprivileged application role even when the URL names
            # the owner (as it does for embedded development servers).
            current = await conn.fetchval("SELECT current_user")
            if current != app_role:
                await conn.execute(f'SET ROLE "{app_role}"')

    return init


class NestedAcquire(RuntimeError):
    """Code that holds a pooled connection asked for another: that can deadlock the pool."""


class DatabaseBusy(Exception):
    """No connection came free within the acquire timeout (the API answers 503)."""


class DatabaseUnreachable(Exception):
    """PostgreSQL could not be reached: the connection was refused, or it timed out."""


# What a connection that is gone, refused or frozen raises (asyncpg, the OS, a timeout):
# a transaction that meets one drops its connection rather than talk to it again.
CONNECTION_FAILURES: tuple[type[BaseException], ...] = (
    DatabaseUnreachable,
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.InterfaceError,
)


def _connector(app_role: str) -> Callable[..., Coroutine[Any, Any, asyncpg.Connection]]:
    """How the pool opens a connection: a refusal or a timeout is `DatabaseUnreachable`, told
    apart from a pool with no free connection (`DatabaseBusy`)."""
    setup = _role_setup(app_role)

    async def connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
        try:
            conn: asyncpg.Connection = await asyncpg.connect(*args, **kwargs)
        except CONNECTION_FAILURES as exc:
            raise DatabaseUnreachable(f"PostgreSQL could not be reached: {exc!r}") from None
        try:
            await setup(conn)
        except CONNECTION_FAILURES as exc:
            conn.terminate()
            raise DatabaseUnreachable(f"PostgreSQL did not answer: {exc!r}") from None
        except BaseException:
            conn.terminate()
            raise
        return conn

    return connect


# The pool whose connection the running code holds (copied into tasks it starts, so that
# `gather` under a held connection is caught too).
_holding: contextvars.ContextVar[Pool | None] = contextvars.ContextVar(
    "hanchang_db_holding", default=None
)


class _GuardedAcquire(PoolAcquireContext):
    __slots__ = ("_token",)

    async def __aenter__(self) -> Any:
        pool = cast(Pool, self.pool)
        if _holding.get() is not None:
            raise NestedAcquire(
                "this code already holds a pooled connection and asked for a second one; "
                "pass the connection it holds down instead (see foundation/db.py)"
            )
        try:
            connection = await super().__aenter__()
        except TimeoutError:
            raise DatabaseBusy(
                f"no database connection came free within {self.timeout:g} s "
                f"(pool of {pool.get_max_size()})"
            ) from None
        self._token = _holding.set(pool)
        return connection

    async def __aexit__(self, *exc: object) -> None:
        try:
            _holding.reset(self._token)
        except ValueError:
            # Released from another task than the one that acquired (a framework's
            # clean-up): that task's context is gone with it.
            _holding.set(None)
        await super().__aexit__(*exc)


class RequestSlots:
    """How many requests may hold a transaction at once, and how long one waits its turn."""

    def __init__(self, concurrency: int, timeout_s: float) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.timeout_s = timeout_s
        self.concurrency = concurrency
        # For /metrics: requests holding a slot, and requests waiting for one.
        self.in_use = 0
        self.waiting = 0


@asynccontextmanager
async def request_slot(slots: RequestSlots) -> AsyncGenerator[None, None]:
    slots.waiting += 1
    try:
        async with asyncio.timeout(slots.timeout_s):
            await slots.semaphore.acquire()
    except TimeoutError:
        raise DatabaseBusy(
            f"no request slot came free within {slots.timeout_s:g} s "
            "(HANCHANG_API_CONCURRENCY requests were running)"
        ) from None
    finally:
        slots.waiting -= 1
    slots.in_use += 1
    try:
        yield
    finally:
        slots.in_use -= 1
        slots.semaphore.release()


class Pool(asyncpg.Pool):
    """asyncpg's pool with a bounded wait and no second connection for one holder."""

    def __init__(self, *args: Any, acquire_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout_s = acquire_timeout_s

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return _GuardedAcquire(self, self.acquire_timeout_s if timeout is None else timeout)


def _server_settings(settings: DatabaseSettings, application_name: str) -> dict[str, str]:
    return {
        "statement_timeout": str(settings.statement_timeout_ms),
        "application_name": application_name,
        "timezone": "UTC",
    }


async def connect_alone(settings: DatabaseSettings, application_name: str) -> asyncpg.Connection:
    """One connection outside any pool, for a task that holds it (LISTEN), with the
    pool's role and bounds. A refusal or a timeout is `DatabaseUnreachable`."""
    conn: asyncpg.Connection = await _connector(settings.app_role)(
        settings.url,
        server_settings=_server_settings(settings, application_name),
        timeout=settings.connect_timeout_s,
        command_timeout=settings.command_timeout_s,
    )
    return conn


async def create_pool(
    settings: DatabaseSettings, *, min_size: int | None = None, max_size: int | None = None
) -> Pool:
    """A pool of `max_size` connections (default: the API's `pool_max_size`)."""
    size = settings.pool_max_size if max_size is None else max_size
    pool = Pool(
        settings.url,
        acquire_timeout_s=settings.acquire_timeout_s,
        min_size=min(settings.pool_min_size if min_size is None else min_size, size),
        max_size=size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        connect=_connector(settings.app_role),
        setup=None,
        init=None,
        reset=None,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        server_settings=_server_settings(settings, "hanchang"),
        # Passed to asyncpg.connect for each connection (a frozen server never answers).
        timeout=settings.connect_timeout_s,
        command_timeout=settings.command_timeout_s,
    )
    await pool
    return pool


async def _commit(tx: Transaction, outer: asyncpg.transaction.Transaction) -> None:
    await append_audit_rows(tx.conn, take_deferred_audit_rows(tx.conn))
    await outer.commit()


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncGenerator[Transaction, None]:
    """One transaction: commit on success, roll back on error, then after-commit work.

    An error that carries `commit_first = True` (a refused sign-in whose failure
    count and audit row must stay) commits before it goes on to the caller. A connection
    that fails or times out is dropped, not rolled back (see the module's docstring).
    """
    async with pool.acquire() as conn:
        # A pooled connection proxies every Connection method.
        tx = Transaction(cast(asyncpg.Connection, conn))
        outer = conn.transaction()
        committed = False
        lost = False
        try:
            await outer.start()
            defer_audit_rows(tx.conn)
            try:
                yield tx
            except BaseException as exc:
                if getattr(exc, "commit_first", False):
                    await _commit(tx, outer)
                    committed = True
                    await tx.run_after_commit()
                raise
            await _commit(tx, outer)
            committed = True
        except CONNECTION_FAILURES:
            lost = True
            raise
        finally:
            take_deferred_audit_rows(tx.conn)
            if lost:
                # Over a dead or frozen line a rollback (and the pool's reset) would wait
                # out the command timeout again; the server undoes an uncommitted
                # transaction whose connection is gone.
                conn.terminate()
            elif not committed:
                # Nothing half-written stays, whatever failed (the handler, the audit, the commit).
                with contextlib.suppress(Exception):
                    await outer.rollback()
    await tx.run_after_commit()


@asynccontextmanager
async def savepoint(conn: asyncpg.Connection) -> AsyncGenerator[None, None]:
    """Work the core may refuse, inside a request's transaction, for a channel that answers
    a refusal and goes on (the phone line speaks it, then its menu): an error undoes what
    the work wrote, its audit rows included, as a rolled-back request would; an error that
    carries `commit_first` (a refused sign-in's counts) keeps it."""
    mark = deferred_audit_mark(conn)
    inner = conn.transaction()
    await inner.start()
    try:
        yield
    except BaseException as exc:
        if getattr(exc, "commit_first", False):
            await inner.commit()
        else:
            await inner.rollback()
            forget_audit_rows_after(conn, mark)
        raise
    await inner.commit()
