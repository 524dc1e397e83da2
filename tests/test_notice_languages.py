"""Every notice is written in the person's language, for every language of the table (not
only Korean and English): the scan writes the notice in `preferred_language`, and the push
and the letter say it in that language (a draft catalog's missing message in English,
never Korean)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from foundation.korea import KOREA
from foundation.settings import Settings
from i18n import SUPPORTED_LOCALES
from notifications.messages import NoticeText, render_notice
from tests.support.factories import make_account, make_fact, run_jobs
from tests.support.fakes.fcm import FakeFcm, running_fcm
from tests.support.fakes.twilio import FakeTwilio, running_twilio
from tests.support.notice_delivery import (
    Clock,
    enqueue,
    korea,
    laid_off,
    settings_with_push_and_sms,
)

FOREIGN = [code for code in SUPPORTED_LOCALES if code != "ko"]
PARENTAL = NoticeText(kind="benefit", programme_id="parental-leave-benefit")
UNEMPLOYMENT = NoticeText(kind="benefit", programme_id="unemployment-benefit")


@pytest.fixture(scope="module")
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with running_twilio() as fake:
        yield fake


@pytest.fixture(scope="module")
async def fcm() -> AsyncIterator[FakeFcm]:
    async with running_fcm() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    database_url: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    twilio: FakeTwilio,
    fcm: FakeFcm,
) -> Settings:
    data = tmp_path_factory.mktemp("data")
    return settings_with_push_and_sms(database_url, redis_url, data, twilio, fcm)


def printed_letters(settings: Settings, day: date) -> str:
    folder = Path(settings.data_dir).resolve().parent / "var" / "letters"
    return (folder / f"{day.isoformat()}.txt").read_text(encoding="utf-8")


async def parent_with_app(
    conn: asyncpg.Connection, settings: Settings, *, token: str, language: str
) -> int:
    """A working parent with the app (a child of 3: the parental leave benefit)."""
    account = await make_account(
        conn, settings, preferred_language=language, birth_date=date(1990, 3, 3)
    )
    await make_fact(
        conn, person_id=account.person_id, kind="employment_insurance", source_system="ei",
        valid_from=date(2018, 3, 2), employer_id="1018112345", paid_base_days=1_500,
    )  # fmt: skip
    await make_fact(
        conn, person_id=account.person_id, kind="child", source_system="family",
        child_birth_date=datetime.now(KOREA).date() - timedelta(days=3 * 365),
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO devices (account_id, person_id, fcm_token, platform, locale) "
        "VALUES ($1, $2, $3, 'android', $4)",
        account.id,
        account.person_id,
        token,
        language,
    )
    return account.person_id


async def test_a_person_of_each_language_is_told_in_their_language(
    owner_conn: asyncpg.Connection, settings: Settings, fcm: FakeFcm
) -> None:
    with_app = {
        code: await parent_with_app(
            owner_conn, settings, token=f"fcm-token-language-{code}-0001", language=code
        )
        for code in FOREIGN
    }
    by_letter = {
        code: await laid_off(owner_conn, settings, phone=None, language=code) for code in FOREIGN
    }
    clock = Clock(korea(datetime.now(KOREA).date(), 10))
    await enqueue(settings, "scan_notices")
    await run_jobs(settings, clock=clock)
    await enqueue(settings, "print_letters")
    await run_jobs(settings, clock=clock)
    letters = printed_letters(settings, datetime.now(KOREA).date())
    blocks = {block.split("\n", 1)[0]: block for block in letters.split("=== letter ")[1:]}

    korean_push = render_notice(PARENTAL, "ko")
    for code in FOREIGN:
        notices = await owner_conn.fetch(
            "SELECT locale FROM notices WHERE person_id = ANY($1::bigint[])",
            [with_app[code], by_letter[code]],
        )
        assert notices and {row["locale"] for row in notices} == {code}, code

        expected = render_notice(PARENTAL, code)
        assert expected.title != korean_push.title
        [push] = [
            m for m in fcm.messages
            if m["token"] == f"fcm-token-language-{code}-0001"
            and m["data"]["open"] == "apply/parental-leave-benefit"
        ]  # fmt: skip
        assert push["notification"]["title"] == expected.title, code
        assert push["notification"]["body"] == expected.body, code
        assert push["data"]["locale"] == code

        letter = render_notice(UNEMPLOYMENT, code)
        letter_id = await owner_conn.fetchval(
            "SELECT l.id FROM letters l JOIN notices n ON n.id = l.notice_id "
            "WHERE n.person_id = $1",
            by_letter[code],
        )
        [block] = [b for head, b in blocks.items() if head.startswith(f"{letter_id} ")]
        assert letter.title in block and letter.sms in block, code
