"""Proving a bank account by its holder's name (금융결제원 오픈뱅킹 계좌실명조회), for every
channel: the app, the counter (a clerk for the person in front of them), later the kiosk.

We send the network the account and the person's birth date from the registry, and
compare the holder's name it answers with the person's name in the registry: the same
letters once Unicode-normalised (NFC), spaces and letter case aside; a part of the name is
not a match. A match verifies the account exactly as a right deposit code does
(`complete_verification`: the cooling-off day for a change of account or after a weak
binding; the channel announces it after commit).

A different holder, or an account the bank does not know, is a wrong try on that
account and ends its check at once (the bank's answer will not change; the person adds
the account again after checking it), is audited without the bank's name, and counts
towards a limit per person: after `HOLDER_MISSES_PER_DAY` such answers in a day the
network is not asked again, so that nobody can use the check to learn whose account a
number is. When the network cannot answer, nothing is written and the person may try
again later (503).
"""

from __future__ import annotations

import unicodedata

import asyncpg
import msgspec

from auth import ActingSession, get_person, record_delegated_action, require_scope, unseal
from auth.staff import StaffSession, staff_actor
from foundation.problems import NOT_FOUND, Problem
from foundation.settings import Settings
from onestop.applications.banks import (
    BankAccount,
    BankAccountVerified,
    Proof,
    add_bank_account,
    audit_bank_account,
    complete_verification,
    count_wrong_code,
    get_bank_account,
    get_sealed_number,
    number_context,
)
from onestop.applications.problems import (
    ALREADY_VERIFIED,
    BANK_ACCOUNT_CHECK_ENDED,
    BANK_ACCOUNT_HOLDER_MISMATCH,
    BANK_ACCOUNT_UNKNOWN,
    BANK_HOLDER_CHECKS_EXHAUSTED,
    BANK_INQUIRY_UNAVAILABLE,
)
from providers.open_banking import AccountHolder, BankInquiryUnavailable, account_holder

HOLDER_MISSES_PER_DAY = 5
HOLDER_MISSES = ("bank_account.holder_mismatch", "bank_account.holder_unknown")
COUNTER = "counter"


def same_holder(registry_name: str, holder_name: str) -> bool:
    """The registry's name and the bank's holder name are the same name."""

    def letters(name: str) -> str:
        return "".join(unicodedata.normalize("NFC", name).split()).casefold()

    return letters(registry_name) != "" and letters(registry_name) == letters(holder_name)


class _Who(msgspec.Struct, frozen=True):
    """Whose account it is, who acts, and on which channel."""

    person_id: int
    actor: str
    channel: str


async def _who(
    conn: asyncpg.Connection, acting: ActingSession, for_person: int | None, action: str
) -> _Who:
    """A person for themselves, or a clerk for the person at the counter under a visit
    delegation with `apply` (payment accounts are for applying): recorded with both."""
    if isinstance(acting, StaffSession):
        assert for_person is not None
        delegation = await require_scope(conn, acting, for_person, "apply")
        await record_delegated_action(conn, delegation, acting, action=action)
        return _Who(for_person, staff_actor(acting.staff_id), COUNTER)
    return _Who(acting.person_id, f"account:{acting.account_id}", acting.channel)


async def add_account(
    conn: asyncpg.Connection,
    settings: Settings,
    acting: ActingSession,
    *,
    for_person: int | None = None,
    bank_code: str,
    account_number: str,
    proof: Proof,
) -> BankAccount:
    """Add a payment account for oneself (the app) or for the person at the counter."""
    who = await _who(conn, acting, for_person, "delegation.bank_account_added")
    return await add_bank_account(
        conn,
        settings,
        person_id=who.person_id,
        actor=who.actor,
        channel=who.channel,
        bank_code=bank_code,
        account_number=account_number,
        proof=proof,
    )


async def check_holder(
    conn: asyncpg.Connection,
    settings: Settings,
    acting: ActingSession,
    *,
    for_person: int | None = None,
    bank_account_id: int,
) -> BankAccountVerified:
    """Prove a pending account by its holder's name; the caller announces a cooling-off
    (`announce_bank_account_change` after commit) as for a deposit code."""
    who = await _who(conn, acting, for_person, "delegation.bank_account_checked")
    return await check_account_holder(
        conn,
        settings,
        person_id=who.person_id,
        bank_account_id=bank_account_id,
        actor=who.actor,
        channel=who.channel,
    )


async def _misses_today(conn: asyncpg.Connection, person_id: int) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE subject = $1 AND action = ANY($2::text[]) "
        "AND occurred_at > now() - interval '1 day'",
        f"person:{person_id}",
        list(HOLDER_MISSES),
    )
    return count


async def check_account_holder(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    person_id: int,
    bank_account_id: int,
    actor: str,
    channel: str,
) -> BankAccountVerified:
    account = await get_bank_account(conn, bank_account_id, person_id=person_id, lock=True)
    if account is None:
        raise Problem(NOT_FOUND)
    if account.status == "verified":
        raise Problem(ALREADY_VERIFIED)
    if account.status == "void":
        raise Problem(BANK_ACCOUNT_CHECK_ENDED)
    if await _misses_today(conn, person_id) >= HOLDER_MISSES_PER_DAY:
        raise Problem(BANK_HOLDER_CHECKS_EXHAUSTED, limit=HOLDER_MISSES_PER_DAY)
    person = await get_person(conn, person_id)
    assert person is not None
    number = unseal(
        settings.auth, await get_sealed_number(conn, account.id), number_context(person_id)
    ).decode()
    try:
        # The row stays locked while the bank answers (a few seconds at most): two checks of
        # one account never run side by side.
        answer = await account_holder(
            settings.open_banking,
            bank_code=account.bank_code,
            number=number,
            birth_date=person.birth_date,
        )
    except BankInquiryUnavailable:
        raise Problem(BANK_INQUIRY_UNAVAILABLE) from None
    if isinstance(answer, AccountHolder) and same_holder(person.name, answer.name):
        return await complete_verification(conn, person_id, account, actor, channel, proof="holder")
    mismatch = isinstance(answer, AccountHolder)
    await count_wrong_code(conn, account.id, void=True)
    await audit_bank_account(
        conn,
        actor,
        channel,
        person_id,
        HOLDER_MISSES[0] if mismatch else HOLDER_MISSES[1],
        account,
        attempts=account.code_attempts + 1,
    )
    raise Problem(
        BANK_ACCOUNT_HOLDER_MISMATCH if mismatch else BANK_ACCOUNT_UNKNOWN, commit_first=True
    )
