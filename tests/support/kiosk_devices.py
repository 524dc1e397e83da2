"""A kiosk device for tests: a key pair of either algorithm that signs requests exactly as
the kiosk's service worker does (kiosk/static/sw.js, auth/kiosk_signatures.py), and the
steps around it: an enrolment code, enrolling, signed requests through the test client."""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import asyncpg
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from litestar import Litestar
from litestar.testing import AsyncTestClient

from auth import b64url, issue_enrolment_code, signed_string

Client = AsyncTestClient[Litestar]
ALGORITHMS = ("Ed25519", "ES256")


class KioskKey:
    """The kiosk browser's key pair, and its kiosk id once enrolled."""

    def __init__(self, algorithm: str = "Ed25519") -> None:
        self.algorithm = algorithm
        self.private: ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey = (
            ed25519.Ed25519PrivateKey.generate()
            if algorithm == "Ed25519"
            else ec.generate_private_key(ec.SECP256R1())
        )
        self.kiosk_id: int | None = None

    @property
    def public_key(self) -> bytes:
        """SubjectPublicKeyInfo, DER: what WebCrypto's exportKey("spki") gives."""
        return self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, message: bytes) -> bytes:
        if isinstance(self.private, ed25519.Ed25519PrivateKey):
            return self.private.sign(message)
        r, s = decode_dss_signature(self.private.sign(message, ec.ECDSA(hashes.SHA256())))
        # As WebCrypto gives it: r || s (IEEE P1363).
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def headers(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        kiosk_id: int | None = None,
    ) -> dict[str, str]:
        """The four headers the service worker adds to a request."""
        kiosk = str(kiosk_id if kiosk_id is not None else self.kiosk_id)
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or b64url(secrets.token_bytes(16))
        message = signed_string(
            method=method, target=target, body=body, timestamp=stamp, nonce=nonce, kiosk_id=kiosk
        )
        return {
            "X-Kiosk-Id": kiosk,
            "X-Kiosk-Timestamp": stamp,
            "X-Kiosk-Nonce": nonce,
            "X-Kiosk-Signature": b64url(self.sign(message)),
        }


async def enrolment_code(
    owner_conn: asyncpg.Connection, *, office: str = "busan", location: str = "1층 입구"
) -> str:
    async with owner_conn.transaction():
        issued = await issue_enrolment_code(
            owner_conn, office_code=office, location=location, actor="staff:1", channel="cli"
        )
    return issued.code


async def enrol(client: Client, key: KioskKey, code: str) -> Any:
    """Register the key with the code as the enrolment page does."""
    answer = await client.post(
        "/kiosk/enrol",
        json={"code": code, "algorithm": key.algorithm, "public_key": b64url(key.public_key)},
    )
    if answer.status_code == 201:
        key.kiosk_id = answer.json()["kiosk_id"]
    return answer


async def enrolled_kiosk(
    client: Client, owner_conn: asyncpg.Connection, algorithm: str = "Ed25519", **where: str
) -> KioskKey:
    key = KioskKey(algorithm)
    answer = await enrol(client, key, await enrolment_code(owner_conn, **where))
    assert answer.status_code == 201, answer.text
    return key


async def signed_get(client: Client, key: KioskKey, target: str, **headers: str) -> Any:
    return await client.get(
        target, headers={"Accept": "text/html", **key.headers("GET", target), **headers}
    )


async def signed_post_form(
    client: Client, key: KioskKey, target: str, form: dict[str, str], **headers: str
) -> Any:
    """A plain form post, signed over its urlencoded body (redirects not followed)."""
    body = urlencode(form).encode()
    return await client.post(
        target,
        content=body,
        headers={
            "Accept": "text/html",
            "Content-Type": "application/x-www-form-urlencoded",
            **key.headers("POST", target, body),
            **headers,
        },
        follow_redirects=False,
    )
