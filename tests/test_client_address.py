"""Where a request comes from (issue 13, finding 8): `X-Forwarded-For` counts only when the
direct peer is a trusted proxy (`HANCHANG_TRUSTED_PROXIES`, none by default).

The app runs under uvicorn on a real socket here, as `hanchang serve` runs it, so that
what the server itself makes of the header is part of the test: the peer is 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from foundation.client_address import forwarded_client
from foundation.settings import Settings, SettingsError, load_settings
from foundation.settings_values import networks
from server.embedded import free_port
from tests.support.browser import app_on_real_socket
from tests.support.environment import environment_for_tests

LIMIT = 5
# Cheap and limited per client address: no database, one Redis counter.
LIMITED = "/v1/auth/passkeys/authentication/options"


def settings_on_port(
    database_url: str, redis_url: str, data_dir: Path, port: int, **extra: str
) -> Settings:
    return load_settings(
        environment_for_tests(
            database_url,
            redis_url,
            data_dir,
            HANCHANG_PORT=str(port),
            HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE=str(LIMIT),
            **extra,
        )
    )


async def statuses(base_url: str, forwarded_for: list[str]) -> list[int]:
    """One limited call per `X-Forwarded-For` value, in order, from 127.0.0.1."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return [
            (await http.post(LIMITED, headers={"X-Forwarded-For": value})).status_code
            for value in forwarded_for
        ]


async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_on_port(database_url, redis_url, tmp_path, port)
    rotating = [f"198.51.100.{n}" for n in range(1, LIMIT + 4)]
    with app_on_real_socket(settings, port) as base_url:
        answers = await statuses(base_url, rotating)
    # Every call came from 127.0.0.1, whatever the header said: one address, one limit.
    assert answers == [200] * LIMIT + [429] * 3


async def test_a_trusted_proxy_names_the_client_by_the_rightmost_untrusted_hop(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_on_port(
        database_url, redis_url, tmp_path, port, HANCHANG_TRUSTED_PROXIES="127.0.0.1, ::1"
    )
    with app_on_real_socket(settings, port) as base_url:
        # Through the proxy, each client is limited on its own.
        rotating = await statuses(base_url, [f"198.51.100.{n}" for n in range(1, LIMIT + 4)])
        # A client that writes its own header gains nothing: the proxy appends the address
        # it saw, and that rightmost untrusted hop is the one counted.
        spoofing = await statuses(
            base_url, [f"192.0.2.{n}, 203.0.113.9" for n in range(1, LIMIT + 4)]
        )
    assert rotating == [200] * (LIMIT + 3)
    assert spoofing == [200] * LIMIT + [429] * 3


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # No trusted proxy: the peer, whatever the header says.
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),
        # Through ours: the rightmost hop that is not ours.
        ("10.0.0.2", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["192.0.2.66, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),
        # Several header lines read as one list, in order.
        ("10.0.0.2", ["192.0.2.66", "198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", ["2001:db8::1"], "2001:db8::1"),
        ("10.0.0.2", ["[2001:db8::1]:443"], "2001:db8::1"),
        # Only proxies of ours, or no header: the farthest one known.
        ("10.0.0.2", ["10.0.0.9, 10.0.0.7"], "10.0.0.9"),
        ("10.0.0.2", [], "10.0.0.2"),
        # Something that is not an address at the client's end is not believed either way.
        ("10.0.0.2", ["unknown"], "unknown"),
        ("::1", ["198.51.100.1"], "198.51.100.1"),
        # The test client's peer is a name, never a trusted proxy.
        ("testclient", ["198.51.100.1"], "testclient"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_the_client_is_the_rightmost_hop_that_is_not_a_trusted_proxy(
    peer: str | None, forwarded_for: list[str], client: str
) -> None:
    trusted = networks({"X": "10.0.0.0/8, ::1"}, "X")
    assert forwarded_client(peer, forwarded_for, trusted) == client


def test_trusted_proxies_are_a_setting_with_none_by_default(tmp_path: Path) -> None:
    base = environment_for_tests("postgresql://x/y", "redis://x/0", tmp_path)
    assert load_settings(base).http.trusted_proxies == ()
    given = load_settings({**base, "HANCHANG_TRUSTED_PROXIES": " 10.0.0.0/8 , 192.168.1.7,::1 "})
    assert [str(n) for n in given.http.trusted_proxies] == [
        "10.0.0.0/8",
        "192.168.1.7/32",
        "::1/128",
    ]
    with pytest.raises(SettingsError) as refused:
        load_settings({**base, "HANCHANG_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"})
    assert refused.value.variable == "HANCHANG_TRUSTED_PROXIES"
    assert "proxy.internal" in str(refused.value)
