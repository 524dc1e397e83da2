"""Bank accounts for benefit payments: add, prove ownership with a 1-won deposit, then use.

The account number is sealed at rest (AES-256-GCM under the data key, bound to
its person) and only its last 4 digits are ever shown. Ownership is proven the
way Korean banks' open-banking "1원 인증" works: we deposit 1 won whose memo
carries a 4-digit code, and the person types the code back. The code is kept
as a keyed hash; 5 wrong tries, or a day without an answer, void it. Where no deposit can
be read (a kiosk, the counter), the open-banking network's holder inquiry proves it
instead (holder_check.py); both proofs end in `complete_verification`.

A new account that replaces one already verified is usable only a day after
its own verification, and the change is announced by SMS to the phone of
record: a stolen session cannot quietly redirect a benefit. So is a first
account added within 7 days of an authenticator bound below aal 2 (a first
passkey or PIN after an SMS sign-in, or with an enrollment code: see
auth/binding.py): whoever took the phone number and bound a passkey of their own
cannot have the next payment sent at once to an account of theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import asyncpg
import msgspec

from auth import code_hash, last_weak_binding, numeric_code, same_hash, seal
from foundation.audit import record_audit
from foundation.korea import KOREA
from foundation.problems import NOT_FOUND, BadInput, InvalidInput, Problem
from foundation.settings import Settings
from i18n import N_, translate
from onestop.applications.problems import (
    ALREADY_VERIFIED,
    BANK_TRANSFER_UNAVAILABLE,
    DEPOSIT_CODE_WRONG,
    DEPOSIT_VOID,
)
from providers.bank_transfer import BankTransferUnavailable, deposit_one_won

DEPOSIT_CODE_DIGITS = 4
DEPOSIT_MAX_TRIES = 5
DEPOSIT_VALID = timedelta(days=1)
COOLING_OFF = timedelta(hours=24)
# Korean account numbers are 10 to 14 digits (some savings banks 16), hyphens aside.
NUMBER_DIGITS = (10, 16)
DEPOSIT_MEMO_PREFIX = "한창"
# How an account is proven the person's: the 1-won deposit's code, or the holder's name
# from the open-banking network (onestop/applications/holder_check.py).
Proof = Literal["deposit", "holder"]

# Bank codes of the Korea Financial Telecommunications & Clearings Institute (금융결제원
# 표준 은행코드), for the banks that take government benefit transfers.
BANKS: dict[str, str] = {
    "002": N_("KDB Korea Development Bank"),
    "003": N_("IBK Industrial Bank of Korea"),
    "004": N_("KB Kookmin Bank"),
    "007": N_("Suhyup Bank"),
    "011": N_("NongHyup Bank"),
    "020": N_("Woori Bank"),
    "023": N_("SC First Bank"),
    "027": N_("Citibank Korea"),
    "031": N_("iM Bank"),
    "032": N_("Busan Bank"),
    "034": N_("Gwangju Bank"),
    "035": N_("Jeju Bank"),
    "037": N_("Jeonbuk Bank"),
    "039": N_("Kyongnam Bank"),
    "045": N_("MG Community Credit Cooperatives"),
    "048": N_("Shinhyup Credit Union"),
    "071": N_("Korea Post"),
    "081": N_("Hana Bank"),
    "088": N_("Shinhan Bank"),
    "089": N_("K Bank"),
    "090": N_("Kakao Bank"),
    "092": N_("Toss Bank"),
}

UNKNOWN_BANK = N_("Choose one of the banks in the list.")
BAD_NUMBER = N_("Enter the account number with digits only: 10 to 16 digits.")

# The two fields as a request states them (the app's and the counter's): a bank of the
# list; 10 to 16 digits, with a hyphen or a space between two of them as the bankbook
# prints them (`110-123-456789`).
BankCode = Annotated[
    str,
    msgspec.Meta(
        pattern="^(?:" + "|".join(BANKS) + ")$",
        examples=["088"],
        extra={"invalid": UNKNOWN_BANK},
    ),
]
AccountNumber = Annotated[
    str,
    msgspec.Meta(
        pattern=f"^(?:[0-9][- ]?){{{NUMBER_DIGITS[0] - 1},{NUMBER_DIGITS[1] - 1}}}[0-9]$",
        max_length=32,
        examples=["110-123-456789"],
        extra={"invalid": BAD_NUMBER},
    ),
]


class BankAccount(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    person_id: int
    bank_code: str
    number_last4: str
    status: str
    code_hash: bytes | None
    code_sent_at: datetime | None
    code_attempts: int
    verified_at: datetime | None
    effective_from: datetime | None
    created_at: datetime

    def usable(self, now: datetime) -> bool:
        return (
            self.status == "verified"
            and self.effective_from is not None
            and self.effective_from <= now
        )


class BankAccountVerified(msgspec.Struct, frozen=True, kw_only=True):
    account: BankAccount
    # True when it replaces an account already verified.
    is_change: bool
    # True when it waits the cooling-off day (a change, or an account added within 7
    # days of a binding below aal 2); the caller announces it to the phone of record.
    cooling_off: bool


def bank_name(locale: str, bank_code: str) -> str:
    return translate(locale, BANKS[bank_code])


def korea_time(moment: datetime) -> str:
    # The same for every reader (a problem's detail is worded before its reader is known);
    # what a person reads is written by i18n.formatting in their language.
    return moment.astimezone(KOREA).strftime("%Y-%m-%d %H:%M")


def number_context(person_id: int) -> bytes:
    # Binds a sealed number to its person: a number copied to another person's row does not open.
    return b"bank-account:%d" % person_id


def _challenge_key(bank_account_id: int) -> str:
    return f"bank-deposit:{bank_account_id}"


def normalize_account_number(bank_code: str, number: str) -> str:
    """Digits only (spaces and hyphens dropped), or InvalidInput naming each wrong input."""
    wrong = []
    if bank_code not in BANKS:
        wrong.append(BadInput("bank_code", UNKNOWN_BANK))
    digits = number.replace("-", "").replace(" ", "")
    if (
        not digits.isascii()
        or not digits.isdigit()
        or not (NUMBER_DIGITS[0] <= len(digits) <= NUMBER_DIGITS[1])
    ):
        wrong.append(BadInput("account_number", BAD_NUMBER))
    if wrong:
        raise InvalidInput(*wrong)
    return digits


_COLUMNS = """
    id, person_id, bank_code, number_last4, status, code_hash, code_sent_at, code_attempts,
    verified_at, effective_from, created_at
"""


def _bank_account(row: asyncpg.Record) -> BankAccount:
    values = dict(row)
    if values["code_hash"] is not None:
        values["code_hash"] = bytes(values["code_hash"])
    return BankAccount(**values)


async def insert_bank_account(
    conn: asyncpg.Connection, *, person_id: int, bank_code: str, sealed: bytes, last4: str
) -> BankAccount:
    row = await conn.fetchrow(
        f"""
        INSERT INTO bank_accounts (person_id, bank_code, number_sealed, number_last4)
        VALUES ($1, $2, $3, $4) RETURNING {_COLUMNS}
        """,
        person_id,
        bank_code,
        sealed,
        last4,
    )
    assert row is not None
    return _bank_account(row)


async def get_bank_account(
    conn: asyncpg.Connection, bank_account_id: int, *, person_id: int, lock: bool = False
) -> BankAccount | None:
    """One of the person's bank accounts (None for someone else's)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM bank_accounts WHERE id = $1 AND person_id = $2"
        + (" FOR UPDATE" if lock else ""),
        bank_account_id,
        person_id,
    )
    return None if row is None else _bank_account(row)


async def list_bank_accounts(conn: asyncpg.Connection, person_id: int) -> list[BankAccount]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM bank_accounts WHERE person_id = $1 AND status <> 'void' "
        "ORDER BY id DESC",
        person_id,
    )
    return [_bank_account(row) for row in rows]


async def set_deposit_code(conn: asyncpg.Connection, bank_account_id: int, hashed: bytes) -> None:
    await conn.execute(
        "UPDATE bank_accounts SET code_hash = $2, code_sent_at = now(), code_attempts = 0 "
        "WHERE id = $1",
        bank_account_id,
        hashed,
    )


async def count_wrong_code(conn: asyncpg.Connection, bank_account_id: int, *, void: bool) -> None:
    await conn.execute(
        """
        UPDATE bank_accounts SET code_attempts = code_attempts + 1,
            status = CASE WHEN $2 THEN 'void' ELSE status END,
            code_hash = CASE WHEN $2 THEN NULL ELSE code_hash END
        WHERE id = $1
        """,
        bank_account_id,
        void,
    )


async def void_bank_account(conn: asyncpg.Connection, bank_account_id: int) -> None:
    await conn.execute(
        "UPDATE bank_accounts SET status = 'void', code_hash = NULL WHERE id = $1",
        bank_account_id,
    )


async def has_other_verified_account(
    conn: asyncpg.Connection, person_id: int, bank_account_id: int
) -> bool:
    found: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM bank_accounts WHERE person_id = $1 AND id <> $2 "
        "AND status = 'verified')",
        person_id,
        bank_account_id,
    )
    return found


async def mark_verified(
    conn: asyncpg.Connection, bank_account_id: int, cooling_off: timedelta
) -> BankAccount:
    row = await conn.fetchrow(
        f"""
        UPDATE bank_accounts SET status = 'verified', verified_at = now(), code_hash = NULL,
            effective_from = now() + $2::interval
        WHERE id = $1 RETURNING {_COLUMNS}
        """,
        bank_account_id,
        cooling_off,
    )
    assert row is not None
    return _bank_account(row)


async def send_verification_deposit(
    conn: asyncpg.Connection, settings: Settings, account: BankAccount, code: str
) -> None:
    """Deposit 1 won with the code in its memo (providers/bank_transfer.py)."""
    try:
        await deposit_one_won(
            conn,
            settings,
            bank_code=account.bank_code,
            number_last4=account.number_last4,
            memo=f"{DEPOSIT_MEMO_PREFIX}{code}",
        )
    except BankTransferUnavailable:
        raise Problem(BANK_TRANSFER_UNAVAILABLE) from None


async def add_bank_account(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    person_id: int,
    actor: str,
    channel: str,
    bank_code: str,
    account_number: str,
    proof: Proof = "deposit",
) -> BankAccount:
    """Keep the account (sealed) and, for a deposit proof, send the 1-won deposit that
    proves it is the person's (a holder proof is asked for next: holder_check.py)."""
    digits = normalize_account_number(bank_code, account_number)
    account = await insert_bank_account(
        conn,
        person_id=person_id,
        bank_code=bank_code,
        sealed=seal(settings.auth, digits.encode(), number_context(person_id)),
        last4=digits[-4:],
    )
    if proof == "deposit":
        code = numeric_code(DEPOSIT_CODE_DIGITS)
        await set_deposit_code(
            conn, account.id, code_hash(settings.auth, _challenge_key(account.id), code)
        )
        await send_verification_deposit(conn, settings, account, code)
    await record_audit(
        conn,
        actor=actor,
        action="bank_account.added",
        subject=f"person:{person_id}",
        channel=channel,
        details={"bank_account": account.id, "bank_code": bank_code, "proof": proof},
    )
    refreshed = await get_bank_account(conn, account.id, person_id=person_id)
    assert refreshed is not None
    return refreshed


async def verify_bank_account(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    person_id: int,
    bank_account_id: int,
    code: str,
    actor: str,
    channel: str,
) -> BankAccountVerified:
    """Check the deposit's code; a wrong one counts (and stays counted) even though it fails."""
    account = await get_bank_account(conn, bank_account_id, person_id=person_id, lock=True)
    if account is None:
        raise Problem(NOT_FOUND)
    if account.status == "verified":
        raise Problem(ALREADY_VERIFIED)
    now = datetime.now(UTC)
    expired = account.code_sent_at is None or account.code_sent_at + DEPOSIT_VALID < now
    if account.status == "void" or account.code_hash is None or expired:
        if account.status != "void":
            await void_bank_account(conn, account.id)
            await audit_bank_account(
                conn, actor, channel, person_id, "bank_account.deposit_expired", account
            )
        raise Problem(DEPOSIT_VOID, commit_first=True)
    expected = code_hash(settings.auth, _challenge_key(account.id), code)
    if not same_hash(expected, account.code_hash):
        attempts = account.code_attempts + 1
        void = attempts >= DEPOSIT_MAX_TRIES
        await count_wrong_code(conn, account.id, void=void)
        action = "bank_account.deposit_voided" if void else "bank_account.wrong_code"
        await audit_bank_account(
            conn, actor, channel, person_id, action, account, attempts=attempts
        )
        if void:
            raise Problem(DEPOSIT_VOID, commit_first=True)
        raise Problem(
            DEPOSIT_CODE_WRONG, commit_first=True, tries_left=DEPOSIT_MAX_TRIES - attempts
        )
    return await complete_verification(conn, person_id, account, actor, channel, proof="deposit")


async def complete_verification(
    conn: asyncpg.Connection,
    person_id: int,
    account: BankAccount,
    actor: str,
    channel: str,
    *,
    proof: Proof,
) -> BankAccountVerified:
    """The account is proven the person's (by the deposit's code or by the holder's name):
    verified, usable at once or after the cooling-off day. Every proof ends here."""
    is_change = await has_other_verified_account(conn, person_id, account.id)
    weak_binding = await last_weak_binding(conn, person_id, around=account.created_at)
    # A change of account waits a cooling-off day, and so does one added soon after a way
    # in was bound below aal 2; any other first account is usable at once.
    cooling_off = is_change or weak_binding is not None
    verified = await mark_verified(conn, account.id, COOLING_OFF if cooling_off else timedelta(0))
    assert verified.effective_from is not None
    await audit_bank_account(
        conn,
        actor,
        channel,
        person_id,
        "bank_account.verified",
        account,
        proof=proof,
        change=is_change,
        after_binding=weak_binding.isoformat() if weak_binding else None,
        effective_from=verified.effective_from.isoformat(),
    )
    return BankAccountVerified(account=verified, is_change=is_change, cooling_off=cooling_off)


async def get_sealed_number(conn: asyncpg.Connection, bank_account_id: int) -> bytes:
    sealed: bytes = await conn.fetchval(
        "SELECT number_sealed FROM bank_accounts WHERE id = $1", bank_account_id
    )
    return bytes(sealed)


async def audit_bank_account(
    conn: asyncpg.Connection,
    actor: str,
    channel: str,
    person_id: int,
    action: str,
    account: BankAccount,
    **details: object,
) -> None:
    await record_audit(
        conn,
        actor=actor,
        action=action,
        subject=f"person:{person_id}",
        channel=channel,
        details={"bank_account": account.id, **details},
    )
