"""The public status page (`/status`, `/status.json`) and the screen-load beacons it shows;
its page template folder (`TEMPLATES`, served as `status/...`)."""

from typing import Any

from api.status import routes, telemetry
from api.status.page import TEMPLATES

ROUTES: list[Any] = [*routes.ROUTES, *telemetry.ROUTES]

__all__ = ["ROUTES", "TEMPLATES"]
