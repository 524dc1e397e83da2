"""Consents to view a document (열람승인): granted by the person, used by an agency, revocable.

The person names the document type, the programme whose agency may look, why,
and until when (single use, or a date up to one year ahead). A document comes
out only inside a live consent: not revoked, not expired, and for single use
not yet used. Spending a single-use consent is one conditional UPDATE, so two
views racing for it get one document between them. Every view is written to
`document_views` (the person's "who looked at my data") and to the audit log.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import asyncpg
import msgspec

from auth import CurrentSession, require_recent_aal2
from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.problems import (
    NOT_FOUND,
    VALIDATION_ERROR,
    BadInput,
    FieldError,
    InvalidInput,
    Problem,
    problem_kind,
)
from i18n import DEFAULT_LOCALE, N_, translate
from onestop.document_views import OWN_VIEW_PURPOSE, insert_document_view
from onestop.documents import DOCUMENT_TYPES, Document, document_type, produce_document
from onestop.programme_ids import PROGRAMME_IDS

MAX_PURPOSE = 200
MAX_VIEWER = 200
MAX_CHANNEL = 30
# An unused single-use consent without an end date lapses after this long: long
# enough for an application's review, and the person may revoke it sooner.
SINGLE_USE_DAYS = 90

ConsentStatus = Literal["live", "used", "expired", "revoked"]

CONSENT_ENDED = problem_kind(
    "consent-ended",
    403,
    N_("The consent is no longer valid"),
    N_(
        "This consent was withdrawn, has expired or was already used. "
        "Ask the person for a new consent."
    ),
)


class DocumentConsent(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    document_type: str
    grantee: str
    purpose: str
    single_use: bool
    granted_at: datetime
    expires_at: datetime
    granted_by: str
    channel: str
    used_at: datetime | None
    revoked_at: datetime | None

    def status(self, now: datetime | None = None) -> ConsentStatus:
        now = now or datetime.now(UTC)
        if self.revoked_at is not None:
            return "revoked"
        if self.single_use and self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "live"


_COLUMNS = (
    "id, person_id, document_type, grantee, purpose, single_use, granted_at, expires_at, "
    "granted_by, channel, used_at, revoked_at"
)


# --- Queries --------------------------------------------------------------------------------


async def insert_consent(
    conn: asyncpg.Connection,
    *,
    person_id: int,
    document_type: str,
    grantee: str,
    purpose: str,
    single_use: bool,
    expires_at: datetime,
    granted_by: str,
    channel: str,
) -> DocumentConsent:
    row = await conn.fetchrow(
        f"""
        INSERT INTO document_consents (person_id, document_type, grantee, purpose, single_use,
                                       expires_at, granted_by, channel)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_COLUMNS}
        """,
        person_id,
        document_type,
        grantee,
        purpose,
        single_use,
        expires_at,
        granted_by,
        channel,
    )
    assert row is not None
    return DocumentConsent(**dict(row))


async def get_consent(conn: asyncpg.Connection, consent_id: int) -> DocumentConsent | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM document_consents WHERE id = $1", consent_id)
    return DocumentConsent(**dict(row)) if row else None


async def list_consents_of_person(
    conn: asyncpg.Connection, person_id: int
) -> list[DocumentConsent]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM document_consents WHERE person_id = $1 ORDER BY id DESC",
        person_id,
    )
    return [DocumentConsent(**dict(row)) for row in rows]


async def mark_consent_revoked(
    conn: asyncpg.Connection, consent_id: int, person_id: int
) -> DocumentConsent | None:
    """Revoke the person's consent; None when it is not theirs or was already revoked."""
    row = await conn.fetchrow(
        f"""
        UPDATE document_consents SET revoked_at = clock_timestamp()
        WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL
        RETURNING {_COLUMNS}
        """,
        consent_id,
        person_id,
    )
    return DocumentConsent(**dict(row)) if row else None


async def spend_consent(conn: asyncpg.Connection, consent_id: int) -> DocumentConsent | None:
    """Use a live consent once; None when it is revoked, expired or spent.

    A second UPDATE of the same row waits for the first to commit and then
    re-checks the WHERE clause against the row it left, so of two views racing
    for a single-use consent exactly one gets it.
    """
    row = await conn.fetchrow(
        f"""
        UPDATE document_consents SET used_at = coalesce(used_at, clock_timestamp())
        WHERE id = $1 AND revoked_at IS NULL AND expires_at > clock_timestamp()
          AND (NOT single_use OR used_at IS NULL)
        RETURNING {_COLUMNS}
        """,
        consent_id,
    )
    return DocumentConsent(**dict(row)) if row else None


# --- Granting ---------------------------------------------------------------------------------


def korean_today() -> date:
    return datetime.now(KOREA).date()


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _check_consent(
    *,
    document_type: str,
    grantee: str,
    purpose: str,
    single_use: bool,
    expires_on: date | None,
) -> None:
    wrong: list[BadInput] = []

    def bad(name: str, message: str, **params: object) -> None:
        wrong.append(BadInput(name, message, params))

    if document_type not in DOCUMENT_TYPES:
        bad("document_type", N_("We do not hold this kind of document."))
    if grantee not in PROGRAMME_IDS:
        bad("grantee", N_("This is not a programme we know."))
    if not purpose.strip():
        bad("purpose", N_("Say why the agency may look at the document."))
    elif len(purpose.strip()) > MAX_PURPOSE:
        bad("purpose", N_("Enter at most {count} characters."), count=MAX_PURPOSE)
    if expires_on is None:
        if not single_use:
            bad("expires_on", N_("Choose single use or an end date."))
    else:
        today = korean_today()
        if expires_on < today:
            bad("expires_on", N_("The end date cannot be in the past."))
        elif expires_on > one_year_after(today):
            bad("expires_on", N_("Choose an end date no more than one year from today."))
    if wrong:
        raise InvalidInput(*wrong)


def _expiry(single_use: bool, expires_on: date | None) -> datetime:
    if expires_on is None:
        return datetime.now(UTC) + timedelta(days=SINGLE_USE_DAYS)
    # To the end of that day in Korea.
    return datetime.combine(expires_on + timedelta(days=1), time(0), tzinfo=KOREA)


async def grant_consent(
    conn: asyncpg.Connection,
    session: CurrentSession,
    *,
    document_type: str,
    grantee: str,
    purpose: str,
    single_use: bool,
    expires_on: date | None,
) -> DocumentConsent:
    """The signed-in person lets `grantee`'s agency view one type of their documents."""
    require_recent_aal2(session)
    _check_consent(
        document_type=document_type,
        grantee=grantee,
        purpose=purpose,
        single_use=single_use,
        expires_on=expires_on,
    )
    actor = f"account:{session.account_id}"
    consent = await insert_consent(
        conn,
        person_id=session.person_id,
        document_type=document_type,
        grantee=grantee,
        purpose=purpose.strip(),
        single_use=single_use,
        expires_at=_expiry(single_use, expires_on),
        granted_by=actor,
        channel=session.channel,
    )
    await record_audit(
        conn,
        actor=actor,
        action="consent.granted",
        subject=f"person:{session.person_id}",
        channel=session.channel,
        reason=consent.purpose,
        details={
            "consent_id": consent.id,
            "document_type": consent.document_type,
            "grantee": consent.grantee,
            "single_use": consent.single_use,
            "expires_at": consent.expires_at.isoformat(),
        },
    )
    return consent


async def revoke_consent(
    conn: asyncpg.Connection, session: CurrentSession, consent_id: int
) -> DocumentConsent:
    """Revoke at once; revoking twice is no error. Another person's consent is not found."""
    consent = await mark_consent_revoked(conn, consent_id, session.person_id)
    if consent is not None:
        await record_audit(
            conn,
            actor=f"account:{session.account_id}",
            action="consent.revoked",
            subject=f"person:{session.person_id}",
            channel=session.channel,
            details={"consent_id": consent.id, "document_type": consent.document_type},
        )
        return consent
    existing = await get_consent(conn, consent_id)
    if existing is None or existing.person_id != session.person_id:
        raise Problem(NOT_FOUND)
    return existing


# --- Viewing --------------------------------------------------------------------------------


def _viewing_errors(viewer: str, purpose: str, channel: str, locale: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not viewer.strip() or len(viewer.strip()) > MAX_VIEWER:
        errors.append(
            FieldError(
                field="viewer", detail=translate(locale, N_("Say who is looking at the document."))
            )
        )
    if not purpose.strip() or len(purpose.strip()) > MAX_PURPOSE:
        errors.append(
            FieldError(
                field="purpose",
                detail=translate(locale, N_("Say why the agency may look at the document.")),
            )
        )
    if not channel.strip() or len(channel.strip()) > MAX_CHANNEL:
        errors.append(
            FieldError(field="channel", detail=translate(locale, N_("This value is not valid.")))
        )
    return errors


async def view_document(
    conn: asyncpg.Connection,
    *,
    consent_id: int,
    viewer: str,
    purpose: str,
    channel: str,
    locale: str = DEFAULT_LOCALE,
) -> Document:
    """An agency's look at a document inside a live consent; logged for the person to see.

    Refused at once (403 `consent-ended`, with `reason`) when the consent is
    revoked, expired or a spent single use; 404 when there is no such consent.
    """
    errors = _viewing_errors(viewer, purpose, channel, locale)
    if errors:
        raise Problem(VALIDATION_ERROR, errors=errors)
    consent = await spend_consent(conn, consent_id)
    if consent is None:
        existing = await get_consent(conn, consent_id)
        if existing is None:
            raise Problem(NOT_FOUND)
        raise Problem(CONSENT_ENDED, extra={"reason": existing.status()})
    document = await produce_document(conn, consent.person_id, consent.document_type)
    await _log_view(
        conn,
        document,
        consent_id=consent.id,
        viewer=viewer.strip(),
        purpose=purpose.strip(),
        channel=channel.strip(),
        details={"grantee": consent.grantee},
    )
    return document


async def view_own_document(
    conn: asyncpg.Connection, session: CurrentSession, type_id: str
) -> Document:
    """The signed-in person's own document, as an agency would see it (logged too)."""
    kind = document_type(type_id)
    # A document reveals personal data (sessions.py: that needs recent aal 2).
    require_recent_aal2(session)
    document = await produce_document(conn, session.person_id, kind)
    await _log_view(
        conn,
        document,
        consent_id=None,
        viewer=f"person:{session.person_id}",
        purpose=OWN_VIEW_PURPOSE,
        channel=session.channel,
        actor=f"account:{session.account_id}",
    )
    return document


async def _log_view(
    conn: asyncpg.Connection,
    document: Document,
    *,
    consent_id: int | None,
    viewer: str,
    purpose: str,
    channel: str,
    actor: str | None = None,
    details: dict[str, str] | None = None,
) -> None:
    view_id = await insert_document_view(
        conn,
        person_id=document.person_id,
        document_type=document.document_type,
        consent_id=consent_id,
        viewer=viewer,
        purpose=purpose,
        channel=channel,
    )
    await record_audit(
        conn,
        actor=actor or viewer,
        action="document.viewed",
        subject=f"person:{document.person_id}",
        channel=channel,
        reason=purpose,
        details={
            "view_id": view_id,
            "consent_id": consent_id,
            "document_type": document.document_type,
            **(details or {}),
        },
    )
