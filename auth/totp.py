"""TOTP (authenticator apps): setup, confirmation, sign-in and removal.

RFC 6238 as every authenticator app reads it from an otpauth URI: HMAC-SHA1,
6 digits, 30-second steps, a 160-bit seed (the length RFC 4226 §4 recommends).
The seed is sealed at rest with AES-256-GCM under the data key, bound to its
account, and is shown once, at setup.

Sign-in accepts one step of clock drift either way, and each code once: the
step a code matched is kept and no step at or before it is accepted again
(RFC 6238 §5.2). A TOTP code is one factor (aal 1); with the PIN it is aal 2.

A wrong code given just a phone number counts towards no lock (anyone who knows
the number can send one; auth/accounts.py). Six digits do need a limit on
guessing, so wrong codes are throttled per number, registered or not: 10 an hour
and 20 a day, after which that number's app codes wait (the person's SMS codes
and passkeys do not).

The issuer shown in the app is the relying-party name (`HANCHANG_WEBAUTHN_RP_NAME`,
"한 창구" by default): the same name people see in their passkey prompt and in
our app. The Key URI format allows a percent-encoded UTF-8 issuer and the
common apps show it; a deployment that meets an app that does not can set an
ASCII name in that one setting. The account name is the masked phone of
record (`+8210****5678`), as `/v1/me` shows it: enough to tell entries apart,
not enough to identify anyone who sees the phone.
"""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from datetime import UTC, date, datetime

import asyncpg
import msgspec
import pyotp
import segno
from arq.connections import ArqRedis
from redis.asyncio import Redis

from auth.accounts import (
    Account,
    ensure_not_locked,
    find_account_by_phone,
    get_account_for_update,
    record_sign_in_success,
)
from auth.binding import (
    ensure_a_way_in_remains,
    record_authenticator_change,
    require_binding_allowed,
    require_removal_allowed,
)
from auth.limits import FailureLimit, count_failure, refuse_when_over
from auth.people import mask_phone
from auth.problems import SIGN_IN_FAILED
from auth.recovery_codes import (
    NO_ACCOUNT,
    count_unused_recovery_codes,
    issue_recovery_codes,
    record_failed_sign_in,
    sign_in_suggestions,
)
from auth.secrets import seal, unseal
from auth.sessions import CurrentSession, Tokens, start_session
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import (
    NOT_FOUND,
    BadInput,
    InvalidInput,
    Problem,
    problem_kind,
)
from foundation.settings import AuthSettings
from i18n import N_, translate

SEED_BYTES = 20  # 160 bits
DRIFT_STEPS = 1
DIGITS = 6
INTERVAL_S = 30
WRONG_CODES_PER_NUMBER = (
    FailureLimit("totp-wrong-number", 10, 3600),
    FailureLimit("totp-wrong-number-day", 20, 24 * 3600),
)

TOTP_NOT_STARTED = problem_kind(
    "totp-setup-not-started",
    409,
    N_("Start the authenticator app setup first"),
    N_("There is no authenticator app waiting to be confirmed. Start the setup again."),
)
WRONG_SETUP_CODE = N_(
    "This code is not right. Check that the clock on your phone is correct, "
    "then enter the code your app shows now."
)
QR_TITLE = N_("QR code to add {issuer} to your authenticator app")
QR_DESCRIPTION = N_("If you cannot scan it, enter the setup key shown with it in your app.")


class TotpSetup(msgspec.Struct, frozen=True, kw_only=True):
    # The base32 seed, for typing into an app by hand; shown this once.
    secret: str
    otpauth_uri: str
    # An SVG image of the otpauth URI, with a <title> for screen readers.
    qr_svg: str


class TotpConfirmed(msgspec.Struct, frozen=True, kw_only=True):
    confirmed_at: datetime
    # The account's first recovery codes, shown once; empty when it already has some.
    recovery_codes: list[str]


class _Seeds(msgspec.Struct, frozen=True, kw_only=True):
    secret_enc: bytes | None
    pending_enc: bytes | None
    last_step: int | None


def seed_context(account_id: int) -> bytes:
    # Binds a sealed seed to its account: a seed copied to another row does not open.
    return b"totp-seed:%d" % account_id


async def _get_seeds(conn: asyncpg.Connection, account_id: int) -> _Seeds | None:
    row = await conn.fetchrow(
        "SELECT totp_secret_enc AS secret_enc, totp_pending_secret_enc AS pending_enc, "
        "totp_last_step AS last_step FROM accounts WHERE id = $1",
        account_id,
    )
    if row is None:
        return None
    return _Seeds(
        secret_enc=bytes(row["secret_enc"]) if row["secret_enc"] is not None else None,
        pending_enc=bytes(row["pending_enc"]) if row["pending_enc"] is not None else None,
        last_step=row["last_step"],
    )


def _matching_step(secret: str, code: str, now: datetime, *, after: int | None) -> int | None:
    """The latest step within the drift window whose code this is and that is after `after`.

    Every step of the window is computed and compared in constant time, whatever matches.
    """
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_S)
    current = totp.timecode(now)
    matched: int | None = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        same = hmac.compare_digest(totp.generate_otp(step).encode(), code.encode())
        if same and (after is None or step > after):
            matched = step
    return matched


def _label(account: Account) -> str:
    return mask_phone(account.phone_e164) if account.phone_e164 else f"ID {account.id}"


def _qr_svg(uri: str, *, title: str, description: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        nl=False,
        omitsize=True,
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        title=title,
        desc=description,
        svgclass=None,
        lineclass=None,
    )
    svg = out.getvalue().decode()
    # role="img" makes every screen reader announce the <title> as the image's name.
    return svg.replace("<svg ", '<svg role="img" ', 1)


async def start_totp_setup(
    conn: asyncpg.Connection, settings: AuthSettings, session: CurrentSession, *, locale: str
) -> TotpSetup:
    """A new seed waiting for confirmation, if the session may bind an authenticator app
    now (auth/binding.py; checked again at confirmation)."""
    account = (await require_binding_allowed(conn, session, "totp")).account
    secret = base64.b32encode(secrets.token_bytes(SEED_BYTES)).decode()
    await conn.execute(
        "UPDATE accounts SET totp_pending_secret_enc = $2 WHERE id = $1",
        account.id,
        seal(settings, secret.encode(), seed_context(account.id)),
    )
    await record_audit(
        conn,
        actor=f"account:{account.id}",
        action="auth.totp.setup_started",
        subject=f"account:{account.id}",
        channel=session.channel,
        details={"replacing": account.totp_enabled},
    )
    issuer = settings.rp_name
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL_S).provisioning_uri(
        name=_label(account), issuer_name=issuer
    )
    return TotpSetup(
        secret=secret,
        otpauth_uri=uri,
        qr_svg=_qr_svg(
            uri,
            title=translate(locale, QR_TITLE, issuer=issuer),
            description=translate(locale, QR_DESCRIPTION),
        ),
    )


async def confirm_totp(
    tx: Transaction,
    queue: ArqRedis,
    settings: AuthSettings,
    session: CurrentSession,
    code: str,
) -> TotpConfirmed:
    """The first code from the app proves it holds the seed: TOTP is on from now, and
    every channel of the person is told.

    The confirming code's step is recorded, so it cannot sign in afterwards. An
    account with no unused recovery codes gets its first set here.
    """
    conn = tx.conn
    grant = await require_binding_allowed(conn, session, "totp")
    account = grant.account
    seeds = await _get_seeds(conn, session.account_id)
    assert seeds is not None
    if seeds.pending_enc is None:
        raise Problem(TOTP_NOT_STARTED)
    secret = unseal(settings, seeds.pending_enc, seed_context(account.id)).decode()
    now = datetime.now(UTC)
    step = _matching_step(secret, code, now, after=None)
    if step is None:
        raise InvalidInput(BadInput("code", WRONG_SETUP_CODE))
    await conn.execute(
        """
        UPDATE accounts SET totp_secret_enc = totp_pending_secret_enc,
            totp_pending_secret_enc = NULL, totp_confirmed_at = $2, totp_last_step = $3
        WHERE id = $1
        """,
        account.id,
        now,
        step,
    )
    await record_authenticator_change(
        tx,
        queue,
        session,
        grant,
        kind="totp",
        change="added",
        action="auth.totp.confirmed",
        details={"replaced": account.totp_enabled},
    )
    codes: list[str] = []
    if await count_unused_recovery_codes(conn, account.id) == 0:
        codes = await issue_recovery_codes(
            conn, settings, account.id, channel=session.channel, reason="first_authenticator_app"
        )
    return TotpConfirmed(confirmed_at=now, recovery_codes=codes)


async def sign_in_with_totp(
    conn: asyncpg.Connection,
    redis: Redis,
    settings: AuthSettings,
    *,
    phone_e164: str,
    birth_date: date,
    code: str,
    channel: str,
    address: str | None,
    device: str | None = None,
) -> Tokens:
    """Sign in at aal 1 with the phone of record, the birth date and a code from the app.

    An unknown number, a birth date nobody with that number has, an account
    without TOTP and a wrong code all answer the same SIGN_IN_FAILED, after the
    same queries and the same cryptography (a stand-in seed is sealed, opened and
    checked when there is none), and meet the same throttle per number, whatever
    the birth date. A locked account is told so only with a right code.
    """
    await refuse_when_over(redis, settings, phone_e164, *WRONG_CODES_PER_NUMBER)
    found = await find_account_by_phone(conn, phone_e164, birth_date)
    account_id = found.id if found else NO_ACCOUNT
    # Locks the row: two requests with the same code are checked one after the other.
    account = await get_account_for_update(conn, account_id)
    seeds = await _get_seeds(conn, account_id)
    sealed = seeds.secret_enc if seeds is not None else None
    if sealed is None:
        stand_in = base64.b32encode(secrets.token_bytes(SEED_BYTES))
        sealed = seal(settings, stand_in, seed_context(account_id))
    secret = unseal(settings, sealed, seed_context(account_id)).decode()
    step = _matching_step(
        secret, code, datetime.now(UTC), after=seeds.last_step if seeds is not None else None
    )
    if account is None or seeds is None or seeds.secret_enc is None or step is None:
        await record_failed_sign_in(
            conn,
            account.id if account else None,
            method="totp",
            channel=channel,
            address=address,
        )
        await count_failure(redis, settings, phone_e164, *WRONG_CODES_PER_NUMBER)
        raise Problem(SIGN_IN_FAILED, commit_first=True)
    ensure_not_locked(account)
    await conn.execute("UPDATE accounts SET totp_last_step = $2 WHERE id = $1", account.id, step)
    started = await start_session(
        conn,
        settings,
        account_id=account.id,
        aal=1,
        method="totp",
        channel=channel,
        device=device,
        suggest=await sign_in_suggestions(conn, account.id),
    )
    await record_sign_in_success(
        conn, account.id, method="totp", channel=channel, session_id=started.id, address=address
    )
    return started.tokens


async def remove_totp(tx: Transaction, queue: ArqRedis, session: CurrentSession) -> None:
    """Turn TOTP off (recent aal 2), unless it is the only way left to sign in
    (auth/binding.py); every channel of the person is told."""
    conn = tx.conn
    grant = await require_removal_allowed(conn, session)
    account = grant.account
    if not account.totp_enabled:
        raise Problem(NOT_FOUND)
    await ensure_a_way_in_remains(conn, account, "totp")
    await conn.execute(
        """
        UPDATE accounts SET totp_secret_enc = NULL, totp_pending_secret_enc = NULL,
            totp_confirmed_at = NULL, totp_last_step = NULL
        WHERE id = $1
        """,
        account.id,
    )
    await record_authenticator_change(
        tx, queue, session, grant, kind="totp", change="removed", action="auth.totp.removed"
    )
