"""What the console's pages for one person's phones, helpers and audit trail share: the
person at the top, Korea time, the status after a post, and a core refusal shown in
the page (a message box)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from assisted_channel.console.render import korea_time as korea_time
from assisted_channel.console.texts import texts
from auth import get_account, get_person
from auth.counter import PersonAtCounter, open_person_at_counter
from auth.staff import StaffSession, get_office, get_staff
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import Problem


async def person_at_top(
    request: Request[Any, Any, Any], tx: Transaction, staff: StaffSession, person_id: int
) -> dict[str, Any]:
    """The person (opening is audited, as on the person page) and their last ID check."""
    locale = request_locale(request)
    t = texts(locale)
    person: PersonAtCounter = await open_person_at_counter(
        tx.conn, staff=staff, person_id=person_id
    )
    matched = (
        t["last_match"].format(time=korea_time(person.matched_at, locale))
        if person.matched_at
        else t["no_match_yet"]
    )
    return {"person": person, "matched_text": matched}


def done_text(request: Request[Any, Any, Any], t: dict[str, str], *done: str) -> str | None:
    """The status line after a post (`?done=...`), when it is one of `done`."""
    chosen = request.query_params.get("done", "")
    return t[f"as_done_{chosen}"] if chosen in done else None


def refusal(problem: Problem, locale: str) -> dict[str, str]:
    """A core refusal (no recent ID check, a role) for the page's message box."""
    body = problem.body(locale)
    return {"title": str(body["title"]), "detail": str(body["detail"])}


async def office_names(tx: Transaction, codes: set[str], locale: str) -> dict[str, str]:
    """Each office code's name in the reader's language (the code if it has none)."""
    names: dict[str, str] = {}
    for code in codes:
        office = await get_office(tx.conn, code)
        names[code] = office.name(locale) if office else code
    return names


def action_label(t: dict[str, str], action: str) -> str:
    """A readable name for an audited action; one without a name shows as it is."""
    return t.get("as_action_" + action.replace(".", "_"), action)


def channel_label(t: dict[str, str], channel: str | None) -> str:
    return t.get(f"as_channel_{channel}", channel) if channel else ""


async def actor_names(tx: Transaction, actors: set[str]) -> dict[str, str]:
    """`staff:12` as `김민수 (staff:12)`, `account:5` with the person's name; others as they are."""
    names: dict[str, str] = {}
    for actor in actors:
        kind, _, number = actor.partition(":")
        name = None
        if number.isdigit() and int(number) < 2**63:
            if kind == "staff":
                member = await get_staff(tx.conn, int(number))
                name = member.name if member else None
            elif kind == "account":
                account = await get_account(tx.conn, int(number))
                person = await get_person(tx.conn, account.person_id) if account else None
                name = person.name if person else None
        names[actor] = f"{name} ({actor})" if name else actor
    return names
