"""The public status page (`/status`, `/status.json`) and the screen-load beacons it shows."""

from typing import Any

from api.status import routes, telemetry

ROUTES: list[Any] = [*routes.ROUTES, *telemetry.ROUTES]

__all__ = ["ROUTES"]
