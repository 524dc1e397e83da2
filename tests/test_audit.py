"""The audit log is append-only for the application and tamper-evident for everyone."""

from __future__ import annotations

import asyncpg
import pytest

from foundation.audit import list_audit_for_subject, record_audit, verify_audit_chain
from foundation.settings import Settings
from tests.support.audit_log import verify_cli


async def _write_three(owner_conn: asyncpg.Connection) -> list[int]:
    await owner_conn.execute('SET ROLE "hanchang_app"')
    try:
        async with owner_conn.transaction():
            before = await owner_conn.fetchval("SELECT coalesce(max(id), 0) FROM audit_log")
            (
                await record_audit(
                    owner_conn,
                    actor="staff:1",
                    action="identity.verified",
                    subject="person:7",
                    office="seoul-gangnam",
                    channel="counter",
                    reason="resident ID card checked",
                    details={"document": "resident_id", "last4": "1234"},
                )
            )
            (
                await record_audit(
                    owner_conn,
                    actor="person:7",
                    action="auth.sign_in",
                    subject="person:7",
                    channel="app",
                    details={"method": "passkey", "aal": 2},
                )
            )
            (
                await record_audit(
                    owner_conn,
                    actor="system",
                    action="auth.locked",
                    subject="person:8",
                    details={"failures": 10},
                )
            )
            rows = await owner_conn.fetch(
                "SELECT id FROM audit_log WHERE id > $1 ORDER BY id", before
            )
        return [row["id"] for row in rows]
    finally:
        await owner_conn.execute("RESET ROLE")


async def test_rows_chain_and_verify(owner_conn: asyncpg.Connection) -> None:
    ids = await _write_three(owner_conn)
    report = await verify_audit_chain(owner_conn)
    assert report.ok
    assert report.rows >= 3
    trail = await list_audit_for_subject(owner_conn, "person:7")
    assert [entry.id for entry in trail] == [ids[1], ids[0]]
    assert trail[1].details == {"document": "resident_id", "last4": "1234"}
    assert trail[0].prev_hash == trail[1].row_hash


async def test_application_role_cannot_update_or_delete(conn: asyncpg.Connection) -> None:
    await record_audit(conn, actor="system", action="test.row")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("UPDATE audit_log SET action = 'forged'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("DELETE FROM audit_log")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with conn.transaction():
            await conn.execute("TRUNCATE audit_log")


async def test_even_the_owner_is_stopped_by_the_trigger(owner_conn: asyncpg.Connection) -> None:
    await _write_three(owner_conn)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await owner_conn.execute("UPDATE audit_log SET action = 'forged'")


async def test_tampering_is_detected(owner_conn: asyncpg.Connection, settings: Settings) -> None:
    ids = await _write_three(owner_conn)
    clean = verify_cli(settings)
    assert clean.returncode == 0, clean.stderr
    assert "intact" in clean.stdout

    # Someone with the owner's powers disables the guard and rewrites history.
    await owner_conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    try:
        await owner_conn.execute(
            "UPDATE audit_log SET reason = 'nothing happened' WHERE id = $1", ids[0]
        )
        await owner_conn.execute("DELETE FROM audit_log WHERE id = $1", ids[2])
    finally:
        await owner_conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")

    report = await verify_audit_chain(owner_conn)
    assert not report.ok
    assert ids[0] in {item.id for item in report.breaks}
    tampered = verify_cli(settings)
    assert tampered.returncode == 1
    assert "TAMPERED" in tampered.stderr


async def test_a_request_writes_its_audit_rows_at_commit_and_only_then(
    settings: Settings, owner_conn: asyncpg.Connection
) -> None:
    """Rows are chained just before the commit; a rollback leaves none, a commit all."""
    from foundation.db import create_pool, transaction

    pool = await create_pool(settings.database, min_size=1)
    try:
        async with transaction(pool) as tx:
            await record_audit(tx.conn, actor="system", action="test.deferred.one")
            await record_audit(tx.conn, actor="system", action="test.deferred.two")
            # Not written yet: the chain's lock is taken only at the end.
            assert (
                await tx.conn.fetchval(
                    "SELECT count(*) FROM audit_log WHERE action LIKE 'test.deferred.%'"
                )
                == 0
            )
        with pytest.raises(RuntimeError):
            async with transaction(pool) as tx:
                await record_audit(tx.conn, actor="system", action="test.deferred.lost")
                raise RuntimeError("the handler failed")
    finally:
        await pool.close()
    rows = await owner_conn.fetch(
        "SELECT id, action FROM audit_log WHERE action LIKE 'test.deferred.%' ORDER BY id"
    )
    assert [row["action"] for row in rows] == ["test.deferred.one", "test.deferred.two"]
    # (An earlier test in this module tampered with older rows on purpose.)
    broken = {item.id for item in (await verify_audit_chain(owner_conn)).breaks}
    assert not broken & {row["id"] for row in rows}
