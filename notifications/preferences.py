"""Each person's notification preferences: quiet hours, opt-outs, the channel to try first.

Opting out never hides a legally required notice: it still goes to the inbox
(and out on a channel); opt-outs only stop offers ("marketing-like" notices).
A person without a row has the defaults of the table (quiet 21:00 to 08:00,
Korea time, no opt-outs, no preferred channel).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
import msgspec

from foundation.problems import BadInput, InvalidInput
from i18n import N_
from onestop.programme_ids import PROGRAMME_IDS

CHANNELS: tuple[str, ...] = ("push", "sms", "voice", "letter")
UNKNOWN_PROGRAMME = N_("This is not a programme we know.")
CHOOSE_A_CHANNEL = N_("Choose one of {choices}, or leave it empty (null).")

# The fields as a request states them (api/notification_preferences.py): a programme of
# the catalog; a channel of the list.
ProgrammeId = Annotated[
    str,
    msgspec.Meta(
        # Programme ids are lower-case words joined by hyphens: nothing to escape.
        pattern="^(?:" + "|".join(PROGRAMME_IDS) + ")$",
        extra={"invalid": UNKNOWN_PROGRAMME},
    ),
]
Channel = Annotated[
    str,
    msgspec.Meta(
        pattern="^(?:" + "|".join(CHANNELS) + ")$",
        examples=["sms"],
        extra={"invalid": CHOOSE_A_CHANNEL, "params": {"choices": ", ".join(CHANNELS)}},
    ),
]
DEFAULT_QUIET_FROM = 21
DEFAULT_QUIET_UNTIL = 8


class NotificationPreferences(msgspec.Struct, frozen=True, kw_only=True):
    quiet_from: int = DEFAULT_QUIET_FROM
    quiet_until: int = DEFAULT_QUIET_UNTIL
    opted_out_programmes: list[str] = msgspec.field(default_factory=list)
    opted_out_of_offers: bool = False
    preferred_channel: str | None = None
    # None until the person first saves preferences.
    updated_at: datetime | None = None

    def changed_fields(self, other: NotificationPreferences) -> list[str]:
        names = (
            "quiet_from",
            "quiet_until",
            "opted_out_programmes",
            "opted_out_of_offers",
            "preferred_channel",
        )
        return [name for name in names if getattr(self, name) != getattr(other, name)]


def _preferences(row: asyncpg.Record) -> NotificationPreferences:
    return NotificationPreferences(
        quiet_from=row["quiet_from"],
        quiet_until=row["quiet_until"],
        opted_out_programmes=list(row["opted_out_programmes"]),
        opted_out_of_offers=row["opted_out_of_offers"],
        preferred_channel=row["preferred_channel"],
        updated_at=row["updated_at"],
    )


async def get_preferences(conn: asyncpg.Connection, person_id: int) -> NotificationPreferences:
    row = await conn.fetchrow(
        """
        SELECT quiet_from, quiet_until, opted_out_programmes, opted_out_of_offers,
               preferred_channel, updated_at
        FROM notification_preferences WHERE person_id = $1
        """,
        person_id,
    )
    return _preferences(row) if row else NotificationPreferences()


async def save_preferences(
    conn: asyncpg.Connection, person_id: int, preferences: NotificationPreferences
) -> NotificationPreferences:
    row = await conn.fetchrow(
        """
        INSERT INTO notification_preferences AS p
            (person_id, quiet_from, quiet_until, opted_out_programmes, opted_out_of_offers,
             preferred_channel, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, now())
        ON CONFLICT (person_id) DO UPDATE SET
            quiet_from = excluded.quiet_from,
            quiet_until = excluded.quiet_until,
            opted_out_programmes = excluded.opted_out_programmes,
            opted_out_of_offers = excluded.opted_out_of_offers,
            preferred_channel = excluded.preferred_channel,
            updated_at = now()
        RETURNING quiet_from, quiet_until, opted_out_programmes, opted_out_of_offers,
                  preferred_channel, updated_at
        """,
        person_id,
        preferences.quiet_from,
        preferences.quiet_until,
        preferences.opted_out_programmes,
        preferences.opted_out_of_offers,
        preferences.preferred_channel,
    )
    assert row is not None
    return _preferences(row)


def check_preferences(
    *,
    quiet_from: int,
    quiet_until: int,
    opted_out_programmes: list[str],
    preferred_channel: str | None,
) -> None:
    """New preferences as they may be kept; InvalidInput naming every wrong one."""
    wrong: list[BadInput] = []
    for name, hour in (("quiet_from", quiet_from), ("quiet_until", quiet_until)):
        if not 0 <= hour <= 23:
            wrong.append(
                BadInput(
                    name, N_("Enter a whole number from {low} to {high}."), {"low": 0, "high": 23}
                )
            )
    for index, programme_id in enumerate(opted_out_programmes):
        if programme_id not in PROGRAMME_IDS:
            wrong.append(BadInput(f"opted_out_programmes[{index}]", UNKNOWN_PROGRAMME))
    if preferred_channel is not None and preferred_channel not in CHANNELS:
        wrong.append(
            BadInput(
                "preferred_channel",
                CHOOSE_A_CHANNEL,
                {"choices": ", ".join(CHANNELS)},
            )
        )
    if wrong:
        raise InvalidInput(*wrong)


def normalized_programmes(programme_ids: list[str]) -> list[str]:
    """Each programme once, in catalog order."""
    wanted = set(programme_ids)
    return [programme_id for programme_id in PROGRAMME_IDS if programme_id in wanted]
