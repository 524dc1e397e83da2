"""Menus: the services a person recognises, mapped from the routes that serve them.

The public status page reports per menu, not per route. A route belongs to the
menu whose prefix matches it longest (a prefix matches itself and everything
under it after a `/`); a pattern with a method beats one without at the same
length. Routes in no menu (health checks, the API schema, the status page
itself, developer pages) are not reported.

Menus whose routes do not exist yet are listed with the prefixes their routes
are expected under, so that they light up when the routes arrive; until then
the page says they have no traffic yet. A test checks that every route the app
serves is in a menu or named in `NOT_A_MENU`.
"""

from __future__ import annotations

import functools

import msgspec

from i18n import N_

# The pseudo-menu of incidents that readiness (PostgreSQL, Redis) opens for everything.
ALL_SERVICES = "all"


class RoutePattern(msgspec.Struct, frozen=True):
    prefix: str
    # Empty: any method.
    method: str = ""

    def matches(self, method: str, route: str) -> bool:
        if self.method and self.method != method:
            return False
        return route == self.prefix or route.startswith(self.prefix + "/")


class Menu(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    # English message ids, shown in the reader's language.
    name: str
    description: str
    patterns: tuple[RoutePattern, ...]


def _any(*prefixes: str) -> tuple[RoutePattern, ...]:
    return tuple(RoutePattern(prefix) for prefix in prefixes)


MENUS: tuple[Menu, ...] = (
    Menu(
        id="sign-in",
        name=N_("Sign-in"),
        description=N_(
            "Signing up and signing in with a passkey, an app code, an SMS code or a PIN."
        ),
        patterns=_any("/v1/auth"),
    ),
    Menu(
        id="my-account",
        name=N_("My account"),
        description=N_("Your account, sessions, passkeys, PIN and recovery codes."),
        patterns=_any("/v1/me"),
    ),
    Menu(
        id="my-benefits",
        name=N_("My benefits"),
        description=N_("Benefits you can get, found for you."),
        patterns=_any(
            "/v1/services",
            "/v1/benefits",
            "/v1/me/benefits",
            "/v1/me/eligibility",
            "/v1/eligibility",
            # Acting for someone: their benefits and notices (auth/delegations.py).
            "/v1/people",
        ),
    ),
    Menu(
        id="apply",
        name=N_("Apply"),
        description=N_("Applying for a benefit."),
        patterns=(
            RoutePattern("/v1/applications", "POST"),
            RoutePattern("/v1/me/applications", "POST"),
        ),
    ),
    Menu(
        id="application-status",
        name=N_("Application status"),
        description=N_("Where your applications are."),
        patterns=_any("/v1/applications", "/v1/me/applications"),
    ),
    Menu(
        id="documents",
        name=N_("Documents by consent"),
        description=N_("Approving an agency to look up a document, instead of paper."),
        patterns=_any(
            "/v1/consents",
            "/v1/me/consents",
            "/v1/documents",
            "/v1/me/documents",
            "/v1/me/data-access",
        ),
    ),
    Menu(
        id="inbox",
        name=N_("Inbox"),
        description=N_("Notices the ministry sent you."),
        patterns=_any("/v1/inbox", "/v1/me/inbox", "/v1/me/notifications"),
    ),
    Menu(
        id="kiosk",
        name=N_("Kiosk pages"),
        description=N_("The kiosks at job centres."),
        patterns=_any("/kiosk", "/v1/kiosk"),
    ),
    Menu(
        id="phone-line",
        name=N_("Phone line"),
        description=N_("The automated phone line."),
        patterns=_any("/webhooks/twilio", "/phone"),
    ),
    Menu(
        id="open-api",
        name=N_("Open API"),
        description=N_("Services for partners and AI agents (Open API and Open MCP)."),
        patterns=_any("/v1/open", "/v1/partners", "/oauth", "/mcp"),
    ),
    Menu(
        id="staff-console",
        name=N_("Staff console"),
        description=N_("The console job centre staff use at the counter."),
        patterns=_any("/console"),
    ),
)

MENU_IDS: frozenset[str] = frozenset(menu.id for menu in MENUS)
MENUS_BY_ID: dict[str, Menu] = {menu.id: menu for menu in MENUS}

# Route prefixes deliberately in no menu: they are plumbing, not services.
NOT_A_MENU: tuple[str, ...] = (
    "/healthz",
    "/readyz",
    "/problems",
    "/schema",
    "/dev",
    "/status",
    "/status.json",
    "/v1/telemetry",
    # The pages' web fonts (foundation/fonts).
    "/fonts",
    # Operator plumbing (data-quality report, ...), not a citizen service.
    "/v1/admin",
    "/metrics",
)


def _flattened() -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (menu.id, pattern.method, pattern.prefix) for menu in MENUS for pattern in menu.patterns
    )


PATTERN_ROWS = _flattened()


def pattern_arrays() -> tuple[list[str], list[str], list[str]]:
    """The menu table as three parallel arrays (menu, method, prefix) for SQL `unnest`."""
    return (
        [menu for menu, _, _ in PATTERN_ROWS],
        [method for _, method, _ in PATTERN_ROWS],
        [prefix for _, _, prefix in PATTERN_ROWS],
    )


@functools.lru_cache(maxsize=4096)
def menu_of(method: str, route: str) -> str | None:
    """The menu a route template belongs to, or None (SQL does the same, see figures.py)."""
    best: tuple[int, int, str] | None = None
    for menu, pattern_method, prefix in PATTERN_ROWS:
        if not RoutePattern(prefix, pattern_method).matches(method, route):
            continue
        rank = (len(prefix), 1 if pattern_method else 0, menu)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


def is_plumbing(route: str) -> bool:
    return any(route == prefix or route.startswith(prefix + "/") for prefix in NOT_A_MENU)
