"""The signed-in person's notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.openapi import SIGNED_IN
from auth import CurrentSession
from foundation.audit import record_audit
from foundation.db import Transaction
from foundation.problems import problem_responses
from i18n import N_
from notifications.preferences import (
    Channel,
    NotificationPreferences,
    ProgrammeId,
    check_preferences,
    get_preferences,
    normalized_programmes,
    save_preferences,
)

# A Korea-time hour, 0 to 23.
Hour = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=23,
        examples=[21],
        extra={
            "invalid": N_("Enter a whole number from {low} to {high}."),
            "params": {"low": 0, "high": 23},
        },
    ),
]

_LEGAL_NOTE = (
    "Opting out stops offers (notices about benefits you may get); legally required notices "
    "(such as a decision on your application or a change to your payment account) are not "
    "stopped by it and always reach your inbox. Every notice reaches your inbox, whatever you "
    "choose here. Quiet hours hold back notices that are not urgent until they end."
)


class PreferencesRequest(msgspec.Struct, kw_only=True):
    # Korea-time hours 0 to 23: nothing that is not urgent is sent from `quiet_from`
    # until `quiet_until` (it goes out after). Equal hours: no quiet hours.
    quiet_from: Hour
    quiet_until: Hour
    # Programme ids of the catalog whose offers you do not want.
    opted_out_programmes: Annotated[
        list[ProgrammeId], msgspec.Meta(max_length=100, examples=[["tomorrow-learning-card"]])
    ]
    # No offers at all.
    opted_out_of_offers: bool
    # push, sms, voice, letter, or null: the channel to try first when you have it.
    preferred_channel: Channel | None


class PreferencesAnswer(msgspec.Struct, kw_only=True):
    quiet_from: int
    quiet_until: int
    opted_out_programmes: list[str]
    opted_out_of_offers: bool
    preferred_channel: str | None
    # None until you first save your preferences (the defaults apply).
    updated_at: datetime | None


def _answer(preferences: NotificationPreferences) -> PreferencesAnswer:
    return PreferencesAnswer(
        quiet_from=preferences.quiet_from,
        quiet_until=preferences.quiet_until,
        opted_out_programmes=preferences.opted_out_programmes,
        opted_out_of_offers=preferences.opted_out_of_offers,
        preferred_channel=preferences.preferred_channel,
        updated_at=preferences.updated_at,
    )


@get(
    "/v1/me/notification-preferences",
    tags=["notifications"],
    summary="Your notification preferences: quiet hours, opt-outs, the channel to try first",
    security=SIGNED_IN,
    responses=problem_responses(401),
    description="Until you save them: quiet from 21 to 8 (Korea time), no opt-outs. " + _LEGAL_NOTE,
)
async def my_preferences(
    session: NamedDependency[CurrentSession], tx: NamedDependency[Transaction]
) -> PreferencesAnswer:
    return _answer(await get_preferences(tx.conn, session.person_id))


@put(
    "/v1/me/notification-preferences",
    tags=["notifications"],
    summary="Replace your notification preferences",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "Send every field. `quiet_from` and `quiet_until` are Korea-time hours (0 to 23; the "
        "same hour twice means no quiet hours); `opted_out_programmes` are programme ids of "
        "the catalog (each kept once); `preferred_channel` is `push`, `sms`, `voice`, "
        "`letter` or null. Bad values answer 400 with every bad field and change nothing. "
        + _LEGAL_NOTE
    ),
)
async def replace_preferences(
    data: JSONBody[PreferencesRequest],
    request: Request[Any, Any, Any],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> PreferencesAnswer:
    check_preferences(
        quiet_from=data.quiet_from,
        quiet_until=data.quiet_until,
        opted_out_programmes=data.opted_out_programmes,
        preferred_channel=data.preferred_channel,
    )
    wanted = NotificationPreferences(
        quiet_from=data.quiet_from,
        quiet_until=data.quiet_until,
        opted_out_programmes=normalized_programmes(data.opted_out_programmes),
        opted_out_of_offers=data.opted_out_of_offers,
        preferred_channel=data.preferred_channel,
    )
    before = await get_preferences(tx.conn, session.person_id)
    saved = await save_preferences(tx.conn, session.person_id, wanted)
    changed = before.changed_fields(saved)
    if changed:
        await record_audit(
            tx.conn,
            actor=f"account:{session.account_id}",
            action="notification_preferences.changed",
            subject=f"person:{session.person_id}",
            channel=session.channel,
            details={name: msgspec.to_builtins(getattr(saved, name)) for name in changed},
        )
    return _answer(saved)


ROUTES: list[Any] = [my_preferences, replace_preferences]
