"""What the menus read aloud, from the core's answers, in the call's language: numbers
and dates as a voice says them (a date in words, never "2026-03-09")."""

from __future__ import annotations

import re
from datetime import date

import asyncpg

from auth import CurrentSession, may_see_history
from foundation.korea import KOREA
from i18n import N_, translate
from notifications.inbox import list_inbox, mark_notice_read
from notifications.messages import APPLICATION_STATUS, NoticeText, render_notice
from onestop.applications import BankAccountChoice, my_applications
from onestop.catalog import PROGRAMMES
from onestop.eligibility import EligibilityList, eligibility_of

# Notices read on one press of 3; the rest on the next.
NOTICES_PER_PRESS = 5
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
CRITERION_STATUS = {
    "met": N_("met"),
    "not_met": N_("not met"),
    "unknown": N_("not known yet"),
}


def spoken_date(day: date, locale: str) -> str:
    # Korean TTS reads 2026년 3월 9일 in Sino-Korean numbers, as people say it.
    if locale == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def spoken_figure(text: str, locale: str) -> str:
    """A figure of the core's, with any ISO date in it in words."""
    return _ISO_DATE.sub(lambda m: spoken_date(date(int(m[1]), int(m[2]), int(m[3])), locale), text)


def may_get(answer: EligibilityList) -> list[str]:
    """The programmes the person may get (eligible, or maybe: not known yet), in order."""
    return [p.programme_id for p in answer.programmes if p.status in ("eligible", "unknown")]


async def benefits_answer(
    conn: asyncpg.Connection, session: CurrentSession, locale: str
) -> EligibilityList:
    """The app's answer (`/v1/me/eligibility`), at this session's level of detail."""
    return await eligibility_of(conn, session.person_id, locale, history=may_see_history(session))


async def benefits_said(
    conn: asyncpg.Connection, session: CurrentSession, locale: str
) -> list[str]:
    answer = await benefits_answer(conn, session, locale)
    said: list[str] = []
    for programme in answer.programmes:
        if programme.programme_id not in may_get(answer):
            continue
        said.append(f"{programme.name}: {programme.summary}")
        for criterion in programme.criteria:
            status = translate(locale, CRITERION_STATUS[criterion.status])
            line = f"{criterion.requirement}: {status}"
            if criterion.figure:
                line += f", {spoken_figure(criterion.figure, locale)}"
            said.append(line + ".")
    if not said:
        said.append(translate(locale, N_("We found no benefit you can get now.")))
    return said


async def applications_said(
    conn: asyncpg.Connection, session: CurrentSession, locale: str
) -> list[str]:
    applications = await my_applications(conn, session.person_id)
    if not applications:
        return [translate(locale, N_("You have no applications."))]
    said = []
    for application in applications:
        programme = PROGRAMMES.get(application.programme_id)
        said.append(
            translate(
                locale,
                N_("{programme}, applied for on {day}: {status}"),
                programme=translate(locale, programme.name) if programme else "",
                day=spoken_date(application.submitted_at.astimezone(KOREA).date(), locale),
                status=translate(locale, APPLICATION_STATUS[application.status]),
            )
            + "."
        )
    return said


async def notices_said(conn: asyncpg.Connection, session: CurrentSession, locale: str) -> list[str]:
    """The newest unread notices, read out, then marked read (as opening them in the app)."""
    unread = [
        n
        for n in await list_inbox(conn, session.person_id, before=None, limit=100)
        if n.read_at is None
    ][:NOTICES_PER_PRESS]
    if not unread:
        return [translate(locale, N_("You have no new notices."))]
    said = [translate(locale, N_("You have {count} new notices."), count=len(unread))]
    for notice in unread:
        text = NoticeText(kind=notice.kind, programme_id=notice.programme_id, topic=notice.topic)
        said.append(render_notice(text, locale).voice)
        await mark_notice_read(conn, session.person_id, notice.id)
    return said


def spelled_last4(account: BankAccountChoice, locale: str) -> str:
    """A payment account as the line reads it back: the bank, and the last four digits
    one by one."""
    return translate(
        locale,
        N_("the {bank} account ending in {digits}"),
        bank=account.bank,
        digits=" ".join(account.number_last4),
    )
