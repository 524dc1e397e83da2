"""Applying by phone, at aal 2 only (the call-back): a benefit the person is eligible for,
the payment account on file read back by its last four digits, 1 to confirm; then the
same `submit_once` as the app and the counter, under a key of this call and programme
(a repeated press answers the first application again). No usable account on file: the
line says so and where to add one."""

from __future__ import annotations

from typing import Any

import asyncpg
from arq.connections import ArqRedis
from litestar import Request, Response, post
from litestar.di import NamedDependency

from assisted_channel.phone.call_state import CallState
from assisted_channel.phone.readout import benefits_answer, spelled_last4
from assisted_channel.phone.signed_in import STEP_UP_OFFER, main_menu, signed_in
from assisted_channel.phone.voice import (
    VOICE,
    Post,
    ask,
    current_call,
    read_post,
    remember,
    settings_of,
    spoken,
    t,
    to_a_person,
)
from auth import CurrentSession
from foundation.db import Transaction, savepoint
from foundation.problems import Problem
from foundation.settings import Settings
from i18n import N_
from onestop.applications import ApplicationRequest, payment_accounts, submit_once
from providers.twilio_voice import Speech

# Keys 1 to 8 pick a programme; 9 and 0 keep their meaning.
MAX_OFFERED = 8


def choices_menu(settings: Settings, state: CallState, names: list[str], *said: str) -> Speech:
    locale = state.locale
    prompt = " ".join(
        t(locale, N_("For {programme}, press {key}."), programme=name, key=key)
        for key, name in enumerate(names, start=1)
    )
    return ask(settings, locale, "apply", said=list(said), prompt=prompt)


async def _offered_names(
    conn: asyncpg.Connection, session: CurrentSession, state: CallState
) -> list[str]:
    answer = await benefits_answer(conn, session, state.locale)
    by_id = {p.programme_id: p.name for p in answer.programmes}
    return [by_id[pid] for pid in state.offered]


async def offer_programmes(
    conn: asyncpg.Connection,
    redis: ArqRedis,
    post_: Post,
    state: CallState,
    session: CurrentSession,
    settings: Settings,
) -> Response[str]:
    locale = state.locale
    answer = await benefits_answer(conn, session, locale)
    eligible = [p for p in answer.programmes if p.status == "eligible"][:MAX_OFFERED]
    if not eligible:
        await remember(redis, post_, state, "menu")
        nothing = t(locale, N_("There is no benefit you can apply for now."))
        return spoken(main_menu(settings, state, nothing))
    state.offered = [p.programme_id for p in eligible]
    await remember(redis, post_, state, "apply")
    return spoken(choices_menu(settings, state, [p.name for p in eligible]))


def confirm_menu(
    settings: Settings, state: CallState, programme: str, account: str, *said: str
) -> Speech:
    locale = state.locale
    return ask(
        settings,
        locale,
        "apply/confirm",
        said=[
            *said,
            t(
                locale,
                N_("You are applying for {programme}. It will be paid into {account}."),
                programme=programme,
                account=account,
            ),
        ],
        prompt=t(locale, N_("To apply, press 1. To go back to the menu, press 2.")),
    )


@post(f"{VOICE}/apply", status_code=200, include_in_schema=False)
async def choose_programme(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    session = await signed_in(tx.conn, state)
    settings = settings_of(request)
    locale = state.locale
    if state.aal < 2:
        await remember(queue, post_, state, "menu")
        return spoken(main_menu(settings, state, t(locale, STEP_UP_OFFER)))
    names = await _offered_names(tx.conn, session, state)
    key = int(post_.digits) if post_.digits.isdigit() and len(post_.digits) == 1 else 0
    if post_.digits in ("9", "0") or not 1 <= key <= len(names):
        said = to_a_person(locale) if post_.digits == "0" else None
        if post_.digits not in ("9", "0"):
            said = t(locale, N_("That key is not on this menu."))
        return spoken(choices_menu(settings, state, names, *([said] if said else [])))
    state.programme_id = state.offered[key - 1]
    return await read_back_account(tx.conn, queue, post_, state, session, settings, names[key - 1])


async def read_back_account(
    conn: asyncpg.Connection,
    redis: ArqRedis,
    post_: Post,
    state: CallState,
    session: CurrentSession,
    settings: Settings,
    programme: str,
) -> Response[str]:
    """The programme chosen (`state.programme_id`): the payment account on file read back,
    and 1 to apply; none on file, the line says so."""
    locale = state.locale
    accounts = await payment_accounts(conn, session.person_id, locale)
    if not accounts:
        await remember(redis, post_, state, "menu")
        none = t(
            locale,
            N_(
                "To apply, we need a bank account for the payment, and there is none on file. "
                "Please visit your nearest job centre with your ID card and bank book to add "
                "one."
            ),
        )
        return spoken(main_menu(settings, state, none, to_a_person(locale)))
    account = accounts[0]
    state.bank_account_id = account.id
    await remember(redis, post_, state, "apply/confirm")
    return spoken(confirm_menu(settings, state, programme, spelled_last4(account, locale)))


@post(f"{VOICE}/apply/confirm", status_code=200, include_in_schema=False)
async def confirm_application(
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[str]:
    post_ = await read_post(request)
    state = await current_call(queue, post_)
    session = await signed_in(tx.conn, state)
    settings = settings_of(request)
    locale = state.locale
    if state.aal < 2 or state.programme_id is None or state.bank_account_id is None:
        await remember(queue, post_, state, "menu")
        return spoken(main_menu(settings, state))
    if post_.digits != "1":
        said = [to_a_person(locale)] if post_.digits == "0" else []
        await remember(queue, post_, state, "menu")
        return spoken(main_menu(settings, state, *said))
    request_ = ApplicationRequest(
        programme_id=state.programme_id,
        confirmed=True,
        bank_account_id=state.bank_account_id,
        contact_preference="voice",
    )
    try:
        async with savepoint(tx.conn):
            submitted = await submit_once(
                tx.conn,
                session,
                request_,
                f"phone:{post_.call_sid}:{state.programme_id}",
                for_person=None,
                locale=locale,
            )
    except Problem as refused:
        if refused.kind.status >= 500:
            raise
        body = refused.body(locale)
        await remember(queue, post_, state, "menu")
        return spoken(main_menu(settings, state, str(body["title"]), str(body["detail"])))
    state.programme_id = state.bank_account_id = None
    await remember(queue, post_, state, "menu")
    done = t(
        locale,
        N_("Your application is in. Its number is {number}. We will tell you what happens next."),
        number=" ".join(str(submitted.application_id)),
    )
    return spoken(main_menu(settings, state, done))


ROUTES = [choose_programme, confirm_application]
