"""The composition root: builds the Litestar application from settings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import jinja2
from arq.connections import ArqRedis
from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig

from api.auth_guard import provide_session
from api.openapi_ui import SWAGGER_ASSETS, SWAGGER_PAGE
from api.routes import ROUTE_HANDLERS
from assisted_channel.console import ROUTERS as CONSOLE_ROUTERS
from assisted_channel.console.render import TEMPLATE_LOADER as CONSOLE_TEMPLATES
from assisted_channel.phone import ROUTERS as PHONE_ROUTERS
from foundation import db
from foundation.allowed_methods import answer_options
from foundation.errors import handle_exception
from foundation.fonts import FONT_FILES
from foundation.metrics import RequestMetrics
from foundation.request_guard import MAX_BODY_BYTES, guard_request
from foundation.request_trail import observe_requests
from foundation.settings import Settings, get_settings
from kiosk import ROUTERS as KIOSK_ROUTERS
from kiosk import TEMPLATES as KIOSK_TEMPLATES
from server.openapi_truth import TrueJsonRenderPlugin, TruePage
from server.tracing import name_span_by_route, tracing
from service_status import SnapshotStore, snapshot_path
from status_page import ROUTES as STATUS_PAGE_ROUTES
from status_page import TEMPLATES as STATUS_TEMPLATES

API_VERSION = "0.1.0"

# One template engine for every channel's pages (Litestar takes one): each channel's
# template folder under its own prefix (`console/pin.html`, `kiosk/home.html`,
# `status/page.html`).
# Autoescaped, and strict about undefined names.
TEMPLATE_CONFIG = TemplateConfig(
    instance=JinjaTemplateEngine.from_environment(
        jinja2.Environment(
            loader=jinja2.PrefixLoader(
                {"console": CONSOLE_TEMPLATES, "kiosk": KIOSK_TEMPLATES, "status": STATUS_TEMPLATES}
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
    )
)


async def provide_transaction(state: State) -> AsyncGenerator[db.Transaction, None]:
    """One transaction per request: committed when the handler returns, rolled back if it raises.

    At most `HANCHANG_API_CONCURRENCY` requests hold one at once (the pool has that many
    connections and two for background work, so none waits for a connection); more
    wait their turn, up to the acquire timeout, then get 503."""
    async with db.request_slot(state.request_slots), db.transaction(state.pool) as tx:
        yield tx


async def before_route(request: Request[Any, Any, Any]) -> Response[None] | None:
    """Before every route: inputs that would reach a server error are refused, then an
    `OPTIONS` request is answered with every method of its path."""
    await guard_request(request)
    return answer_options(request)


def provide_queue(state: State) -> ArqRedis:
    queue: ArqRedis = state.redis
    return queue


def create_app(
    settings: Settings | None = None, *, extra_route_handlers: Sequence[Any] = ()
) -> Litestar:
    """The application. `extra_route_handlers` lets tests exercise plumbing through real routes."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        app.state.settings = settings
        app.state.pool = await db.create_pool(settings.database)
        app.state.request_slots = db.RequestSlots(
            settings.http.concurrency, settings.database.acquire_timeout_s
        )
        # Connects lazily: the API starts (and /readyz says why not ready) while Redis is away.
        # A Redis that is gone or frozen fails a request within these, never hangs it.
        app.state.redis = ArqRedis.from_url(
            settings.redis.url,
            socket_connect_timeout=settings.redis.connect_timeout_s,
            socket_timeout=settings.redis.timeout_s,
        )
        # The status page's last figures, served while PostgreSQL is away.
        app.state.status_snapshots = SnapshotStore(snapshot_path(settings.data_dir))
        flusher: asyncio.Task[None] | None = None
        if metrics is not None:
            flusher = asyncio.create_task(
                metrics.run_flusher(app.state.pool, settings.metrics.flush_interval_s)
            )
        try:
            yield
        finally:
            if flusher is not None:
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher
            await app.state.redis.aclose()
            await app.state.pool.close()
            if traced is not None:
                # Send the spans still waiting in the batch (blocking: the SDK's own thread).
                await asyncio.to_thread(traced[1].shutdown)

    metrics = RequestMetrics() if settings.metrics.enabled else None
    traced = tracing(settings.tracing)
    route_handlers: list[Any] = [
        *ROUTE_HANDLERS,
        SWAGGER_ASSETS,
        # The web fonts every channel's pages use (`/fonts/...`, foundation/fonts).
        FONT_FILES,
        *STATUS_PAGE_ROUTES,
        *KIOSK_ROUTERS,
        *CONSOLE_ROUTERS,
        *PHONE_ROUTERS,
        *extra_route_handlers,
    ]
    app = Litestar(
        route_handlers=route_handlers,
        lifespan=[lifespan],
        dependencies={
            "tx": Provide(provide_transaction),
            "queue": Provide(provide_queue, sync_to_thread=False),
            "session": Provide(provide_session),
        },
        exception_handlers={Exception: handle_exception},
        plugins=[traced[0]] if traced is not None else [],
        before_send=[name_span_by_route] if traced is not None else [],
        # Inputs that would reach a server error are refused before any route parses them.
        before_request=before_route,
        request_max_body_size=MAX_BODY_BYTES,
        template_config=TEMPLATE_CONFIG,
        openapi_config=OpenAPIConfig(
            title="Hanchang API",
            version=API_VERSION,
            description=(
                "One-stop citizen services of the Ministry of Employment and Labor. "
                "Every error is RFC 9457 application/problem+json, in the language of "
                "Accept-Language (Korean by default, English available), and carries "
                "`request_id`, the same as the `X-Request-Id` header of every response "
                "(sent with a request, an id of at most 64 of `A-Z a-z 0-9 . _ -` is kept)."
            ),
            path="/schema",
            render_plugins=[TrueJsonRenderPlugin(), TruePage(SWAGGER_PAGE)],
            tags=[
                Tag(name="sign-in", description="The single ID: sign-up and every way to sign in"),
                Tag(name="sessions", description="Tokens and sessions"),
                Tag(name="account", description="The signed-in account and its authenticators"),
                Tag(name="passkeys", description="Passkeys (WebAuthn): register, sign in, manage"),
                Tag(name="totp", description="Authenticator apps (TOTP)"),
                Tag(
                    name="pin", description="The one PIN for the app, the kiosk and the phone line"
                ),
                Tag(name="recovery", description="One-time recovery codes"),
                Tag(
                    name="documents",
                    description="Documents by consent (열람승인): consents, your documents, "
                    "who looked at your data",
                ),
                Tag(
                    name="benefits",
                    description="The benefit catalog and eligibility, explained per criterion",
                ),
                Tag(name="services", description="The benefit catalog (public)"),
                Tag(
                    name="notifications",
                    description="Push devices, the inbox of notices, notification preferences",
                ),
                Tag(name="webhooks", description="Callbacks from providers (Twilio), signed"),
                Tag(name="health", description="Liveness and readiness"),
                Tag(name="operators", description="Operator plumbing, with the operator token"),
                Tag(
                    name="staff",
                    description="The staff console's sign-in: enrollment, staff passkeys, "
                    "the `hanchang_staff` session cookie",
                ),
            ],
            security=[],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An access token from a sign-in (`access_token`), 15 minutes.",
                    ),
                    "operator": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="The operator token (`HANCHANG_OPERATOR_TOKEN`).",
                    ),
                }
            ),
        ),
        debug=False,
        # Logging is the process's (server/cli.py: JSON lines or text, with request ids);
        # Litestar's default would put its own handler and format on the root logger.
        logging_config=None,
    )
    app.state.metrics = metrics
    # Outermost: every request's id, access line and metrics, the traced ones included.
    app.asgi_handler = observe_requests(app.asgi_handler, metrics)
    return app
