"""Applying, as every channel does it: once per idempotency key, for oneself or for a
person who let the applicant act for them.

The app's `POST /v1/applications` and the counter's application for the person in
front of the clerk (the console's JSON route and its benefits page) all call
`submit_once`: the same delegation check, the same checks of the bank account, the same
eligibility answer, the same recorded action, the same answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import asyncpg
import msgspec

from auth import (
    ActingSession,
    Delegation,
    get_account_by_person,
    record_delegated_action,
    require_scope,
)
from auth.counter import PERSON_NOT_FOUND
from auth.staff import StaffSession, staff_actor
from foundation.problems import Problem
from onestop.applications.banks import bank_name, list_bank_accounts
from onestop.applications.idempotency import (
    KEEP_FOR,
    StoredAnswer,
    claim_key,
    request_fingerprint,
    store_answer,
)
from onestop.applications.records import ContactPreference
from onestop.applications.submit import Applicant, korea_today, submit_application
from onestop.applications.views import application_view

# The fingerprint's scope: what the first submits were stored under, so kept as it is.
SUBMIT_SCOPE = "POST /v1/applications"
COUNTER = "counter"


class ApplicationRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    programme_id: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, examples=["unemployment-benefit"])
    ]
    # The citizen checked the prefilled form and confirms it is right.
    # Must be true: the person looked over the prefilled form (400 otherwise, in submit.py).
    # Must be true: the person has looked at the prefilled form (the document says
    # `const: true`, server/openapi_truth.py reads it from this Meta).
    confirmed: Annotated[bool, msgspec.Meta(extra_json_schema={"const": True})]
    # A verified bank account of the applicant (see /v1/me/bank-accounts).
    bank_account_id: int
    contact_preference: ContactPreference
    # Apply for this person (their person id) under a delegation in force with scope
    # `apply`: the application and the bank account are theirs.
    on_behalf_of: Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1, examples=[2051])] | None = None


class Submitted(msgspec.Struct, frozen=True, kw_only=True):
    """The answer to an application: its JSON (the application as the app shows it), new,
    or stored by the first submit under the same key and answered again."""

    application_id: int
    status: int
    body: bytes
    replayed: bool


class _AnsweredApplication(msgspec.Struct):
    id: int


class BankAccountChoice(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    bank: str
    number_last4: str


async def _applicant(
    conn: asyncpg.Connection, acting: ActingSession, for_person: int | None
) -> tuple[Applicant, Delegation | None]:
    """Who applies for whom: a person for themselves, a proxy for their principal, or a
    clerk for the person at the counter; the delegation is checked before anything else,
    so that once it is revoked not even a retry answers."""
    if isinstance(acting, StaffSession):
        assert for_person is not None
        delegation = await require_scope(conn, acting, for_person, "apply")
        account = await get_account_by_person(conn, for_person)
        if account is None:
            raise Problem(PERSON_NOT_FOUND)
        applicant = Applicant(
            person_id=for_person,
            account_id=account.id,
            channel=COUNTER,
            actor=staff_actor(acting.staff_id),
            office=acting.office_code,
        )
        return applicant, delegation
    if for_person is None or for_person == acting.person_id:
        return Applicant(
            person_id=acting.person_id, account_id=acting.account_id, channel=acting.channel
        ), None
    delegation = await require_scope(conn, acting, for_person, "apply")
    applicant = Applicant(
        person_id=delegation.principal_person_id,
        account_id=acting.account_id,
        channel=acting.channel,
    )
    return applicant, delegation


async def submit_once(
    conn: asyncpg.Connection,
    acting: ActingSession,
    data: ApplicationRequest,
    idempotency_key: str,
    *,
    for_person: int | None,
    locale: str,
    keep_key_for: timedelta = KEEP_FOR,
) -> Submitted:
    """Apply under an idempotency key of the applying account (kept `keep_key_for`): a
    retry answers the first answer again. `acting` applies for itself, or for `for_person` under a delegation
    with `apply` (a clerk always for the person at the counter); the action is then
    recorded with both people."""
    applicant, delegation = await _applicant(conn, acting, for_person)
    fingerprint = request_fingerprint(SUBMIT_SCOPE, data)
    stored = await claim_key(
        conn, applicant.account_id, idempotency_key, fingerprint, keep_for=keep_key_for
    )
    if stored is not None:
        answered = msgspec.json.decode(stored.body, type=_AnsweredApplication)
        return Submitted(
            application_id=answered.id, status=stored.status, body=stored.body, replayed=True
        )
    # A failure rolls back the key with the work: the same request may be sent again.
    application = await submit_application(
        conn,
        applicant,
        programme_id=data.programme_id,
        confirmed=data.confirmed,
        bank_account_id=data.bank_account_id,
        contact_preference=data.contact_preference,
    )
    if delegation is not None:
        await record_delegated_action(
            conn,
            delegation,
            acting,
            action="delegation.application_submitted",
            subject=f"application:{application.id}",
        )
    view = await application_view(conn, application, locale, korea_today())
    body = msgspec.json.encode(view)
    await store_answer(
        conn, applicant.account_id, idempotency_key, StoredAnswer(status=201, body=body)
    )
    return Submitted(application_id=application.id, status=201, body=body, replayed=False)


async def usable_bank_accounts(
    conn: asyncpg.Connection, acting: ActingSession, person_id: int, locale: str
) -> list[BankAccountChoice]:
    """The person's bank accounts usable now (verified, past the cooling-off of a change),
    masked, for someone applying for them: under a delegation with `apply` (403
    otherwise); the look is recorded, for the person's activity and the audit log."""
    delegation = await require_scope(conn, acting, person_id, "apply")
    await record_delegated_action(
        conn, delegation, acting, action="delegation.bank_accounts_viewed"
    )
    return await payment_accounts(conn, person_id, locale)


async def payment_accounts(
    conn: asyncpg.Connection, person_id: int, locale: str
) -> list[BankAccountChoice]:
    """The person's own bank accounts usable for a payment now (verified, past the
    cooling-off of a change), masked: what applying may name."""
    now = await conn.fetchval("SELECT now()")
    return [
        BankAccountChoice(id=b.id, bank=bank_name(locale, b.bank_code), number_last4=b.number_last4)
        for b in await list_bank_accounts(conn, person_id)
        if b.usable(now)
    ]
