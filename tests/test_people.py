"""The master person registry: keys, numbers never stored, phones in E.164."""

from __future__ import annotations

import base64
from datetime import date

import asyncpg
import pytest

from auth import (
    InvalidPhoneNumber,
    InvalidRegistrationNumber,
    find_people_by_name_and_birth_date,
    find_person_by_registration_number,
    insert_person,
    mark_deceased,
    mask_phone,
    normalize_registration_number,
    parse_phone,
    person_key,
    rekey_person,
)
from foundation.settings import Settings, parse_person_keys

RRN = "900101-1234567"


def test_registration_numbers_are_checked() -> None:
    assert normalize_registration_number("900101-1234567") == "9001011234567"
    for bad in ("900101-123456", "901301-1234567", "9001011234567x", "９００１０１１２３４５６７"):
        with pytest.raises(InvalidRegistrationNumber):
            normalize_registration_number(bad)


def test_phones_become_e164() -> None:
    assert parse_phone("010-1234-5678") == "+821012345678"
    assert parse_phone("+82 10 1234 5678") == "+821012345678"
    assert parse_phone("02-2100-1234") == "+82221001234"
    for bad in ("1234", "010-12", "not a phone"):
        with pytest.raises(InvalidPhoneNumber):
            parse_phone(bad)
    assert mask_phone("+821012345678") == "+8210****5678"


def test_person_key_depends_on_secret_and_version(settings: Settings) -> None:
    key = person_key(settings.person_key, RRN)
    assert len(key) == 32
    assert key == person_key(settings.person_key, "9001011234567")
    other = parse_person_keys("1:" + base64.b64encode(b"x" * 32).decode())
    assert person_key(other, RRN) != key


async def test_number_is_never_stored(conn: asyncpg.Connection, settings: Settings) -> None:
    person = await insert_person(
        conn,
        settings.person_key,
        registration_number=RRN,
        name="김하늘",
        birth_date=date(1990, 1, 1),
        phone_e164="+821098765432",
        region_code="11",
    )
    row = await conn.fetchrow("SELECT * FROM people WHERE id = $1", person.id)
    assert row is not None
    flat = " ".join(str(value) for value in row.values())
    assert "9001011234567" not in flat and "1234567" not in flat
    found = await find_person_by_registration_number(conn, settings.person_key, RRN)
    assert found == person
    assert await find_people_by_name_and_birth_date(conn, "김하늘", date(1990, 1, 1)) == [person]
    assert (
        await find_person_by_registration_number(conn, settings.person_key, "8001011234567") is None
    )


async def test_key_rotation_and_number_change_keep_the_person(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    person = await insert_person(
        conn,
        settings.person_key,
        registration_number="8505052345678",
        name="이바다",
        birth_date=date(1985, 5, 5),
        phone_e164=None,
        region_code="26",
        has_smartphone=False,
    )
    secret_v1 = base64.b64encode(settings.person_key.keys[1]).decode()
    rotated = parse_person_keys(f"2:{base64.b64encode(b'n' * 32).decode()},1:{secret_v1}")
    # Still found under the old version before re-keying...
    assert await find_person_by_registration_number(conn, rotated, "8505052345678") == person
    await rekey_person(conn, rotated, person.id, "8505052345678", "key_rotation")
    version = await conn.fetchval("SELECT person_key_version FROM people WHERE id = $1", person.id)
    assert version == 2
    assert await find_person_by_registration_number(conn, rotated, "8505052345678") == person
    # ...and a changed number keeps the same person, findable by either number.
    await rekey_person(conn, rotated, person.id, "8505052999999", "number_changed")
    assert await find_person_by_registration_number(conn, rotated, "8505052999999") == person
    assert await find_person_by_registration_number(conn, rotated, "8505052345678") == person


async def test_deceased_is_recorded(conn: asyncpg.Connection, settings: Settings) -> None:
    person = await insert_person(
        conn,
        settings.person_key,
        registration_number="4003031234567",
        name="박노을",
        birth_date=date(1940, 3, 3),
        phone_e164=None,
        region_code="47",
        has_smartphone=False,
    )
    await mark_deceased(conn, person.id, date(2026, 11, 1))
    row = await conn.fetchrow("SELECT deceased_on FROM people WHERE id = $1", person.id)
    assert row is not None and row["deceased_on"] == date(2026, 11, 1)


async def test_bad_rows_are_refused_by_the_database(
    conn: asyncpg.Connection, settings: Settings
) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        async with conn.transaction():
            await insert_person(
                conn,
                settings.person_key,
                registration_number="9101011234567",
                name="최별",
                birth_date=date(1991, 1, 1),
                phone_e164="01012345678",
                region_code="11",
            )
    person = await insert_person(
        conn,
        settings.person_key,
        registration_number="9202021234567",
        name="최별",
        birth_date=date(1992, 2, 2),
        phone_e164=None,
        region_code="11",
    )
    with pytest.raises(asyncpg.CheckViolationError):
        async with conn.transaction():
            # A wage with no amount and no employer.
            await conn.execute(
                "INSERT INTO person_facts (person_id, kind, source_system, refreshed_at) "
                "VALUES ($1, 'wage', 'ei', now())",
                person.id,
            )
