"""The kiosk at a job centre: its router at `/kiosk` (every request signed by the kiosk's
own device key, enrolled with a one-time code; see routes.py) and its page templates
(`TEMPLATES`, served as `kiosk/...`)."""

from __future__ import annotations

from kiosk.render import TEMPLATE_LOADER as TEMPLATES
from kiosk.routes import KIOSK

ROUTERS = [KIOSK]

__all__ = ["ROUTERS", "TEMPLATES"]
