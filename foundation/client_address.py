"""The client address of a request: the one answer every limit and log uses.

A request comes from its direct peer. Only when that peer is one of our own reverse
proxies (`HANCHANG_TRUSTED_PROXIES`, none by default) does `X-Forwarded-For` say more,
and then only its right-hand end can be believed: each proxy appends the address it
saw, while everything to the left came from the client, who can write anything there.
So the client is the rightmost hop that is not a trusted proxy.

`hanchang serve` runs uvicorn with its own proxy-header handling off (server/cli.py),
so the ASGI peer is the real TCP peer and this is the only place the header is read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection

from foundation.settings_values import Network

UNKNOWN = "unknown"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(text: str, trusted: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in trusted)


def forwarded_client(
    peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]
) -> str:
    """The client's address, from the direct peer and the `X-Forwarded-For` values."""
    if not peer:
        return UNKNOWN
    if not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            address = _address(hop)
            return str(address) if address is not None else hop
    # Every hop is one of ours (or there is no header): the farthest one we know of.
    return hops[0] if hops else peer


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Where this request comes from, by the trusted-proxy setting."""
    trusted: tuple[Network, ...] = connection.app.state.settings.http.trusted_proxies
    peer = connection.client.host if connection.client else None
    return forwarded_client(peer, connection.headers.getall("x-forwarded-for", []), trusted)
