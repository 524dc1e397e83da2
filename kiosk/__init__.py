"""The kiosk at a job centre: its router at `/kiosk` (pages signed by the kiosk's own
device key, enrolled with a one-time code; see routes.py), its page templates
(`TEMPLATES`, served as `kiosk/...`), and, until the pages take them over, the card's
JSON under `/v1/auth/card` (`ROUTES`)."""

from __future__ import annotations

from typing import Any

from kiosk import card_sign_in, card_unlock
from kiosk.render import TEMPLATE_LOADER as TEMPLATES
from kiosk.routes import KIOSK

ROUTES: list[Any] = [*card_sign_in.ROUTES, *card_unlock.ROUTES]
ROUTERS = [KIOSK]

__all__ = ["ROUTERS", "ROUTES", "TEMPLATES"]
