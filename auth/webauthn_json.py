"""The browser's WebAuthn JSON (`PublicKeyCredential.toJSON()`), as msgspec Structs, and the
challenges we answer it with (for the app's passkeys and the staff's alike)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

NAME_MAX_LENGTH = 60

# The browser's JSON: base64url without padding (WebAuthn Level 3 §5.1, toJSON()).
Base64Url = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]*={0,2}$", max_length=65_536)]
CredentialId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9_-]+={0,2}$",
        min_length=1,
        # A credential id is at most 1023 bytes (WebAuthn §4).
        max_length=1_364,
        examples=["AbQsj5qfPBbjnm0W5I6mHikyJx2h9D1RHRxzrZBR4Ts"],
    ),
]
PasskeyName = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        # At least one visible character, no control characters.
        pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        examples=["내 휴대폰"],
    ),
]


class AttestationResponseJSON(msgspec.Struct, kw_only=True):
    client_data_json: Base64Url = msgspec.field(name="clientDataJSON")
    attestation_object: Base64Url = msgspec.field(name="attestationObject")
    transports: list[Annotated[str, msgspec.Meta(max_length=32)]] | None = None


class RegistrationCredentialJSON(msgspec.Struct, kw_only=True):
    """What `navigator.credentials.create()` answers, as JSON (`PublicKeyCredential.toJSON()`)."""

    id: CredentialId
    raw_id: CredentialId = msgspec.field(name="rawId")
    type: Literal["public-key"]
    response: AttestationResponseJSON
    authenticator_attachment: str | None = msgspec.field(
        name="authenticatorAttachment", default=None
    )
    client_extension_results: dict[str, Any] = msgspec.field(
        name="clientExtensionResults", default_factory=dict
    )


class AssertionResponseJSON(msgspec.Struct, kw_only=True):
    client_data_json: Base64Url = msgspec.field(name="clientDataJSON")
    authenticator_data: Base64Url = msgspec.field(name="authenticatorData")
    signature: Base64Url
    user_handle: Base64Url | None = msgspec.field(name="userHandle", default=None)


class AuthenticationCredentialJSON(msgspec.Struct, kw_only=True):
    """What `navigator.credentials.get()` answers, as JSON (`PublicKeyCredential.toJSON()`)."""

    id: CredentialId
    raw_id: CredentialId = msgspec.field(name="rawId")
    type: Literal["public-key"]
    response: AssertionResponseJSON
    authenticator_attachment: str | None = msgspec.field(
        name="authenticatorAttachment", default=None
    )
    client_extension_results: dict[str, Any] = msgspec.field(
        name="clientExtensionResults", default_factory=dict
    )


ChallengeId = Annotated[
    uuid.UUID, msgspec.Meta(examples=[uuid.UUID("5f0c7a52-8d1e-4c57-9a43-2f6b8e1d0c9a")])
]

# Real values, made by the software authenticator in tests/ for rp id hanchang.moel.go.kr.
CREATION_OPTIONS_EXAMPLE: dict[str, Any] = {
    "rp": {"name": "한 창구", "id": "hanchang.moel.go.kr"},
    "user": {
        "id": "ERERERERERERERERERERERERERERERERERERERERERE",
        "name": "김*나 ·5678",
        "displayName": "김하나",
    },
    "challenge": "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI",
    "pubKeyCredParams": [
        {"type": "public-key", "alg": -8},
        {"type": "public-key", "alg": -7},
        {"type": "public-key", "alg": -257},
    ],
    "timeout": 300000,
    "excludeCredentials": [],
    "authenticatorSelection": {
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "required",
    },
    "attestation": "none",
}
REQUEST_OPTIONS_EXAMPLE: dict[str, Any] = {
    "challenge": "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM",
    "timeout": 300000,
    "rpId": "hanchang.moel.go.kr",
    "allowCredentials": [],
    "userVerification": "required",
}
REGISTRATION_EXAMPLE: dict[str, Any] = {
    "id": "Aw-iF10tI5ZEiFWre3jbQVMbJd6kpUKyoUaQGcaF-lQ",
    "rawId": "Aw-iF10tI5ZEiFWre3jbQVMbJd6kpUKyoUaQGcaF-lQ",
    "type": "public-key",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiSWlJaUlpSWlJaUlpSWlJaUlpSWlJaUlpSWlJaUlpSWlJaUlpSWlJaUlpSSIsIm9yaWdpbiI6Imh0dHBzOi8vaGFuY2hhbmcubW9lbC5nby5rciIsImNyb3NzT3JpZ2luIjpmYWxzZX0",
        "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikDpKfNc9HaCzSaGyGazQYaTh_T7_37sQos3-dHo0z_RlFAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAMPohddLSOWRIhVq3t420FTGyXepKVCsqFGkBnGhfpUpQECAyYgASFYIMSZWLES3yE1vQ56C3y-e4R38QTfoOuYANHfB6uzN5SSIlgg74-oVcHfdhr7wBcwY5cjb5IwdjZKS2bTLTjdpunf20Q",
        "transports": ["internal", "hybrid"],
    },
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
}
AUTHENTICATION_EXAMPLE: dict[str, Any] = {
    "id": "Aw-iF10tI5ZEiFWre3jbQVMbJd6kpUKyoUaQGcaF-lQ",
    "rawId": "Aw-iF10tI5ZEiFWre3jbQVMbJd6kpUKyoUaQGcaF-lQ",
    "type": "public-key",
    "response": {
        "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiTXpNek16TXpNek16TXpNek16TXpNek16TXpNek16TXpNek16TXpNek16TSIsIm9yaWdpbiI6Imh0dHBzOi8vaGFuY2hhbmcubW9lbC5nby5rciIsImNyb3NzT3JpZ2luIjpmYWxzZX0",
        "authenticatorData": "DpKfNc9HaCzSaGyGazQYaTh_T7_37sQos3-dHo0z_RkFAAAAAQ",
        "signature": "MEYCIQDs7BVy4Dp3l_d4NwSMiRs_yVWNtH-vB4m6AfP1m1qOzQIhANtlKQs0uzlMsaXof4SITUQreDL_ZuwV80x75mYDyvSl",
        "userHandle": "ERERERERERERERERERERERERERERERERERERERERERE",
    },
    "authenticatorAttachment": "platform",
    "clientExtensionResults": {},
}


class RegistrationChallenge(msgspec.Struct, kw_only=True):
    """Answer `options` with `navigator.credentials.create` (binary fields in base64url)."""

    challenge_id: ChallengeId
    options: Annotated[dict[str, Any], msgspec.Meta(examples=[CREATION_OPTIONS_EXAMPLE])]


class AuthenticationChallenge(msgspec.Struct, kw_only=True):
    """Answer `options` with `navigator.credentials.get` (binary fields in base64url)."""

    challenge_id: ChallengeId
    options: Annotated[dict[str, Any], msgspec.Meta(examples=[REQUEST_OPTIONS_EXAMPLE])]
