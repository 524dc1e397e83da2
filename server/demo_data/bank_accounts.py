"""The demo personas' bank accounts, as the local open-banking network knows them.

Nothing of these is in our database: a persona adds their account in the app (or a clerk
at the counter) and proves it with the account-holder inquiry, which the fake network
(server/fake_bank.py) answers from the file `hanchang run` writes here at every start.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from server.demo_data.personas import PERSONAS
from server.fake_bank import FakeAccount

# Banks taking benefit transfers (onestop/applications/banks.py), one per persona in turn.
_BANKS = ("088", "004", "020", "081", "011", "090", "092", "003", "071")


def demo_bank_accounts() -> list[FakeAccount]:
    """One account per persona, in its own name: `110-1350-000NN` at a bank in turn."""
    return [
        FakeAccount(
            bank_code=_BANKS[index % len(_BANKS)],
            account_num=f"1101350{index + 1:05d}",
            holder_name=persona.name,
            birth_date=persona.birth_date,
        )
        for index, persona in enumerate(PERSONAS)
    ]


def write_demo_bank_accounts(path: Path) -> list[FakeAccount]:
    accounts = demo_bank_accounts()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msgspec.json.format(msgspec.json.encode(accounts), indent=2))
    return accounts


def format_demo_bank_accounts(accounts: list[FakeAccount]) -> str:
    return "\n".join(
        f"  {a.holder_name}  bank_code {a.bank_code}  account_number "
        f"{a.account_num[:3]}-{a.account_num[3:7]}-{a.account_num[7:]}"
        for a in accounts
    )
