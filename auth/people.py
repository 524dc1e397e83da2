"""The master person registry: people, their standard person key, their phone of record.

A person is identified across systems by the standard person key: HMAC-SHA256
of the resident (or alien) registration number under a server secret. The
number is used for the HMAC and thrown away: it is never stored or logged
(개인정보 보호법 제24조의2). Keys carry their version so the secret can rotate.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import asyncpg
import msgspec
import phonenumbers

from foundation.problems import BadInput, InvalidInput
from foundation.settings import PersonKeySettings
from i18n import N_


class InvalidRegistrationNumber(ValueError):
    pass


class InvalidPhoneNumber(ValueError):
    pass


LIKE_A_MOBILE = N_("Enter a phone number like 010-1234-5678.")
# Where a landline is welcome (the phone line's registered numbers), the example is one.
LIKE_A_LANDLINE = N_("Enter a phone number like 02-1234-5678.")


class Person(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    birth_date: date
    phone_e164: str | None
    region_code: str
    preferred_language: str
    has_smartphone: bool
    deceased_on: date | None

    @property
    def is_deceased(self) -> bool:
        return self.deceased_on is not None


def normalize_registration_number(text: str) -> str:
    """13 digits of a resident or alien registration number (hyphen and spaces allowed).

    The 7th digit is the century-and-sex code: 1-4 for citizens, 5-8 for
    foreign residents, 9 and 0 for people born in the 1800s. The check digit
    is not verified: numbers issued since October 2020 do not follow it.
    """
    digits = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        raise InvalidRegistrationNumber("a registration number has 13 digits")
    month, day = int(digits[2:4]), int(digits[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise InvalidRegistrationNumber("the first six digits are the birth date (YYMMDD)")
    return digits


def person_key(
    keys: PersonKeySettings, registration_number: str, version: int | None = None
) -> bytes:
    """The standard person key of a registration number under key `version` (default: current)."""
    secret = keys.keys[keys.current_version if version is None else version]
    digits = normalize_registration_number(registration_number)
    return hmac.new(secret, digits.encode("ascii"), hashlib.sha256).digest()


def parse_phone(text: str, default_region: str = "KR") -> str:
    """A phone number in Korean national form (010-1234-5678) or E.164, as E.164."""
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(text) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def checked_phone(text: str, name: str, *, landline: bool = False) -> str:
    """A typed phone number as E.164; InvalidInput naming the input `name` otherwise.

    The one rule for a number a person or a clerk types, on every channel."""
    try:
        return parse_phone(text)
    except InvalidPhoneNumber:
        example = LIKE_A_LANDLINE if landline else LIKE_A_MOBILE
        raise InvalidInput(BadInput(name, example)) from None


def mask_phone(e164: str) -> str:
    """For logs and audit rows: never a whole number (+821012345678 -> +8210****5678)."""
    return e164[:5] + "*" * max(len(e164) - 9, 0) + e164[-4:]


# Korean mobile numbers (010, 011, 016-019): SMS reaches these, not landlines.
_MOBILE_PREFIXES = ("+8210", "+8211", "+8216", "+8217", "+8218", "+8219")


def is_mobile_number(e164: str | None) -> bool:
    """Whether a text message can reach this number (a Korean mobile, not a landline)."""
    return bool(e164 and e164.startswith(_MOBILE_PREFIXES))


def mask_phone_for_display(e164: str) -> str:
    """For a screen the person reads: their number as they know it, the middle hidden
    (+821012345678 -> 010-****-5678)."""
    try:
        national = phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        return mask_phone(e164)
    groups = national.split("-")
    if len(groups) != 3:
        return mask_phone(e164)
    return "-".join((groups[0], "*" * len(groups[1]), groups[2]))


_PERSON_COLUMNS = (
    "id, name, birth_date, phone_e164, region_code, preferred_language, has_smartphone, deceased_on"
)


def _person(row: asyncpg.Record) -> Person:
    return Person(**dict(row))


async def insert_person(
    conn: asyncpg.Connection,
    keys: PersonKeySettings,
    *,
    registration_number: str,
    name: str,
    birth_date: date,
    phone_e164: str | None,
    region_code: str,
    preferred_language: str = "ko",
    has_smartphone: bool = True,
) -> Person:
    row = await conn.fetchrow(
        f"""
        INSERT INTO people (person_key, person_key_version, name, birth_date, phone_e164,
                            region_code, preferred_language, has_smartphone)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING {_PERSON_COLUMNS}
        """,
        person_key(keys, registration_number),
        keys.current_version,
        name,
        birth_date,
        phone_e164,
        region_code,
        preferred_language,
        has_smartphone,
    )
    assert row is not None
    return _person(row)


async def get_person(conn: asyncpg.Connection, person_id: int) -> Person | None:
    row = await conn.fetchrow(f"SELECT {_PERSON_COLUMNS} FROM people WHERE id = $1", person_id)
    return _person(row) if row else None


async def find_person_by_registration_number(
    conn: asyncpg.Connection, keys: PersonKeySettings, registration_number: str
) -> Person | None:
    """Look a person up by number under every live key version (and retired keys)."""
    candidates = [
        (version, person_key(keys, registration_number, version)) for version in keys.keys
    ]
    row = await conn.fetchrow(
        f"""
        SELECT {_PERSON_COLUMNS} FROM people
        WHERE (person_key_version, person_key) IN (SELECT * FROM unnest($1::smallint[], $2::bytea[]))
        UNION ALL
        SELECT {", ".join("p." + c.strip() for c in _PERSON_COLUMNS.split(","))}
        FROM person_key_history h JOIN people p ON p.id = h.person_id
        WHERE (h.person_key_version, h.person_key) IN (SELECT * FROM unnest($1::smallint[], $2::bytea[]))
        LIMIT 1
        """,
        [version for version, _ in candidates],
        [key for _, key in candidates],
    )
    return _person(row) if row else None


async def find_people_by_name_and_birth_date(
    conn: asyncpg.Connection, name: str, birth_date: date
) -> list[Person]:
    rows = await conn.fetch(
        f"SELECT {_PERSON_COLUMNS} FROM people WHERE name = $1 AND birth_date = $2 ORDER BY id LIMIT 20",
        name,
        birth_date,
    )
    return [_person(row) for row in rows]


async def mark_deceased(conn: asyncpg.Connection, person_id: int, on: date) -> None:
    """Record a death reported by the registry; sessions end and notices stop (later issues)."""
    await conn.execute(
        "UPDATE people SET deceased_on = $2, updated_at = now() WHERE id = $1", person_id, on
    )


async def rekey_person(
    conn: asyncpg.Connection,
    keys: PersonKeySettings,
    person_id: int,
    registration_number: str,
    reason: str,
) -> None:
    """Move a person to a new key (rotation or a changed number); the old key stays findable."""
    await conn.execute(
        """
        INSERT INTO person_key_history (person_id, person_key, person_key_version, reason)
        SELECT id, person_key, person_key_version, $2 FROM people WHERE id = $1
        """,
        person_id,
        reason,
    )
    await conn.execute(
        "UPDATE people SET person_key = $2, person_key_version = $3, updated_at = now() WHERE id = $1",
        person_id,
        person_key(keys, registration_number),
        keys.current_version,
    )
