"""Bank accounts for benefit payments: list, add, and prove them the person's: by the code
of a 1-won deposit (`verify`) or by the holder's name at the bank (`holder-check`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.openapi import SIGNED_IN
from auth import CurrentSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.jobs import enqueue_after_commit
from foundation.problems import problem_responses
from onestop.applications import (
    BANKS,
    AccountNumber,
    BankAccountItem,
    BankCode,
    add_account,
    bank_account_item,
    bank_name,
    check_holder,
    list_bank_accounts,
    verify_bank_account,
)


class Bank(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str


class AddBankAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bank_code: BankCode
    account_number: AccountNumber
    # How the account is proven the person's: `deposit`, a 1-won deposit whose memo code
    # the person reads in their bank app; `holder`, no deposit: ask
    # `POST /v1/me/bank-accounts/{id}/holder-check` next.
    proof: Literal["deposit", "holder"] = "deposit"


class VerifyBankAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}$", examples=["4821"])]


@get(
    "/v1/me/bank-accounts/banks",
    tags=["applications"],
    summary="Banks a benefit can be paid into, with their codes",
)
async def banks(request: Request[Any, Any, Any]) -> list[Bank]:
    locale = request_locale(request)
    return [Bank(code=code, name=bank_name(locale, code)) for code in BANKS]


@get(
    "/v1/me/bank-accounts",
    tags=["applications"],
    summary="The signed-in person's bank accounts (last 4 digits only)",
    security=SIGNED_IN,
    responses=problem_responses(401),
)
async def my_bank_accounts(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> list[BankAccountItem]:
    locale = request_locale(request)
    return [
        bank_account_item(a, locale) for a in await list_bank_accounts(tx.conn, session.person_id)
    ]


@post(
    "/v1/me/bank-accounts",
    status_code=201,
    tags=["applications"],
    summary="Add a bank account for payments (recent aal 2), to prove by a deposit or the holder",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 503),
    description=(
        "The account number (digits, hyphens allowed, 10 to 16 digits) is kept encrypted; "
        "only the last 4 digits are shown. With `proof` `deposit` (the default) we deposit "
        "1 won whose memo carries a 4-digit code (`한창1234`): send it to "
        "`POST /v1/me/bank-accounts/{id}/verify` within a day. With `proof` `holder` nothing "
        "is deposited: call `POST /v1/me/bank-accounts/{id}/holder-check` next."
    ),
)
async def add_my_bank_account(
    data: JSONBody[AddBankAccount],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> BankAccountItem:
    locale = request_locale(request)
    account = await add_account(
        tx.conn,
        request.app.state.settings,
        session,
        bank_code=data.bank_code,
        account_number=data.account_number,
        proof=data.proof,
    )
    return bank_account_item(account, locale)


@post(
    "/v1/me/bank-accounts/{bank_account_id:int}/verify",
    status_code=200,
    tags=["applications"],
    summary="Confirm a bank account with the code from the 1-won deposit (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 404, 409),
    description=(
        "5 wrong codes, or a day without the right one, void the check (409 `deposit-void`): "
        "add the account again. A first account is usable at once. An account that replaces "
        "one already confirmed, or that was added within 7 days of a passkey or PIN bound "
        "after an SMS sign-in or with an enrollment code, is usable 24 hours later "
        "(`effective_from`), and an SMS to the phone of record announces it."
    ),
)
async def verify_my_bank_account(
    bank_account_id: FromPath[int],
    data: JSONBody[VerifyBankAccount],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> BankAccountItem:
    verified = await verify_bank_account(
        tx.conn,
        request.app.state.settings,
        person_id=session.person_id,
        bank_account_id=bank_account_id,
        code=data.code,
        actor=f"account:{session.account_id}",
        channel=session.channel,
    )
    if verified.cooling_off:
        enqueue_after_commit(tx, queue, "announce_bank_account_change", verified.account.id)
    return bank_account_item(verified.account, request_locale(request))


@post(
    "/v1/me/bank-accounts/{bank_account_id:int}/holder-check",
    status_code=200,
    tags=["applications"],
    summary="Confirm a bank account by its holder's name at the bank (recent aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(401, 404, 409, 429, 503),
    description=(
        "Asks the bank, through the open-banking network, whose name the account is in "
        "(with the birth date we hold), and compares it with your name in our records. "
        "The same name confirms the account, with the same rules as a deposit code: a first "
        "account is usable at once; one that replaces a confirmed account, or that was added "
        "within 7 days of a passkey or PIN bound after an SMS sign-in or with an enrollment "
        "code, 24 hours later (`effective_from`), announced to the phone of record and on "
        "every channel. Someone else's name (409 `bank-account-holder-mismatch`) or an "
        "account the bank does not know (409 `bank-account-unknown`) ends this account's "
        "check: add it again. After 5 such answers in a day, 429 "
        "`bank-holder-checks-exhausted`. When the bank cannot answer, 503 "
        "`bank-inquiry-unavailable`: nothing changed, try again later. The holder's name "
        "is never shown."
    ),
)
async def check_my_bank_account_holder(
    bank_account_id: FromPath[int],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> BankAccountItem:
    verified = await check_holder(
        tx.conn, request.app.state.settings, session, bank_account_id=bank_account_id
    )
    if verified.cooling_off:
        enqueue_after_commit(tx, queue, "announce_bank_account_change", verified.account.id)
    return bank_account_item(verified.account, request_locale(request))


ROUTES = [
    banks,
    my_bank_accounts,
    add_my_bank_account,
    verify_my_bank_account,
    check_my_bank_account_holder,
]
