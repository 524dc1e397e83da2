"""A clerk adds a payment account for the person at the counter and proves it by its
holder's name at the bank (`/console/api/people/{id}/bank-accounts`, staff cookie): for a
person with no smartphone, who cannot read a 1-won deposit in a bank app.

The same core as the app's `POST /v1/me/bank-accounts` and `.../holder-check`
(onestop/applications/holder_check.py): the same checks, the same answers, the same
cooling-off day and alert on every channel. The clerk needs the person's visit delegation
with `apply`; each action is recorded with both people.
"""

from __future__ import annotations

from typing import Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from auth.staff import StaffSession
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.jobs import enqueue_after_commit
from foundation.problems import problem_responses
from onestop.applications import (
    AccountNumber,
    BankAccountItem,
    BankCode,
    add_account,
    bank_account_item,
    check_holder,
)


class CounterBankAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bank_code: BankCode
    account_number: AccountNumber


@post(
    "/api/people/{person_id:int}/bank-accounts",
    status_code=201,
    tags=["staff"],
    summary="Add a bank account for the person at the counter, to prove by its holder (apply)",
    responses=problem_responses(400, 401, 403),
    description=(
        "No deposit is sent: prove it with `POST .../bank-accounts/{id}/holder-check`. "
        "Needs a delegation in force to this clerk with `apply` (403 `delegation-needed`)."
    ),
)
async def staff_add_bank_account(
    data: JSONBody[CounterBankAccount],
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    person_id: FromPath[int],
) -> BankAccountItem:
    account = await add_account(
        tx.conn,
        request.app.state.settings,
        staff,
        for_person=person_id,
        bank_code=data.bank_code,
        account_number=data.account_number,
        proof="holder",
    )
    return bank_account_item(account, request_locale(request))


@post(
    "/api/people/{person_id:int}/bank-accounts/{bank_account_id:int}/holder-check",
    status_code=200,
    tags=["staff"],
    summary="Confirm the person's bank account by its holder's name at the bank (apply)",
    responses=problem_responses(401, 403, 404, 409, 429, 503),
    description=(
        "As the app's `POST /v1/me/bank-accounts/{id}/holder-check`, for the person: the same "
        "answers and problems. Needs a delegation in force to this clerk with `apply`."
    ),
)
async def staff_check_bank_account_holder(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
    person_id: FromPath[int],
    bank_account_id: FromPath[int],
) -> BankAccountItem:
    verified = await check_holder(
        tx.conn,
        request.app.state.settings,
        staff,
        for_person=person_id,
        bank_account_id=bank_account_id,
    )
    if verified.cooling_off:
        enqueue_after_commit(tx, queue, "announce_bank_account_change", verified.account.id)
    return bank_account_item(verified.account, request_locale(request))


ROUTES = [staff_add_bank_account, staff_check_bank_account_holder]
