"""Random tokens, their hashes, and encryption of secrets at rest.

Tokens (access, refresh, recovery codes, card tokens) are random and kept only
as SHA-256: they carry enough entropy that a slow hash adds nothing. Secrets we
must read back (TOTP seeds, a code waiting in a job for its retry) are sealed
with AES-256-GCM under a versioned data key, so keys can rotate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from foundation.settings import AuthSettings


def new_token(prefix: str, nbytes: int = 32) -> str:
    """`prefix` + URL-safe random text; the prefix makes leaked tokens easy to scan for."""
    return prefix + secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def numeric_code(digits: int = 6) -> str:
    """A code of `digits` decimal digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_hash(settings: AuthSettings, challenge_key: str, code: str) -> bytes:
    """Keyed hash of a short code bound to its challenge.

    A 6-digit code has a million values: a plain hash would fall to a
    brute-force search if the table leaked; a keyed one needs the server key.
    """
    key = settings.data_keys[settings.current_data_key]
    return hmac.new(key, f"{challenge_key}:{code}".encode(), hashlib.sha256).digest()


def same_hash(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def seal(settings: AuthSettings, plaintext: bytes, context: bytes) -> bytes:
    """Encrypt with the current data key: version (1 byte) + nonce (12) + ciphertext."""
    version = settings.current_data_key
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(settings.data_keys[version]).encrypt(nonce, plaintext, context)
    return bytes([version]) + nonce + sealed


def unseal(settings: AuthSettings, blob: bytes, context: bytes) -> bytes:
    """Decrypt what `seal` produced (any data key version still configured)."""
    version, nonce, sealed = blob[0], blob[1:13], blob[13:]
    return AESGCM(settings.data_keys[version]).decrypt(nonce, sealed, context)
