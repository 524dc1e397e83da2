"""Operator plumbing: counts of notices, deliveries and devices (`/v1/admin/notifications`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import get
from litestar.di import NamedDependency

from api.admin_data_quality import OPERATOR
from api.auth_guard import require_operator
from foundation.db import Transaction
from foundation.problems import problem_responses
from notifications.admin_counts import (
    DeliveryCount,
    DeviceCount,
    NoticeCount,
    count_deliveries,
    count_devices,
    count_notices,
)


class NotificationCounts(msgspec.Struct, kw_only=True):
    counted_at: datetime
    notices: list[NoticeCount]
    deliveries: list[DeliveryCount]
    devices: list[DeviceCount]


@get(
    "/v1/admin/notifications",
    tags=["operators"],
    guards=[require_operator],
    security=OPERATOR,
    summary="Counts of notices, deliveries and push devices (operators only)",
    responses=problem_responses(401),
    description=(
        "`notices`: per programme (null for account notices), kind and state (`pending`, "
        "`sending`, `sent`, `delivered`, `failed`, `inbox_only`). `deliveries`: per programme, "
        "channel (`push`, `sms`, `voice`, `letter`) and state (`created`, `sending`, `sent`, "
        "`delivered`, `temporary_failure`, `permanent_failure`, `technical_failure`, "
        "`ambiguous`). `devices`: `live`, and retired ones by reason (`removed`, "
        "`unregistered`, `replaced`). Counts only, no people. Only combinations that occur "
        "are listed."
    ),
)
async def admin_notifications(tx: NamedDependency[Transaction]) -> NotificationCounts:
    return NotificationCounts(
        counted_at=datetime.now(UTC),
        notices=await count_notices(tx.conn),
        deliveries=await count_deliveries(tx.conn),
        devices=await count_devices(tx.conn),
    )


ROUTES: list[Any] = [admin_notifications]
