"""The kiosk's service pages on one router under the kiosk's (so its guard checks every
request's device signature): benefits and applying, applications and receipts, notices,
documents by consent and who viewed my data. Each needs a session opened at this kiosk,
given as `acting`, the session the core's use cases take; refusals are friendly pages."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from foundation.problems import InvalidInput, Problem
from kiosk import applications, benefits, documents, notices
from kiosk.services_pages import invalid_input_page, provide_acting, refused_page, stylesheet

SERVICES = Router(
    path="/",
    route_handlers=[
        stylesheet,
        *benefits.ROUTES,
        *applications.ROUTES,
        *notices.ROUTES,
        *documents.ROUTES,
    ],
    dependencies={"acting": Provide(provide_acting)},
    exception_handlers={Problem: refused_page, InvalidInput: invalid_input_page},
)
