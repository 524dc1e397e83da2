"""The console's routes, on two Litestar routers under `/console` (server/app.py mounts
them both):

- `CONSOLE`: every page and every JSON route of a signed-in staff member. The staff
  guard is set here once, as the router's `staff` dependency (staff_guard.py): a JSON
  route without a live session answers 401, a page sends to the sign-in page.
- `CONSOLE_SIGN_IN`: what comes before a staff session: the sign-in and enrollment
  pages and their JSON, and signing out.

On both, a write under `/console/api` is same-origin JSON (same_origin.py), and the
audit rows a request writes carry its client address (audit_address.py).
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.di import Provide

from assisted_channel.console import (
    access_report,
    acting,
    audit,
    callbacks,
    card_print,
    delegations,
    kiosks,
    pages,
    people,
    phones,
    pin,
    recovery,
    staff,
)
from assisted_channel.console.api import access_cards as access_cards_api
from assisted_channel.console.api import acting as acting_api
from assisted_channel.console.api import bank_accounts as bank_accounts_api
from assisted_channel.console.api import delegations as delegations_api
from assisted_channel.console.api import identity_checks, notices, sign_in
from assisted_channel.console.api import kiosks as kiosks_api
from assisted_channel.console.api import phones as phones_api
from assisted_channel.console.api import recovery as recovery_api
from assisted_channel.console.api import staff as staff_api
from assisted_channel.console.audit_address import record_console_address
from assisted_channel.console.same_origin import require_console_json_from_console
from assisted_channel.console.staff_guard import provide_staff, sign_in_first
from foundation.problems import Problem

PATH = "/console"

PAGES: list[Any] = [
    *pages.ROUTES,
    *people.ROUTES,
    *pin.ROUTES,
    *acting.ROUTES,
    *staff.ROUTES,
    *phones.ROUTES,
    *delegations.ROUTES,
    *audit.ROUTES,
    *recovery.ROUTES,
    *access_report.ROUTES,
    *card_print.ROUTES,
    *kiosks.ROUTES,
    *callbacks.ROUTES,
]
JSON: list[Any] = [
    *sign_in.ROUTES,
    *identity_checks.ROUTES,
    *acting_api.ROUTES,
    *bank_accounts_api.ROUTES,
    *recovery_api.ROUTES,
    *staff_api.ROUTES,
    *notices.ROUTES,
    *access_cards_api.ROUTES,
    *phones_api.ROUTES,
    *delegations_api.ROUTES,
    *kiosks_api.ROUTES,
]

CONSOLE = Router(
    path=PATH,
    route_handlers=[*PAGES, *JSON],
    dependencies={"staff": Provide(provide_staff)},
    guards=[require_console_json_from_console],
    middleware=[record_console_address],
    exception_handlers={Problem: sign_in_first},
)
CONSOLE_SIGN_IN = Router(
    path=PATH,
    route_handlers=[*pages.SIGN_IN_ROUTES, *sign_in.SIGN_IN_ROUTES],
    guards=[require_console_json_from_console],
    middleware=[record_console_address],
)
ROUTERS = [CONSOLE, CONSOLE_SIGN_IN]
