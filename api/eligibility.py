"""Eligibility, explained: for the signed-in person, or for facts an anonymous caller supplies."""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.auth_guard import limit_by_address
from api.openapi import SIGNED_IN
from auth import CurrentSession, may_see_history
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from onestop.eligibility import EligibilityList, eligibility_of
from onestop.eligibility.check import EligibilityCheckRequest, check_supplied_facts
from onestop.eligibility.explain import explain, korean_today


@get(
    "/v1/me/eligibility",
    tags=["benefits"],
    summary="Every programme, evaluated for you today, each criterion explained (aal 2)",
    security=SIGNED_IN,
    responses=problem_responses(401),
    description=(
        "Each programme's `status` is `eligible`, `not_eligible` or `unknown` (data missing, "
        "out of date, or not linked yet: never a silent no). Each criterion says what it "
        "requires, the figure we used and the article of law it comes from. Below a recent "
        "aal 2 sign-in the answer has `details_need_step_up: true` and each programme comes "
        "without `period_key` and `criteria` (they tell the person's history)."
    ),
)
async def my_eligibility(
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> EligibilityList:
    return await eligibility_of(
        tx.conn, session.person_id, request_locale(request), history=may_see_history(session)
    )


@post(
    "/v1/eligibility/check",
    status_code=200,
    tags=["benefits"],
    summary="Evaluate every programme for facts you supply (no sign-in, nothing stored)",
    responses=problem_responses(400, 429),
    description=(
        "Give a birth date and up to 200 records shaped like the linked data (`kind` is "
        "employment_insurance, wage, child, household_income, job_seeker_registration or "
        "wage_arrears). Nothing is stored. Limited per client address."
    ),
)
async def check_eligibility(
    data: JSONBody[EligibilityCheckRequest],
    request: Request[Any, Any, Any],
    queue: NamedDependency[ArqRedis],
) -> EligibilityList:
    locale = request_locale(request)
    await limit_by_address(request, queue, "eligibility-check-ip")
    as_of = data.as_of or korean_today()
    answers = check_supplied_facts(data, as_of)
    return EligibilityList(
        as_of=as_of.isoformat(),
        details_need_step_up=False,
        programmes=[explain(answer, locale) for answer in answers],
    )


ROUTES = [my_eligibility, check_eligibility]
