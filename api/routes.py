"""Every JSON API route, collected for the app (one line per feature module)."""

from __future__ import annotations

from typing import Any

from api import auth_sessions, auth_sms, dev
from api.health import healthz, readyz
from api.problems import problem_page

ROUTE_HANDLERS: list[Any] = [
    healthz,
    readyz,
    problem_page,
    *auth_sms.ROUTES,
    *auth_sessions.ROUTES,
    *dev.ROUTES,
]
