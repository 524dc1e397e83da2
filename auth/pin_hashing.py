"""Hashing the PIN: argon2id under a keyed pepper.

argon2id with RFC 9106's second recommended parameters (argon2-cffi's
RFC_9106_LOW_MEMORY: 64 MiB, 3 passes, 4 lanes, 16-byte salt). A 6-digit PIN
has only a million values, so no hash alone survives a leaked table; the PIN is
first keyed with HMAC-SHA256 under the data key (a pepper), and the stored text
names the key version (`k1$argon2id$...`) so the key can rotate: a PIN under an
old version or old parameters is rehashed at its next correct entry. At most
four hashes run at once per process (64 MiB each), off the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from foundation.settings import AuthSettings

log = logging.getLogger(__name__)

_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# Its own threads: a burst of PIN checks waits here, not in the default executor
# that DNS lookups and other `to_thread` work share.
_hash_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="argon2")


def _pepper(settings: AuthSettings, version: int, pin: str) -> bytes:
    return hmac.new(settings.data_keys[version], b"pin:" + pin.encode(), hashlib.sha256).digest()


def _verify_now(phc: str, secret: bytes) -> bool:
    try:
        return _hasher.verify(phc, secret)
    except VerifyMismatchError:
        return False
    except (InvalidHashError, VerificationError):
        log.error("a stored PIN hash cannot be read")
        return False


async def hash_pin(settings: AuthSettings, pin: str) -> str:
    version = settings.current_data_key
    loop = asyncio.get_running_loop()
    phc = await loop.run_in_executor(_hash_pool, _hasher.hash, _pepper(settings, version, pin))
    return f"k{version}{phc}"


async def pin_matches(settings: AuthSettings, stored: str, pin: str) -> tuple[bool, bool]:
    """(whether `pin` is the PIN `stored` holds, whether `stored` should be rehashed)."""
    version_text, _, rest = stored.partition("$")
    version = int(version_text[1:]) if version_text[1:].isdigit() else -1
    if version not in settings.data_keys:
        log.error("a stored PIN hash names data key version %s, which is not configured", version)
        return False, False
    phc = "$" + rest
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_hash_pool, _verify_now, phc, _pepper(settings, version, pin))
    stale = version != settings.current_data_key or _hasher.check_needs_rehash(phc)
    return ok, ok and stale


_decoy_hash: str | None = None


async def spend_a_pin_check(settings: AuthSettings, pin: str) -> None:
    """As long as a real PIN check, so that the time taken tells nothing (no such
    person, no PIN set)."""
    global _decoy_hash
    if _decoy_hash is None:
        _decoy_hash = await hash_pin(settings, "000000")
    await pin_matches(settings, _decoy_hash, pin)
