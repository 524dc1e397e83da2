"""`POST /v1/telemetry/screen-loads`: how long screens took to load in the app and kiosks.

Batched beacons, checked whole (a bad item refuses the batch, with every bad
field named), limited per client address, and stored only as sums per menu,
channel and minute: no account, no device id, no address is kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from redis.asyncio import Redis

from auth import enforce
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import VALIDATION_ERROR, FieldError, Problem, problem_responses
from i18n import N_, translate
from service_status import MENU_IDS, ScreenLoadRecord, record_screen_loads

MAX_BATCH = 100
MAX_LOAD_MS = 120_000
OLDEST = timedelta(hours=24)
# Phones' clocks run a little fast or slow; a beacon this far ahead is still now.
CLOCK_SKEW = timedelta(minutes=2)
BATCHES_PER_ADDRESS_PER_MINUTE = 30
MAX_BODY_BYTES = 64 * 1024


# Sizes and ranges are checked in `_check`, which says what is wrong in the caller's words;
# the OpenAPI document states them too (`extra_json_schema`, which msgspec does not check).
class ScreenLoad(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    menu: Annotated[
        str,
        msgspec.Meta(
            examples=["sign-in"],
            description="A menu id from /status.json",
            extra_json_schema={"enum": sorted(MENU_IDS)},
        ),
    ]
    load_ms: Annotated[
        float,
        msgspec.Meta(
            description="From the tap to a finished screen, 0 < load_ms <= 120000",
            extra_json_schema={"exclusiveMinimum": 0, "maximum": MAX_LOAD_MS},
        ),
    ]
    channel: Literal["app", "kiosk"]
    occurred_at: Annotated[datetime, msgspec.Meta(description="With a time zone")]


class ScreenLoadBatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    loads: Annotated[
        list[ScreenLoad],
        msgspec.Meta(
            description="1 to 100 screen loads",
            extra_json_schema={"minItems": 1, "maxItems": MAX_BATCH},
        ),
    ]


class ScreenLoadsAccepted(msgspec.Struct, kw_only=True):
    accepted: int


def _check(batch: ScreenLoadBatch, now: datetime, locale: str) -> list[FieldError]:
    if not 1 <= len(batch.loads) <= MAX_BATCH:
        return [
            FieldError(
                field="body.loads",
                detail=translate(
                    locale, N_("Send 1 to {count} screen loads in a batch."), count=MAX_BATCH
                ),
            )
        ]
    errors: list[FieldError] = []
    for index, load in enumerate(batch.loads):
        where = f"body.loads[{index}]"
        if not 0 < load.load_ms <= MAX_LOAD_MS:
            errors.append(
                FieldError(
                    field=f"{where}.load_ms",
                    detail=translate(
                        locale,
                        N_("Enter a load time of more than 0 and at most {most} milliseconds."),
                        most=f"{MAX_LOAD_MS:,}",
                    ),
                )
            )
        if load.menu not in MENU_IDS:
            errors.append(
                FieldError(
                    field=f"{where}.menu",
                    detail=translate(locale, N_("Use one of the menu ids in /status.json.")),
                )
            )
        if load.occurred_at.tzinfo is None:
            errors.append(
                FieldError(
                    field=f"{where}.occurred_at",
                    detail=translate(
                        locale,
                        N_("Give the time with its time zone, like 2026-11-25T09:30:00+09:00."),
                    ),
                )
            )
        elif load.occurred_at > now + CLOCK_SKEW:
            errors.append(
                FieldError(
                    field=f"{where}.occurred_at",
                    detail=translate(locale, N_("This time is in the future.")),
                )
            )
        elif load.occurred_at < now - OLDEST:
            errors.append(
                FieldError(
                    field=f"{where}.occurred_at",
                    detail=translate(
                        locale, N_("Send screen loads within 24 hours of when they happened.")
                    ),
                )
            )
    return errors


@post(
    "/v1/telemetry/screen-loads",
    status_code=202,
    tags=["telemetry"],
    summary="Report screen load times (app and kiosk)",
    description=(
        "Up to 100 screen loads per batch, each with a menu id from `/status.json`, the load "
        "time in milliseconds (up to 120,000), the channel and when it happened (with a time "
        "zone; not in the future, not older than 24 hours). Send nothing that identifies a "
        "person: unknown fields are refused. At most 30 batches a minute per client address."
    ),
    responses=problem_responses(400, 413, 429),
    request_max_body_size=MAX_BODY_BYTES,
)
async def screen_loads(
    data: JSONBody[ScreenLoadBatch],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[Redis],
) -> ScreenLoadsAccepted:
    locale = request_locale(request)
    await enforce(
        queue,
        request.app.state.settings.auth,
        "screen-loads-ip",
        client_address(request),
        limit=BATCHES_PER_ADDRESS_PER_MINUTE,
        window_s=60,
    )
    now = datetime.now(UTC)
    errors = _check(data, now, locale)
    if errors:
        raise Problem(VALIDATION_ERROR, errors=errors)
    await record_screen_loads(
        tx.conn,
        [
            ScreenLoadRecord(
                menu=load.menu,
                channel=load.channel,
                load_ms=load.load_ms,
                # A beacon from a clock running a little fast counts in the current minute.
                occurred_at=min(load.occurred_at, now),
            )
            for load in data.loads
        ],
    )
    return ScreenLoadsAccepted(accepted=len(data.loads))


ROUTES: list[Any] = [screen_loads]
