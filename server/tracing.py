"""OpenTelemetry traces of the API, sent over OTLP/HTTP when an endpoint is set (the
worker's jobs: server/worker_tracing.py).

Off by default: without `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) no
middleware is added and no SDK object exists, so a request pays nothing for it. On,
Litestar's OpenTelemetry middleware opens a server span per request. It opens before
routing, so the span is renamed when the answer starts, by its route template
(`GET /v1/applications/{application_id}`, never a person's id from the path), and carries
the request id as an attribute so that a trace and the log lines of one request meet.
Spans leave in batches from a thread of the SDK; the provider flushes them when the
application stops. The exporter reads the other standard variables itself
(`OTEL_EXPORTER_OTLP_HEADERS`, `..._TIMEOUT`, `..._CERTIFICATE`); the resource reads
`OTEL_RESOURCE_ATTRIBUTES`.
"""

from __future__ import annotations

from typing import Any

from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.types import Message, Scope
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from opentelemetry.trace import Span

from foundation.log_lines import current_request_id
from foundation.metrics import UNMATCHED_ROUTE
from foundation.settings import TracingSettings

REQUEST_ID_ATTRIBUTE = "hanchang.request_id"


def _first_span_name(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The method alone: the span opens before routing, and the path may carry ids."""
    return str(scope.get("method", "HTTP")).strip() or "HTTP", {}


def name_span_by_route(message: Message, scope: Scope) -> None:
    """Once routing has run (the answer starts): `METHOD /route/{template}`.

    Litestar calls this from the request's own task, inside the server span."""
    if message["type"] != "http.response.start":
        return
    span = trace.get_current_span()
    if not span.is_recording():
        return
    route = str(scope.get("path_template") or UNMATCHED_ROUTE)
    span.update_name(f"{scope.get('method', 'HTTP')} {route}")
    span.set_attribute(HTTP_ROUTE, route)


def _tag_request_id(span: Span, _scope: dict[str, Any]) -> None:
    request_id = current_request_id()
    if request_id is not None and span.is_recording():
        span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)


def tracer_provider(settings: TracingSettings) -> TracerProvider:
    """A provider that sends its spans in batches to the settings' OTLP endpoint."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.service_name}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.traces_endpoint))
    )
    return provider


def tracing(settings: TracingSettings) -> tuple[OpenTelemetryPlugin, TracerProvider] | None:
    """The plugin to add to the app (with `name_span_by_route` before each send) and the
    provider to shut down with it; None when off."""
    if not settings.enabled:
        return None
    provider = tracer_provider(settings)
    config = OpenTelemetryConfig(
        tracer_provider=provider,
        scope_span_details_extractor=_first_span_name,
        server_request_hook_handler=_tag_request_id,
        # One span per request: the ASGI send/receive spans say nothing an operator needs.
        exclude_spans=["receive", "send"],
    )
    return OpenTelemetryPlugin(config), provider
