"""The kiosk channel's router at `/kiosk`: its guard checks the device signature of every
request (device_guard.py) except what enrolment needs; its refusals are kiosk pages
(render.py). Its dependencies: `kiosk` (the verified kiosk) and `person` (the session
opened at this kiosk, sign_in.py). Other kiosk pages are added to `ROUTE_HANDLERS` here."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide

from foundation.problems import Problem
from kiosk import (
    card_unlock,
    enrolment,
    first_pin,
    home,
    offline,
    services,
    shell,
    sign_in,
    sign_in_sms,
)
from kiosk.device_guard import provide_kiosk, require_signed_kiosk
from kiosk.render import problem_page, unexpected_page
from kiosk.sign_in import provide_kiosk_session

PATH = "/kiosk"

ROUTE_HANDLERS: list[Any] = [
    *enrolment.ROUTES,
    *home.ROUTES,
    *sign_in.ROUTES,
    *card_unlock.ROUTES,
    services.SERVICES,
    *sign_in_sms.ROUTES,
    *first_pin.ROUTES,
    *shell.ROUTES,
    *offline.ROUTES,
]

KIOSK = Router(
    path=PATH,
    route_handlers=ROUTE_HANDLERS,
    guards=[require_signed_kiosk],
    dependencies={
        "kiosk": Provide(provide_kiosk, sync_to_thread=False),
        # The person signed in at this kiosk, for the pages that need one.
        "person": Provide(provide_kiosk_session),
    },
    exception_handlers={Problem: problem_page, Exception: unexpected_page},
)
