"""Tokens, sessions and the signed-in account (`/v1/auth/token/refresh`, `/v1/me`, ...)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from auth import (
    CurrentSession,
    SessionSummary,
    Tokens,
    end_own_session,
    get_account,
    list_sessions,
    mask_phone,
    refresh_session,
    revoke_account_sessions,
    revoke_session,
)
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import problem_responses


class RefreshRequest(msgspec.Struct, kw_only=True):
    refresh_token: str


class Authenticators(msgspec.Struct, kw_only=True):
    passkeys: int
    totp: bool
    pin: bool
    sms: bool
    recovery_codes_left: int


class Me(msgspec.Struct, kw_only=True):
    account_id: int
    assurance: str
    name: str
    birth_date: date
    phone: str | None
    preferred_language: str
    aal: int
    session_channel: str
    authenticated_at: datetime
    authenticators: Authenticators


class SessionList(msgspec.Struct, kw_only=True):
    sessions: list[SessionSummary]


@post(
    "/v1/auth/token/refresh",
    status_code=200,
    tags=["sessions"],
    summary="New tokens for a refresh token (which is then retired)",
    responses=problem_responses(400, 401, 409),
    description=(
        "Refresh tokens rotate on every use; presenting a retired one ends the session. "
        "Two refreshes with the same token within 10 seconds are a race, not a theft: the "
        "second answers 409 `refresh-already-used` and the session goes on with the first "
        "one's tokens."
    ),
)
async def token_refresh(
    data: JSONBody[RefreshRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
) -> Tokens:
    return await refresh_session(tx.conn, request.app.state.settings.auth, data.refresh_token)


@post(
    "/v1/auth/logout",
    status_code=204,
    tags=["sessions"],
    summary="End this session",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def logout(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> None:
    await revoke_session(tx.conn, session.id, reason="logout")
    await record_audit(
        tx.conn,
        actor=f"account:{session.account_id}",
        action="auth.logout",
        subject=f"account:{session.account_id}",
        channel=session.channel,
    )


@post(
    "/v1/auth/logout-all",
    status_code=204,
    tags=["sessions"],
    summary="End every session of this account, on every device and channel",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def logout_all(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> None:
    ended = await revoke_account_sessions(tx.conn, session.account_id, reason="logout_all")
    await record_audit(
        tx.conn,
        actor=f"account:{session.account_id}",
        action="auth.logout_all",
        subject=f"account:{session.account_id}",
        channel=session.channel,
        details={"sessions": ended},
    )


@get(
    "/v1/me",
    tags=["account"],
    summary="The signed-in account",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def me(session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]) -> Me:
    account = await get_account(tx.conn, session.account_id)
    assert account is not None
    counts = await tx.conn.fetchrow(
        """
        SELECT (SELECT count(*) FROM passkeys WHERE account_id = $1) AS passkeys,
               (SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL)
                   AS recovery_codes_left
        """,
        account.id,
    )
    assert counts is not None
    return Me(
        account_id=account.id,
        assurance=account.assurance,
        name=account.name,
        birth_date=account.birth_date,
        phone=mask_phone(account.phone_e164) if account.phone_e164 else None,
        preferred_language=account.preferred_language,
        aal=session.aal,
        session_channel=session.channel,
        authenticated_at=session.authenticated_at,
        authenticators=Authenticators(
            passkeys=counts["passkeys"],
            totp=account.totp_enabled,
            pin=account.has_pin,
            sms=account.phone_e164 is not None,
            recovery_codes_left=counts["recovery_codes_left"],
        ),
    )


@get(
    "/v1/me/sessions",
    tags=["sessions"],
    summary="Where this account is signed in",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def my_sessions(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> SessionList:
    return SessionList(sessions=await list_sessions(tx.conn, session.account_id, session.id))


@delete(
    "/v1/me/sessions/{session_id:uuid}",
    status_code=204,
    tags=["sessions"],
    summary="End one session (e.g. a lost phone)",
    security=SIGNED_IN,
    responses=problem_responses(401, 404),
)
async def end_session(
    session_id: FromPath[uuid.UUID],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await end_own_session(tx.conn, session, session_id)
    return Response(None, status_code=204)


ROUTES = [token_refresh, logout, logout_all, me, my_sessions, end_session]
