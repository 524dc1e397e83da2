"""Bank accounts for benefit payments: list, add (a 1-won deposit is sent), verify."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

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
    BankAccount,
    add_bank_account,
    bank_name,
    list_bank_accounts,
    verify_bank_account,
)


class BankAccountItem(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    bank_code: Annotated[str, msgspec.Meta(examples=["088"])]
    bank_name: Annotated[str, msgspec.Meta(examples=["신한은행"])]
    # Only the last 4 digits are ever shown.
    last4: Annotated[str, msgspec.Meta(examples=["5678"])]
    status: Annotated[str, msgspec.Meta(examples=["pending", "verified", "void"])]
    verified_at: datetime | None
    # When payments may go here (a day after verification when it replaces another account).
    effective_from: datetime | None


class Bank(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str


class AddBankAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bank_code: Annotated[str, msgspec.Meta(max_length=3, examples=["088"])]
    account_number: Annotated[
        str, msgspec.Meta(min_length=1, max_length=32, examples=["110-123-456789"])
    ]


class VerifyBankAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}$", examples=["4821"])]


def _item(account: BankAccount, locale: str) -> BankAccountItem:
    return BankAccountItem(
        id=account.id,
        bank_code=account.bank_code,
        bank_name=bank_name(locale, account.bank_code),
        last4=account.number_last4,
        status=account.status,
        verified_at=account.verified_at,
        effective_from=account.effective_from,
    )


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
    return [_item(a, locale) for a in await list_bank_accounts(tx.conn, session.person_id)]


@post(
    "/v1/me/bank-accounts",
    status_code=201,
    tags=["applications"],
    summary="Add a bank account for payments (recent aal 2); 1 won is deposited to check it",
    security=SIGNED_IN,
    responses=problem_responses(400, 401, 503),
    description=(
        "The account number (digits, hyphens allowed, 10 to 16 digits) is kept encrypted; "
        "only the last 4 digits are shown. We deposit 1 won whose memo carries a 4-digit "
        "code (`한창1234`): send it to `POST /v1/me/bank-accounts/{id}/verify` within a day."
    ),
)
async def add_my_bank_account(
    data: JSONBody[AddBankAccount],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> BankAccountItem:
    locale = request_locale(request)
    account = await add_bank_account(
        tx.conn,
        request.app.state.settings,
        person_id=session.person_id,
        actor=f"account:{session.account_id}",
        channel=session.channel,
        bank_code=data.bank_code,
        account_number=data.account_number,
    )
    return _item(account, locale)


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
    return _item(verified.account, request_locale(request))


ROUTES = [banks, my_bank_accounts, add_my_bank_account, verify_my_bank_account]
