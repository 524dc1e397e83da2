"""The phone line (ARS): calls to the ministry's number, and our calls back. A channel of
its own, with its own router (routes.py), calling the same core as every channel."""

from __future__ import annotations

from assisted_channel.phone.routes import PHONE_LINE

ROUTERS = [PHONE_LINE]

__all__ = ["ROUTERS"]
