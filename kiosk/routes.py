"""The kiosk channel's router at `/kiosk`: its guard checks the device signature of every
request (device_guard.py) except what enrolment needs; its refusals are kiosk pages
(render.py). Other kiosk pages are added to `ROUTE_HANDLERS` here."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide

from foundation.problems import Problem
from kiosk import enrolment, home
from kiosk.device_guard import provide_kiosk, require_signed_kiosk
from kiosk.render import problem_page

PATH = "/kiosk"

ROUTE_HANDLERS: list[Any] = [*enrolment.ROUTES, *home.ROUTES]

KIOSK = Router(
    path=PATH,
    route_handlers=ROUTE_HANDLERS,
    guards=[require_signed_kiosk],
    dependencies={"kiosk": Provide(provide_kiosk, sync_to_thread=False)},
    exception_handlers={Problem: problem_page},
)
