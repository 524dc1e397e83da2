"""Job centres as people reach them: the office that serves a person's region, its phone
number and opening hours (for the phone line's transfer), and the call-backs people ask
its staff for (queued for the office, listed on its console)."""

from __future__ import annotations

from onestop.offices.hours import (
    CallbackWindow,
    Office,
    callback_windows,
    is_open,
    office_by_code,
    office_serving,
)
from onestop.offices.staff_callbacks import (
    StaffCallbackRequest,
    mark_staff_callback_done,
    office_staff_callbacks,
    request_staff_callback,
)

__all__ = [
    "CallbackWindow",
    "Office",
    "StaffCallbackRequest",
    "callback_windows",
    "is_open",
    "mark_staff_callback_done",
    "office_by_code",
    "office_serving",
    "office_staff_callbacks",
    "request_staff_callback",
]
