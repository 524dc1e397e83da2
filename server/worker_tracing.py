"""OpenTelemetry traces of the worker: one span per job run, when an endpoint is set.

The same switch as the API's (server/tracing.py: `OTEL_EXPORTER_OTLP_ENDPOINT`); off, the
worker's functions are arq's own and nothing of the SDK exists. On, each job function
and cron job is wrapped so that a run opens a consumer span named `job <name>` (arq's
name: `deliver_notices`, `cron:sweep_deliveries`) with the queue, the job's id and its
try. A job that raises ends its span with the error recorded (the SDK does it as the
exception leaves the span). The job's log lines carry the same job id
(foundation/log_lines.py), so a span and its lines meet. The provider sends what is left
in its batch when the worker shuts down.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

from arq import func
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from arq.worker import Function
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind, Tracer

JOB_ID_ATTRIBUTE = "hanchang.job_id"
JOB_TRY_ATTRIBUTE = "hanchang.job_try"
# OpenTelemetry's messaging conventions.
SYSTEM_ATTRIBUTE = "messaging.system"
QUEUE_ATTRIBUTE = "messaging.destination.name"


def _traced(name: str, queue: str, coroutine: WorkerCoroutine, tracer: Tracer) -> WorkerCoroutine:
    @functools.wraps(coroutine)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        attributes: dict[str, str | int] = {
            SYSTEM_ATTRIBUTE: "arq",
            QUEUE_ATTRIBUTE: queue,
            JOB_ID_ATTRIBUTE: str(ctx.get("job_id", "")),
            JOB_TRY_ATTRIBUTE: int(ctx.get("job_try") or 1),
        }
        with tracer.start_as_current_span(
            f"job {name}", kind=SpanKind.CONSUMER, attributes=attributes
        ):
            return await coroutine(ctx, *args, **kwargs)

    return run


def traced_jobs(
    functions: Sequence[Function | WorkerCoroutine],
    crons: Sequence[CronJob],
    queue: str,
    provider: TracerProvider,
) -> tuple[list[Function], list[CronJob]]:
    """The worker's functions and cron jobs, each run inside its own span."""
    tracer = provider.get_tracer("hanchang.worker")
    wrapped = []
    for function in functions:
        job = function if isinstance(function, Function) else func(function)
        wrapped.append(
            dataclasses.replace(job, coroutine=_traced(job.name, queue, job.coroutine, tracer))
        )
    wrapped_crons = [
        dataclasses.replace(job, coroutine=_traced(job.name, queue, job.coroutine, tracer))
        for job in crons
    ]
    return wrapped, wrapped_crons
