"""Kiosk devices: one-time enrolment codes, enrolling a kiosk's own public key, retiring,
listing an office's kiosks.

A kiosk is a managed browser pointed at `/kiosk`. An administrator issues an enrolment
code for an office and a location (at the console or with `hanchang kiosk code`): random,
kept only as SHA-256, good once within 24 hours. At the kiosk the code is typed on the
enrolment page, whose script makes a key pair that cannot leave the browser (WebCrypto,
non-extractable; Ed25519 where the browser offers it, else ECDSA P-256) and registers
the public key with the code. From then on the kiosk's service worker signs every
request (auth/kiosk_signatures.py). Retiring a kiosk stops its signatures at once and
ends the sessions opened at it.

Every enrolment, refused enrolment and retirement is audited.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import asyncpg
import msgspec
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_der_public_key

from auth.kiosk_device_store import (
    EnrolmentCode,
    KioskDevice,
    get_kiosk_device,
    insert_enrolment_code,
    insert_kiosk_device,
    list_kiosk_devices,
    mark_kiosk_device_retired,
    office_exists,
    revoke_kiosk_sessions,
    take_enrolment_code,
)
from auth.secrets import token_hash
from auth.staff.notices import tell_office_of_help_call
from foundation.audit import record_audit
from foundation.problems import BadInput, InvalidInput, Problem, problem_kind
from i18n import N_

CODE_LIFETIME = timedelta(hours=24)
# Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits
LOCATION_MAX_LENGTH = 64
ALGORITHMS = ("Ed25519", "ES256")
PUBLIC_KEY_MAX_BYTES = 200

KIOSK_ENROLMENT_REFUSED = problem_kind(
    "kiosk-enrolment-refused",
    400,
    N_("This enrolment code does not work"),
    N_(
        "The code is wrong, was already used, or is more than 24 hours old. "
        "Ask an administrator of the job centre for a new code."
    ),
)
BAD_LOCATION = N_("Enter where the kiosk stands, 1 to {count} characters.")
UNKNOWN_OFFICE = N_("There is no job centre with this code.")
BAD_PUBLIC_KEY = N_("The kiosk's key is not an Ed25519 or P-256 public key.")
KIOSK_NOT_FOUND = N_("There is no kiosk with this number.")


class IssuedEnrolmentCode(msgspec.Struct, frozen=True, kw_only=True):
    enrolment: EnrolmentCode
    # Shown once, to be typed on the kiosk: only its hash is kept.
    code: str


def new_enrolment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_enrolment_code(typed: str) -> str:
    """What was typed, as issued: upper case, in groups of 4; the look-alikes read as digits."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    raw = raw.translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _clean_location(location: str) -> str:
    location = location.strip()
    if not 1 <= len(location) <= LOCATION_MAX_LENGTH or not location.isprintable():
        raise InvalidInput(BadInput("location", BAD_LOCATION, {"count": LOCATION_MAX_LENGTH}))
    return location


async def issue_enrolment_code(
    conn: asyncpg.Connection,
    *,
    office_code: str,
    location: str,
    actor: str,
    channel: str,
) -> IssuedEnrolmentCode:
    """A one-time code that enrols one kiosk at `office_code`, `location`, within 24 hours."""
    location = _clean_location(location)
    if not await office_exists(conn, office_code):
        raise InvalidInput(BadInput("office", UNKNOWN_OFFICE))
    code = new_enrolment_code()
    enrolment = await insert_enrolment_code(
        conn,
        code_hash=token_hash(code),
        office_code=office_code,
        location=location,
        issued_by=actor,
        lifetime=CODE_LIFETIME,
    )
    await record_audit(
        conn,
        actor=actor,
        action="kiosk.enrolment_code.issued",
        subject=f"kiosk-code:{enrolment.id}",
        office=office_code,
        channel=channel,
        details={"location": location, "expires_at": enrolment.expires_at.isoformat()},
    )
    return IssuedEnrolmentCode(enrolment=enrolment, code=code)


def load_kiosk_public_key(
    algorithm: str, public_key: bytes
) -> ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey:
    """The key from its SubjectPublicKeyInfo (DER), when it is of `algorithm`."""
    bad = InvalidInput(BadInput("public_key", BAD_PUBLIC_KEY))
    if algorithm not in ALGORITHMS or not 0 < len(public_key) <= PUBLIC_KEY_MAX_BYTES:
        raise bad
    try:
        key = load_der_public_key(public_key)
    except (ValueError, UnsupportedAlgorithm):
        raise bad from None
    if algorithm == "Ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if (
        algorithm == "ES256"
        and isinstance(key, ec.EllipticCurvePublicKey)
        and isinstance(key.curve, ec.SECP256R1)
    ):
        return key
    raise bad


async def enrol_kiosk(
    conn: asyncpg.Connection,
    *,
    code: str,
    algorithm: str,
    public_key: bytes,
    address: str | None = None,
) -> KioskDevice:
    """The kiosk with this public key, at the code's office and location; the code is spent."""
    load_kiosk_public_key(algorithm, public_key)
    enrolment = await take_enrolment_code(conn, token_hash(normalise_enrolment_code(code)))
    if enrolment is None:
        await record_audit(
            conn,
            actor="anonymous",
            action="kiosk.enrolment_refused",
            channel="kiosk",
            details={"address": address},
        )
        raise Problem(KIOSK_ENROLMENT_REFUSED, commit_first=True)
    kiosk = await insert_kiosk_device(
        conn, code=enrolment, public_key=public_key, key_algorithm=algorithm
    )
    await record_audit(
        conn,
        actor=enrolment.issued_by,
        action="kiosk.enrolled",
        subject=f"kiosk:{kiosk.id}",
        office=kiosk.office_code,
        channel="kiosk",
        details={
            "location": kiosk.location,
            "algorithm": algorithm,
            "code": enrolment.id,
            "address": address,
        },
    )
    return kiosk


async def retire_kiosk_device(
    conn: asyncpg.Connection,
    kiosk_id: int,
    *,
    actor: str,
    channel: str,
    office_code: str | None = None,
) -> KioskDevice:
    """Its signatures are refused from now on and its open sessions end. With
    `office_code` (an administrator at the console), only a kiosk of that office."""
    found = await get_kiosk_device(conn, kiosk_id)
    if found is None or (office_code is not None and found.office_code != office_code):
        raise InvalidInput(BadInput("kiosk_id", KIOSK_NOT_FOUND))
    kiosk = await mark_kiosk_device_retired(conn, kiosk_id, actor)
    assert kiosk is not None
    ended = await revoke_kiosk_sessions(conn, kiosk.id, "kiosk_retired")
    await record_audit(
        conn,
        actor=actor,
        action="kiosk.retired",
        subject=f"kiosk:{kiosk.id}",
        office=kiosk.office_code,
        channel=channel,
        details={"sessions_ended": ended},
    )
    return kiosk


async def office_kiosks(conn: asyncpg.Connection, office_code: str | None) -> list[KioskDevice]:
    """The kiosks of an office (every office's with None), retired ones included."""
    return await list_kiosk_devices(conn, office_code)


async def call_staff_to_kiosk(conn: asyncpg.Connection, kiosk: KioskDevice) -> int:
    """A person at `kiosk` pressed "call staff" (the law asks for a way to get help): the
    staff of its office see it on their console. How many were told now (0 when the kiosk
    called moments ago and nobody has answered yet: they were told then)."""
    told = await tell_office_of_help_call(conn, kiosk_id=kiosk.id, office_code=kiosk.office_code)
    await record_audit(
        conn,
        actor=f"kiosk:{kiosk.id}",
        action="kiosk.help_called",
        subject=f"kiosk:{kiosk.id}",
        office=kiosk.office_code,
        channel="kiosk",
        details={"told": len(told)},
    )
    return len(told)
