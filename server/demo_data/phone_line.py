"""The demo's phone-line caller: 강영숙 (71, a landline only) as a counter clerk would
have set her up, with an account, a PIN and her landline registered, so that `make run`
can demonstrate the phone line (and tests can compare it with the app for her)."""

from __future__ import annotations

import asyncpg
import msgspec

from auth import create_account, get_account_by_person, insert_registered_phone, store_pin
from foundation.settings import AuthSettings
from server.demo_data.loading import demo_people

# Synthetic, and shown in the `make run` banner; not a PIN anyone uses.
DEMO_PHONE_PIN = "738261"
DEMO_PHONE_OFFICE = "seoul"
# The personas who call the phone line from their number of record.
PHONE_LINE_PERSONAS = ("강영숙",)


class DemoCaller(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    person_id: int
    phone: str
    birth_digits: str
    pin: str


async def register_demo_phones(
    conn: asyncpg.Connection, settings: AuthSettings, *, staff_id: int
) -> list[DemoCaller]:
    """Give the phone-line personas an account, the demo PIN and their landline registered
    by `staff_id` (once; later runs find them registered)."""
    callers = []
    for person in await demo_people(conn):
        if person.name not in PHONE_LINE_PERSONAS or person.phone is None:
            continue
        account = await get_account_by_person(conn, person.person_id)
        if account is None:
            account = await create_account(conn, person_id=person.person_id, assurance="in_person")
        if not account.has_pin:
            await store_pin(conn, settings, account, DEMO_PHONE_PIN)
        await insert_registered_phone(
            conn,
            person_id=person.person_id,
            phone_e164=person.phone,
            staff_id=staff_id,
            office_code=DEMO_PHONE_OFFICE,
        )
        callers.append(
            DemoCaller(
                name=person.name,
                person_id=person.person_id,
                phone=person.phone,
                birth_digits=f"{person.birth_date:%y%m%d}",
                pin=DEMO_PHONE_PIN,
            )
        )
    return callers


def format_demo_callers(callers: list[DemoCaller], public_url: str) -> str:
    lines = [
        "Phone line: Twilio's voice webhook "
        f"{public_url}/webhooks/twilio/voice/incoming; call it from a second terminal with",
        "  .venv/bin/hanchang phone call --from NUMBER   (type the keys it asks for)",
    ]
    for caller in callers:
        lines.append(
            f"  {caller.name}  --from {caller.phone}: 1 한국어, 2 sign in, birth date "
            f"{caller.birth_digits}, PIN {caller.pin}"
        )
    return "\n".join(lines)
