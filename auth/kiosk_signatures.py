"""Every request of an enrolled kiosk is signed by its device key; this checks it.

The kiosk's service worker (kiosk/static/sw.js) adds four headers to every request
under `/kiosk`:

- `X-Kiosk-Id`: the kiosk's number, from its enrolment;
- `X-Kiosk-Timestamp`: the time of signing, whole seconds since 1970-01-01 UTC;
- `X-Kiosk-Nonce`: 16 to 64 characters of `A-Z a-z 0-9 _ -`, new for every request;
- `X-Kiosk-Signature`: the signature, base64url without padding.

The signed string is these seven lines, joined by a line feed (no final one), UTF-8:

    hanchang-kiosk-v1
    <method, upper case>            POST
    <path with query, as sent>      /kiosk/sign-in?lang=en   (no `?` when there is none)
    <SHA-256 of the body>           base64url without padding (of the empty body too)
    <timestamp>                     1765094400
    <nonce>                         q3X0cV9yZ2F0aG9tZQ
    <kiosk id>                      42

signed with Ed25519, or with ECDSA P-256 over SHA-256 (`ES256`). WebCrypto gives an
ECDSA signature as r || s, 32 bytes each (IEEE P1363); it is converted to DER for
`cryptography`. The server digests the body it received itself.

Refused, with the one `kiosk-not-enrolled` answer whatever the reason (the reason goes
in the audit row only): missing or malformed headers, an unknown or retired kiosk, a
timestamp more than 60 s from the server's clock, a signature that does not verify, a
nonce this kiosk used before (kept in Redis with `SET NX` longer than the window, so a
replay within the window is caught and one after it is stale). The nonce is recorded
only once the signature verifies, so nobody can spend a kiosk's nonces for it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time

import asyncpg
import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from redis.asyncio import Redis

from auth.kiosk_device_store import KioskDevice, get_kiosk_device
from auth.kiosk_devices import load_kiosk_public_key
from foundation.audit import record_audit
from foundation.problems import InvalidInput, Problem, problem_kind
from i18n import N_

SIGNATURE_VERSION = "hanchang-kiosk-v1"
KIOSK_ID_HEADER = "X-Kiosk-Id"
TIMESTAMP_HEADER = "X-Kiosk-Timestamp"
NONCE_HEADER = "X-Kiosk-Nonce"
SIGNATURE_HEADER = "X-Kiosk-Signature"
MAX_CLOCK_SKEW_S = 60
# Longer than the whole window a timestamp is accepted in (60 s either side).
NONCE_TTL_S = 3 * MAX_CLOCK_SKEW_S
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_DIGITS = re.compile(r"^[0-9]{1,19}$")

KIOSK_NOT_ENROLLED = problem_kind(
    "kiosk-not-enrolled",
    401,
    N_("This kiosk is not enrolled"),
    N_("This kiosk cannot be used right now. Please ask a member of staff for help."),
)


class SignedRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A request as the server received it: what the signature covers, and its headers."""

    method: str
    target: str  # the path with its query, as sent
    body: bytes
    kiosk_id: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def body_digest(body: bytes) -> str:
    return b64url(hashlib.sha256(body).digest())


def signed_string(
    *, method: str, target: str, body: bytes, timestamp: str, nonce: str, kiosk_id: str
) -> bytes:
    """The exact bytes a kiosk signs (see the module's docstring)."""
    lines = (SIGNATURE_VERSION, method.upper(), target, body_digest(body), timestamp, nonce)
    return "\n".join((*lines, kiosk_id)).encode()


def signature_verifies(kiosk: KioskDevice, message: bytes, signature: bytes) -> bool:
    if kiosk.public_key is None or kiosk.key_algorithm is None:
        return False
    try:
        key = load_kiosk_public_key(kiosk.key_algorithm, kiosk.public_key)
    except InvalidInput:
        return False
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64:
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        else:
            key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


async def _refuse(
    conn: asyncpg.Connection,
    signed: SignedRequest,
    reason: str,
    kiosk: KioskDevice | None,
    address: str | None,
) -> Problem:
    await record_audit(
        conn,
        actor="anonymous",
        action="kiosk.signature_refused",
        subject=f"kiosk:{kiosk.id}" if kiosk is not None else None,
        office=kiosk.office_code if kiosk is not None else None,
        channel="kiosk",
        details={
            "reason": reason,
            "method": signed.method,
            "path": signed.target.split("?", 1)[0][:200],
            "address": address,
        },
    )
    return Problem(KIOSK_NOT_ENROLLED, commit_first=True)


async def verify_kiosk_request(
    conn: asyncpg.Connection,
    redis: Redis,
    signed: SignedRequest,
    *,
    address: str | None = None,
    now: float | None = None,
    retired_too: bool = False,
) -> KioskDevice:
    """The live kiosk that signed this request, or Problem(KIOSK_NOT_ENROLLED), audited.

    `retired_too`: a retired kiosk's request whose signature verifies is returned (its
    `retired_at` set) instead of refused, for the one route that must answer it: the
    replay of an application queued offline, refused there and the person told."""
    kiosk_id, timestamp, nonce = signed.kiosk_id, signed.timestamp, signed.nonce
    if kiosk_id is None or timestamp is None or nonce is None or signed.signature is None:
        raise await _refuse(conn, signed, "missing", None, address)
    try:
        signature = _from_b64url(signed.signature)
    except (binascii.Error, ValueError):
        signature = b""
    if not (_DIGITS.match(kiosk_id) and _DIGITS.match(timestamp) and _NONCE.match(nonce)):
        raise await _refuse(conn, signed, "malformed", None, address)
    if not signature:
        raise await _refuse(conn, signed, "malformed", None, address)
    kiosk = await get_kiosk_device(conn, int(kiosk_id)) if int(kiosk_id) < 2**63 else None
    if kiosk is None:
        raise await _refuse(conn, signed, "unknown_kiosk", None, address)
    if kiosk.retired_at is not None and not retired_too:
        raise await _refuse(conn, signed, "retired", kiosk, address)
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_CLOCK_SKEW_S:
        raise await _refuse(conn, signed, "stale", kiosk, address)
    message = signed_string(
        method=signed.method,
        target=signed.target,
        body=signed.body,
        timestamp=timestamp,
        nonce=nonce,
        kiosk_id=kiosk_id,
    )
    if not signature_verifies(kiosk, message, signature):
        raise await _refuse(conn, signed, "forged", kiosk, address)
    if not await redis.set(f"kiosk-nonce:{kiosk.id}:{nonce}", b"1", nx=True, ex=NONCE_TTL_S):
        raise await _refuse(conn, signed, "replayed", kiosk, address)
    return kiosk
