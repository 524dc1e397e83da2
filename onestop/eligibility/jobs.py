"""The arq job that evaluates eligibility: nightly for everyone, or for given people."""

from __future__ import annotations

from typing import Any

from onestop.eligibility.explain import korean_today
from onestop.eligibility.population import evaluate_population


async def evaluate_eligibility(
    ctx: dict[str, Any], person_ids: list[int] | None = None
) -> dict[str, Any]:
    """Evaluate every rule (for everyone, or `person_ids`) and write what changed."""
    async with ctx["pool"].acquire() as conn:
        run = await evaluate_population(conn, korean_today(), person_ids)
    return {"people": run.people, "written": run.written, "seconds": round(run.seconds, 3)}
