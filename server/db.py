"""The PostgreSQL pool and the one-transaction-per-request dependency.

Handlers and jobs receive a `Transaction`: the connection they run every query
on, and a list of things to do only once it has committed (enqueueing arq jobs,
above all: a job must never see data that was rolled back, nor run before the
rows it needs exist).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg

from server.audit import append_audit_rows, defer_audit_rows, take_deferred_audit_rows
from server.settings import DatabaseSettings

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


async def create_pool(settings: DatabaseSettings, *, min_size: int | None = None) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        settings.url,
        min_size=settings.pool_min_size if min_size is None else min_size,
        max_size=max(settings.pool_max_size, settings.pool_min_size),
        init=_role_setup(settings.app_role),
        server_settings={
            "statement_timeout": str(settings.statement_timeout_ms),
            "application_name": "hanchang",
            "timezone": "UTC",
        },
    )
    assert pool is not None
    return pool


async def _commit(tx: Transaction, outer: asyncpg.transaction.Transaction) -> None:
    await append_audit_rows(tx.conn, take_deferred_audit_rows(tx.conn))
    await outer.commit()


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncGenerator[Transaction, None]:
    """One transaction: commit on success, roll back on error, then after-commit work.

    An error that carries `commit_first = True` (a refused sign-in whose failure
    count and audit row must stay) commits before it goes on to the caller.
    """
    async with pool.acquire() as conn:
        # A pooled connection proxies every Connection method.
        tx = Transaction(cast(asyncpg.Connection, conn))
        outer = conn.transaction()
        await outer.start()
        defer_audit_rows(tx.conn)
        committed = False
        try:
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
        finally:
            take_deferred_audit_rows(tx.conn)
            if not committed:
                # Nothing half-written stays, whatever failed (the handler, the audit, the commit).
                with contextlib.suppress(Exception):
                    await outer.rollback()
    await tx.run_after_commit()
