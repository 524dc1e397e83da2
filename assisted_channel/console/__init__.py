"""The staff console's pages (`/console`): server-rendered HTML for the counter.

Korean by default (`?lang=en`), usable by keyboard alone, every form guarded by an
anti-forgery token. The pages hold no rule: each calls the core function the
console's JSON API calls.
"""

from __future__ import annotations

from assisted_channel.console import (
    access_report,
    acting,
    audit,
    card_print,
    delegations,
    pages,
    people,
    phones,
    pin,
    recovery,
    staff,
)
from assisted_channel.console.api import (
    access_cards as access_cards_api,
)
from assisted_channel.console.api import (
    acting as acting_api,
)
from assisted_channel.console.api import (
    delegations as delegations_api,
)
from assisted_channel.console.api import (
    identity_checks,
    notices,
    sign_in,
)
from assisted_channel.console.api import (
    phones as phones_api,
)
from assisted_channel.console.api import (
    recovery as recovery_api,
)
from assisted_channel.console.api import (
    staff as staff_api,
)

ROUTES = [
    *sign_in.ROUTES,
    *identity_checks.ROUTES,
    *acting_api.ROUTES,
    *recovery_api.ROUTES,
    *staff_api.ROUTES,
    *notices.ROUTES,
    *access_cards_api.ROUTES,
    *card_print.ROUTES,
    *phones_api.ROUTES,
    *delegations_api.ROUTES,
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
]

__all__ = ["ROUTES"]
