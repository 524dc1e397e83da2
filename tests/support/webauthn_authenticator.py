"""A software WebAuthn authenticator (and the browser around it) for tests.

It makes real credentials: an EC P-256 key pair per passkey, attestation
objects in the "none" format, and assertions signed with ECDSA-SHA256, laid
out byte for byte as WebAuthn Level 3 §6.1 and §6.5 describe. What it returns
is what a browser's `PublicKeyCredential.toJSON()` gives, so a test sends the
same JSON the app would.

Tests can make it misbehave the ways attackers and broken devices do: another
origin, a tampered signature, a fixed signature counter, no user verification.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

# Authenticator data flags (WebAuthn §6.1).
UP = 0x01  # user present
UV = 0x04  # user verified
BE = 0x08  # backup eligible
BS = 0x10  # backed up
AT = 0x40  # attested credential data included

# COSE (RFC 9053): key type EC2, algorithm ES256, curve P-256.
COSE_KTY, COSE_ALG, COSE_CRV, COSE_X, COSE_Y = 1, 3, -1, -2, -3
KTY_EC2, ALG_ES256, CRV_P256 = 2, -7, 1


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CredentialExcluded(Exception):
    """The authenticator already holds a credential the options exclude (InvalidStateError)."""


class NoCredential(Exception):
    """The authenticator holds no passkey for this relying party (NotAllowedError)."""


@dataclass
class StoredCredential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    user_name: str
    sign_count: int = 0


@dataclass
class SoftwareAuthenticator:
    """One device holding discoverable credentials (passkeys), with its own counters."""

    origin: str
    aaguid: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    backup_eligible: bool = False
    backed_up: bool = False
    transports: tuple[str, ...] = ("internal",)
    attachment: str = "platform"
    credentials: list[StoredCredential] = field(default_factory=list)

    def _flags(self, *, user_verified: bool, attested: bool = False) -> int:
        flags = UP
        if user_verified:
            flags |= UV
        if self.backup_eligible:
            flags |= BE
        if self.backed_up:
            flags |= BS
        if attested:
            flags |= AT
        return flags

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode()

    def create(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        user_verified: bool = True,
        rp_id: str | None = None,
        credential_id: bytes | None = None,
    ) -> dict[str, Any]:
        """`navigator.credentials.create({publicKey: options})`, as JSON.

        `credential_id` makes it reuse an id (a broken or malicious authenticator).
        """
        rp_id = rp_id or options["rp"]["id"]
        excluded = {from_b64url(c["id"]) for c in options.get("excludeCredentials", [])}
        if any(c.credential_id in excluded for c in self.credentials):
            raise CredentialExcluded("this authenticator already holds a passkey for the account")
        user_handle = from_b64url(options["user"]["id"])
        # A discoverable credential replaces one for the same account on this device.
        self.credentials = [
            c for c in self.credentials if not (c.rp_id == rp_id and c.user_handle == user_handle)
        ]
        private_key = ec.generate_private_key(ec.SECP256R1())
        numbers = private_key.public_key().public_numbers()
        cose_key = cbor2.dumps(
            {
                COSE_KTY: KTY_EC2,
                COSE_ALG: ALG_ES256,
                COSE_CRV: CRV_P256,
                COSE_X: numbers.x.to_bytes(32, "big"),
                COSE_Y: numbers.y.to_bytes(32, "big"),
            }
        )
        credential_id = credential_id or secrets.token_bytes(32)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([self._flags(user_verified=user_verified, attested=True)])
            + struct.pack(">I", 0)
            + self.aaguid
            + struct.pack(">H", len(credential_id))
            + credential_id
            + cose_key
        )
        attestation_object = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data(
            "webauthn.create", options["challenge"], origin or self.origin
        )
        self.credentials.append(
            StoredCredential(
                credential_id=credential_id,
                private_key=private_key,
                rp_id=rp_id,
                user_handle=user_handle,
                user_name=options["user"]["name"],
            )
        )
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": list(self.transports),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": self.attachment,
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        user_verified: bool = True,
        sign_count: int | None = None,
        tamper_signature: bool = False,
        credential: StoredCredential | None = None,
    ) -> dict[str, Any]:
        """`navigator.credentials.get({publicKey: options})`, as JSON.

        With an empty allow list the person picks one of the device's passkeys
        (the newest here, or `credential`). `sign_count` fixes the counter the
        assertion reports; otherwise the counter goes up by one, as on a security key.
        """
        rp_id = options.get("rpId") or options.get("rp_id")
        assert isinstance(rp_id, str)
        allowed = {from_b64url(c["id"]) for c in options.get("allowCredentials", [])}
        candidates = [
            c
            for c in self.credentials
            if c.rp_id == rp_id and (not allowed or c.credential_id in allowed)
        ]
        if credential is None:
            if not candidates:
                raise NoCredential(rp_id)
            credential = candidates[-1]
        if sign_count is None:
            credential.sign_count += 1
            counter = credential.sign_count
        else:
            counter = sign_count
        auth_data = (
            hashlib.sha256(credential.rp_id.encode()).digest()
            + bytes([self._flags(user_verified=user_verified)])
            + struct.pack(">I", counter)
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin or self.origin)
        signed = auth_data + hashlib.sha256(client_data).digest()
        if tamper_signature:
            # A well-formed signature, over other bytes than the ones sent.
            signed = b"\x00" + signed
        signature = credential.private_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(credential.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": self.attachment,
        }
