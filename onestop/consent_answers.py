"""Consents and the record of who viewed a person's documents, as every channel shows
them: each consent with its status in the reader's words, and one page of the data-access
log. The app's `/v1/me/consents` and `/v1/me/data-access` and the kiosk's pages call these."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from foundation.problems import VALIDATION_ERROR, FieldError, Problem
from i18n import N_, translate
from onestop.consents import ConsentStatus, DocumentConsent, list_consents_of_person
from onestop.document_views import DocumentAccess, list_document_views
from onestop.documents import DOCUMENT_TYPES

MAX_ID = 2**63 - 1
MAX_PAGE = 100
STATUS_LABELS: dict[str, str] = {
    "live": N_("In effect"),
    "used": N_("Used"),
    "expired": N_("Expired"),
    "revoked": N_("Withdrawn"),
}


class ConsentAnswer(msgspec.Struct, kw_only=True):
    id: int
    document_type: str
    document_title: str
    grantee: str
    purpose: str
    single_use: bool
    granted_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    status: ConsentStatus
    status_label: str


class ConsentList(msgspec.Struct, kw_only=True):
    consents: list[ConsentAnswer]


class DataAccessEntry(msgspec.Struct, kw_only=True):
    id: int
    viewed_at: datetime
    document_type: str
    document_title: str
    own_view: bool
    # Who looked (`caseworker:<id>`, a programme, or `person:<id>` for yourself).
    viewer: str
    # The programme the consent was for; None for your own views.
    grantee: str | None
    consent_id: int | None
    purpose: str
    channel: str


class DataAccessPage(msgspec.Struct, kw_only=True):
    views: list[DataAccessEntry]
    # Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def _title(locale: str, type_id: str) -> str:
    kind = DOCUMENT_TYPES.get(type_id)
    return translate(locale, kind.title) if kind else type_id


def consent_answer(consent: DocumentConsent, locale: str) -> ConsentAnswer:
    status = consent.status()
    return ConsentAnswer(
        id=consent.id,
        document_type=consent.document_type,
        document_title=_title(locale, consent.document_type),
        grantee=consent.grantee,
        purpose=consent.purpose,
        single_use=consent.single_use,
        granted_at=consent.granted_at,
        expires_at=consent.expires_at,
        used_at=consent.used_at,
        revoked_at=consent.revoked_at,
        status=status,
        status_label=translate(locale, STATUS_LABELS[status]),
    )


def access_entry(view: DocumentAccess, locale: str) -> DataAccessEntry:
    return DataAccessEntry(
        id=view.id,
        viewed_at=view.viewed_at,
        document_type=view.document_type,
        document_title=_title(locale, view.document_type),
        own_view=view.own_view,
        viewer=view.viewer,
        grantee=view.grantee,
        consent_id=view.consent_id,
        purpose=(
            translate(locale, N_("You looked at your own document"))
            if view.own_view
            else view.purpose
        ),
        channel=view.channel,
    )


async def my_consent_answers(
    conn: asyncpg.Connection, person_id: int, locale: str
) -> list[ConsentAnswer]:
    """The person's consents, live and past, newest first."""
    return [consent_answer(c, locale) for c in await list_consents_of_person(conn, person_id)]


async def data_access_page(
    conn: asyncpg.Connection, person_id: int, *, limit: int, before: int | None, locale: str
) -> DataAccessPage:
    """One page of every look at the person's documents, newest first; bad paging is a 400."""
    errors = []
    if not 1 <= limit <= MAX_PAGE:
        errors.append(("query.limit", 1, MAX_PAGE))
    if before is not None and not 1 <= before <= MAX_ID:
        errors.append(("query.before", 1, MAX_ID))
    if errors:
        raise Problem(
            VALIDATION_ERROR,
            errors=[
                FieldError(
                    field=field,
                    detail=translate(
                        locale, N_("Enter a whole number from {low} to {high}."), low=low, high=high
                    ),
                )
                for field, low, high in errors
            ],
        )
    views = await list_document_views(conn, person_id, before=before, limit=limit + 1)
    page = views[:limit]
    return DataAccessPage(
        views=[access_entry(v, locale) for v in page],
        next_before=page[-1].id if len(views) > limit else None,
    )
