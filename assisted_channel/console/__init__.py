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
    delegations,
    pages,
    people,
    phones,
    pin,
    recovery,
    staff,
)

ROUTES = [
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
