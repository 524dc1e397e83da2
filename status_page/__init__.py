"""The public status page (`/status`, `/status.json`) and the screen-load beacons it shows;
its page template folder (`TEMPLATES`, served as `status/...`)."""

from typing import Any

from status_page import routes, telemetry
from status_page.page import TEMPLATES

ROUTES: list[Any] = [*routes.ROUTES, *telemetry.ROUTES]

__all__ = ["ROUTES", "TEMPLATES"]
