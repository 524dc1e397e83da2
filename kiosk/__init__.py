"""The kiosk at a job centre: its routes (today the card's JSON under `/v1/auth/card`;
the kiosk's own pages are planned), exported to server/app.py as `ROUTES`. Kiosks are
enrolled with `hanchang kiosk enroll`."""

from __future__ import annotations

from typing import Any

from kiosk import card_sign_in, card_unlock

ROUTES: list[Any] = [*card_sign_in.ROUTES, *card_unlock.ROUTES]

__all__ = ["ROUTES"]
