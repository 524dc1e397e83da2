"""The browser's WebAuthn JSON (`PublicKeyCredential.toJSON()`), as msgspec Structs."""

from __future__ import annotations

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
