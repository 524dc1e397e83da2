"""Citizens' stored passkeys: the `passkeys` table, and the citizens' realm of the WebAuthn
ceremony (`CITIZEN_PASSKEYS`, auth/webauthn_ceremony.py) with an account's user handle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
import msgspec

from auth.webauthn_ceremony import NewCredential, Realm
from foundation.settings import AuthSettings

USER_HANDLE_CONTEXT = b"webauthn-user-handle:"


class Passkey(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    account_id: int
    credential_id: bytes
    public_key: bytes
    sign_count: int
    transports: list[str]
    aaguid: str | None
    device_type: str
    backed_up: bool
    name: str
    created_at: datetime
    last_used_at: datetime | None
    sign_count_regressions: int

    @property
    def owner_id(self) -> int:
        return self.account_id


class PasskeySummary(msgspec.Struct, frozen=True, kw_only=True):
    """A passkey as its owner sees it (never the key or the credential id)."""

    id: Annotated[int, msgspec.Meta(examples=[17])]
    name: Annotated[str, msgspec.Meta(examples=["내 휴대폰"])]
    created_at: datetime
    last_used_at: datetime | None
    # Synced to a cloud account (a passkey that survives losing the phone).
    backed_up: bool
    # single_device or multi_device (can be synced).
    device_type: Annotated[str, msgspec.Meta(examples=["multi_device"])]
    transports: Annotated[list[str], msgspec.Meta(examples=[["internal", "hybrid"]])]

    @classmethod
    def of(cls, passkey: Passkey) -> PasskeySummary:
        return cls(
            id=passkey.id,
            name=passkey.name,
            created_at=passkey.created_at,
            last_used_at=passkey.last_used_at,
            backed_up=passkey.backed_up,
            device_type=passkey.device_type,
            transports=passkey.transports,
        )


# --- Queries -----------------------------------------------------------------

_COLUMNS = """id, account_id, credential_id, public_key, sign_count, transports, aaguid,
              device_type, backed_up, name, created_at, last_used_at, sign_count_regressions"""


def _passkey(row: asyncpg.Record) -> Passkey:
    values = dict(row)
    values["credential_id"] = bytes(values["credential_id"])
    values["public_key"] = bytes(values["public_key"])
    return Passkey(**values)


async def list_passkeys(conn: asyncpg.Connection, account_id: int) -> list[Passkey]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM passkeys WHERE account_id = $1 ORDER BY id", account_id
    )
    return [_passkey(row) for row in rows]


async def count_passkeys(conn: asyncpg.Connection, account_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM passkeys WHERE account_id = $1", account_id
    )
    return count


async def get_passkey(
    conn: asyncpg.Connection, account_id: int, passkey_id: int, *, lock: bool = False
) -> Passkey | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM passkeys WHERE id = $1 AND account_id = $2"
        + (" FOR UPDATE" if lock else ""),
        passkey_id,
        account_id,
    )
    return _passkey(row) if row else None


async def get_passkey_by_credential_id(
    conn: asyncpg.Connection, credential_id: bytes
) -> Passkey | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM passkeys WHERE credential_id = $1", credential_id
    )
    return _passkey(row) if row else None


async def insert_passkey(
    conn: asyncpg.Connection,
    *,
    account_id: int,
    credential_id: bytes,
    public_key: bytes,
    sign_count: int,
    transports: list[str],
    aaguid: str | None,
    device_type: str,
    backed_up: bool,
    name: str,
) -> Passkey | None:
    """The new passkey, or None when this credential is already registered."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO passkeys (account_id, credential_id, public_key, sign_count, transports,
                              aaguid, device_type, backed_up, name)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (credential_id) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        account_id,
        credential_id,
        public_key,
        sign_count,
        transports,
        aaguid,
        device_type,
        backed_up,
        name,
    )
    return _passkey(row) if row else None


async def insert_new_passkey(
    conn: asyncpg.Connection, account_id: int, new: NewCredential, name: str | None
) -> Passkey | None:
    """A passkey whose registration the ceremony verified; citizens' passkeys are named."""
    if name is None:
        raise ValueError("a citizen's passkey has a name")
    return await insert_passkey(
        conn,
        account_id=account_id,
        credential_id=new.credential_id,
        public_key=new.public_key,
        sign_count=new.sign_count,
        transports=new.transports,
        aaguid=new.aaguid,
        device_type=new.device_type,
        backed_up=new.backed_up,
        name=name,
    )


async def record_passkey_use(
    conn: asyncpg.Connection, passkey_id: int, sign_count: int, backed_up: bool
) -> None:
    await conn.execute(
        "UPDATE passkeys SET sign_count = $2, backed_up = $3, last_used_at = now() WHERE id = $1",
        passkey_id,
        sign_count,
        backed_up,
    )


async def record_sign_count_regression(conn: asyncpg.Connection, passkey_id: int) -> None:
    await conn.execute(
        "UPDATE passkeys SET sign_count_regressions = sign_count_regressions + 1 WHERE id = $1",
        passkey_id,
    )


async def rename_passkey_row(
    conn: asyncpg.Connection, account_id: int, passkey_id: int, name: str
) -> Passkey | None:
    row = await conn.fetchrow(
        f"UPDATE passkeys SET name = $3 WHERE id = $1 AND account_id = $2 RETURNING {_COLUMNS}",
        passkey_id,
        account_id,
        name,
    )
    return _passkey(row) if row else None


async def delete_passkey_row(conn: asyncpg.Connection, passkey_id: int) -> None:
    await conn.execute("DELETE FROM passkeys WHERE id = $1", passkey_id)


CITIZEN_PASSKEYS = Realm[Passkey](
    name="citizen",
    owner_noun="account",
    registration="registration",
    authentication="authentication",
    challenge_owner="account_id",
    handle_context=USER_HANDLE_CONTEXT,
    list_credentials=list_passkeys,
    find_credential=get_passkey_by_credential_id,
    insert_credential=insert_new_passkey,
    record_use=record_passkey_use,
    record_sign_count_regression=record_sign_count_regression,
)


def user_handle(settings: AuthSettings, account_id: int, version: int | None = None) -> bytes:
    """The account's WebAuthn user handle (`Realm.user_handle`)."""
    return CITIZEN_PASSKEYS.user_handle(settings, account_id, version)
