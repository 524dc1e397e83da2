"""OpenTelemetry traces: sent over OTLP/HTTP to the endpoint the standard variable names,
one server span per request named by its route, one consumer span per job run; nothing
of it when the variable is unset."""

from __future__ import annotations

from pathlib import Path

from litestar.plugins.opentelemetry import OpenTelemetryPlugin
from litestar.testing import AsyncTestClient

from foundation.jobs import BULK_QUEUE
from foundation.settings import load_settings
from server.app import create_app
from server.worker import CRON_JOBS, JOB_FUNCTIONS, worker_settings
from tests.support.environment import environment_for_tests
from tests.support.factories import run_jobs
from tests.support.fakes.otlp import attributes_of, fake_collector
from tests.support.notice_delivery import enqueue


async def test_a_request_sends_a_span_named_by_its_route(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    with fake_collector() as collector:
        settings = load_settings(
            environment_for_tests(
                database_url,
                redis_url,
                tmp_path,
                OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
                OTEL_SERVICE_NAME="hanchang-api-test",
            )
        )
        async with AsyncTestClient(app=create_app(settings)) as client:
            answer = await client.get("/v1/applications/7", headers={"X-Request-Id": "span-1"})
            assert answer.status_code == 401
        # Leaving the client stops the app, which sends the spans still in the batch.
        spans = collector.spans()

    assert collector.content_types == ["application/x-protobuf"] * len(collector.requests)
    assert collector.service_names() == {"hanchang-api-test"}
    (span,) = [s for s in spans if attributes_of(s).get("hanchang.request_id") == "span-1"]
    assert span.name == "GET /v1/applications/{application_id}"
    assert span.kind == span.SPAN_KIND_SERVER
    attributes = attributes_of(span)
    assert attributes["http.route"] == "/v1/applications/{application_id}"
    assert 401 in (attributes.get("http.status_code"), attributes.get("http.response.status_code"))


async def test_each_job_run_sends_a_span_named_by_its_job(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The worker's side: a span per job run, with its queue, id and try; a job that fails
    ends its span in error. Nothing of it without the variable (the same switch)."""
    with fake_collector() as collector:
        settings = load_settings(
            environment_for_tests(
                database_url,
                redis_url,
                tmp_path,
                OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
                OTEL_SERVICE_NAME="hanchang-worker-test",
            )
        )
        await enqueue(settings, "sweep_deliveries")
        # No such notices: the job runs and finds nothing to deliver.
        await enqueue(settings, "deliver_notices", [])
        # Wrong arguments: the job raises.
        await enqueue(settings, "person_facts_changed", "not a list of people")
        await run_jobs(settings, max_tries=1)
        spans = collector.spans()

    assert collector.service_names() == {"hanchang-worker-test"}
    by_name = {span.name: span for span in spans}
    assert {"job sweep_deliveries", "job deliver_notices", "job person_facts_changed"} <= set(
        by_name
    )
    sweep = by_name["job sweep_deliveries"]
    assert sweep.kind == sweep.SPAN_KIND_CONSUMER
    attributes = attributes_of(sweep)
    assert attributes["messaging.system"] == "arq"
    assert attributes["messaging.destination.name"] == BULK_QUEUE
    assert attributes["hanchang.job_try"] == 1 and attributes["hanchang.job_id"]
    assert sweep.status.code != sweep.status.STATUS_CODE_ERROR
    failed = by_name["job person_facts_changed"]
    assert failed.status.code == failed.status.STATUS_CODE_ERROR


def test_without_an_endpoint_the_worker_runs_arqs_own_functions(tmp_path: Path) -> None:
    settings = load_settings(environment_for_tests("postgresql://x/y", "redis://x/0", tmp_path))
    options = worker_settings(settings)
    assert options["functions"] == JOB_FUNCTIONS and options["cron_jobs"] == CRON_JOBS


def test_no_endpoint_no_tracing(database_url: str, redis_url: str, tmp_path: Path) -> None:
    settings = load_settings(environment_for_tests(database_url, redis_url, tmp_path))
    assert not settings.tracing.enabled
    app = create_app(settings)
    assert not [plugin for plugin in app.plugins if isinstance(plugin, OpenTelemetryPlugin)]
    assert not app.before_send


def test_the_standard_variables_name_the_endpoint(tmp_path: Path) -> None:
    def endpoint(**env: str) -> str:
        return load_settings(
            environment_for_tests("postgresql://x/y", "redis://x/0", tmp_path, **env)
        ).tracing.traces_endpoint

    assert endpoint(OTEL_EXPORTER_OTLP_ENDPOINT="http://otel:4318/") == "http://otel:4318/v1/traces"
    assert (
        endpoint(
            OTEL_EXPORTER_OTLP_ENDPOINT="http://otel:4318",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="https://traces.example/in",
        )
        == "https://traces.example/in"
    )
    assert endpoint(OTEL_EXPORTER_OTLP_ENDPOINT="http://otel:4318", OTEL_SDK_DISABLED="true") == ""
    assert endpoint() == ""
