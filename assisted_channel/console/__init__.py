"""The staff console (`/console`): the counter's server-rendered pages and their JSON
(`/console/api`), one channel with its own routers (routes.py).

Korean by default (`?lang=en`), usable by keyboard alone, every form guarded by an
anti-forgery token, every JSON write same-origin. The pages and the JSON hold no rule:
both call the core functions.
"""

from __future__ import annotations

from assisted_channel.console.routes import ROUTERS

__all__ = ["ROUTERS"]
