"""Transfers into a person's bank account: today the 1-won deposit that proves the account
is theirs (onestop/applications/banks.py says why and when).

Without a bank connection (`make run`, tests) the deposit is written to the development
outbox, where the tests and the demo read its memo. Production needs the open-banking
transfer API (금융결제원 오픈뱅킹 입금이체), which is not connected yet: there it refuses
rather than pretend.
"""

from __future__ import annotations

import asyncpg

from foundation.settings import Settings


class BankTransferUnavailable(Exception):
    """No bank connection can make the transfer."""


async def deposit_one_won(
    conn: asyncpg.Connection, settings: Settings, *, bank_code: str, number_last4: str, memo: str
) -> None:
    """Deposit 1 won with `memo` into the account; raises `BankTransferUnavailable`."""
    if settings.is_production:
        raise BankTransferUnavailable
    await conn.execute(
        "INSERT INTO dev_outbox (channel, to_e164, body) VALUES ('bank', $1, $2)",
        f"bank:{bank_code}:****{number_last4}",
        f"1 KRW deposit, memo: {memo}",
    )
