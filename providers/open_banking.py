"""The open-banking network's account-holder inquiry (금융결제원 오픈뱅킹 계좌실명조회).

Given a bank code, an account number and the holder's birth date, the network answers at
once with the name of the account's holder, or that the bank knows no such account. It
proves an account is the person's where a 1-won deposit cannot (a kiosk, the counter).

The wire protocol, as the network's API specification (v2.0) has it:

- `POST /oauth/2.0/token` (form: `client_id`, `client_secret`, `scope=oob`,
  `grant_type=client_credentials`) gives an institution token (`access_token`,
  `expires_in` seconds). We keep it, per process, until shortly before it expires.
- `POST /v2.0/inquiry/real_name` with `Authorization: Bearer <token>` and JSON
  `bank_tran_id` (our 10-character institution code, `U`, 9 characters unique to the
  request), `bank_code_std`, `account_num`, `account_holder_info_type` (" ": a birth
  date or resident registration number), `account_holder_info` (the birth date,
  YYMMDD), `tran_dtime` (YYYYMMDDhhmmss, Korea time). The answer carries `rsp_code`
  (`A0000` when the network handled it), `bank_rsp_code` (`000` when the bank found the
  account) and `account_holder_name`.

Anything but a clear answer (a timeout, a 5xx, a token refused twice, a gateway code we do
not know) is `BankInquiryUnavailable`: the caller says "try later" and writes nothing.
Locally and in tests the same client speaks to the fake network (server/fake_bank.py).
"""

from __future__ import annotations

import logging
import secrets
import string
import time
from datetime import date, datetime

import httpx
import msgspec

from foundation.korea import KOREA
from foundation.provider_settings import OpenBankingSettings

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/2.0/token"  # noqa: S105 - a path, not a secret
REAL_NAME_PATH = "/v2.0/inquiry/real_name"
NETWORK_OK = "A0000"
# 참가기관 에러: the network reached the bank, and the bank refused the account.
BANK_REFUSED = "A0002"
BANK_OK = "000"
# The birth date (or a resident registration number) of a person, not a business number.
HOLDER_INFO_BIRTH_DATE = " "
# A token is renewed this long before the network says it ends (at most a tenth of its life).
TOKEN_MARGIN_S = 60.0


class BankInquiryUnavailable(Exception):
    """The network could not answer now (timeout, 5xx, token refused, unknown answer)."""


class AccountHolder(msgspec.Struct, frozen=True, kw_only=True):
    name: str


class NoSuchAccount(msgspec.Struct, frozen=True, kw_only=True):
    """The bank answered: this account does not exist, or cannot receive payments."""

    bank_rsp_code: str


HolderAnswer = AccountHolder | NoSuchAccount


class _Token(msgspec.Struct, frozen=True, kw_only=True):
    access_token: str
    expires_in: float


class _RealNameAnswer(msgspec.Struct, frozen=True, kw_only=True):
    rsp_code: str
    rsp_message: str = ""
    bank_rsp_code: str = ""
    account_holder_name: str = ""


# One token per network and client, kept by this process until shortly before it ends.
_tokens: dict[tuple[str, str], tuple[str, float]] = {}


def forget_tokens() -> None:
    """Drop the kept tokens (a test that counts token requests starts from none)."""
    _tokens.clear()


def bank_tran_id(institution_code: str) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return f"{institution_code}U" + "".join(secrets.choice(alphabet) for _ in range(9))


async def _token(client: httpx.AsyncClient, settings: OpenBankingSettings) -> str:
    key = (settings.base_url, settings.client_id)
    kept = _tokens.get(key)
    if kept is not None and kept[1] > time.monotonic():
        return kept[0]
    answer = await client.post(
        settings.base_url + TOKEN_PATH,
        data={
            "client_id": settings.client_id,
            "client_secret": settings.client_secret,
            "scope": "oob",
            "grant_type": "client_credentials",
        },
    )
    if answer.status_code != 200:
        raise BankInquiryUnavailable(f"token: HTTP {answer.status_code}")
    try:
        token = msgspec.json.decode(answer.content, type=_Token)
    except msgspec.DecodeError as exc:
        raise BankInquiryUnavailable(f"token: {exc}") from None
    margin = min(TOKEN_MARGIN_S, token.expires_in / 10)
    _tokens[key] = (token.access_token, time.monotonic() + token.expires_in - margin)
    return token.access_token


async def _real_name(
    client: httpx.AsyncClient, settings: OpenBankingSettings, token: str, body: dict[str, str]
) -> httpx.Response:
    return await client.post(
        settings.base_url + REAL_NAME_PATH,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


async def account_holder(
    settings: OpenBankingSettings, *, bank_code: str, number: str, birth_date: date
) -> HolderAnswer:
    """Who holds the account `number` at `bank_code`, as the network says; raises
    `BankInquiryUnavailable` when it cannot say now. The number is never logged."""
    if not settings.enabled:
        raise BankInquiryUnavailable("no open-banking network configured")
    body = {
        "bank_tran_id": bank_tran_id(settings.institution_code),
        "bank_code_std": bank_code,
        "account_num": number,
        "account_holder_info_type": HOLDER_INFO_BIRTH_DATE,
        "account_holder_info": birth_date.strftime("%y%m%d"),
        "tran_dtime": datetime.now(KOREA).strftime("%Y%m%d%H%M%S"),
    }
    try:
        async with httpx.AsyncClient(timeout=settings.timeout_s) as client:
            token = await _token(client, settings)
            answer = await _real_name(client, settings, token, body)
            if answer.status_code == 401:
                # The network ended our token before its time (a new one was issued
                # elsewhere, or it was revoked): ask for a new one, once.
                _tokens.pop((settings.base_url, settings.client_id), None)
                token = await _token(client, settings)
                answer = await _real_name(client, settings, token, body)
    except httpx.HTTPError as exc:
        raise BankInquiryUnavailable(f"{type(exc).__name__}") from None
    if answer.status_code != 200:
        if answer.status_code == 401:
            _tokens.pop((settings.base_url, settings.client_id), None)
        raise BankInquiryUnavailable(f"inquiry: HTTP {answer.status_code}")
    try:
        found = msgspec.json.decode(answer.content, type=_RealNameAnswer)
    except msgspec.DecodeError as exc:
        raise BankInquiryUnavailable(f"inquiry: {exc}") from None
    if found.rsp_code == NETWORK_OK and found.bank_rsp_code == BANK_OK:
        if not found.account_holder_name.strip():
            raise BankInquiryUnavailable("inquiry: no holder name in a successful answer")
        return AccountHolder(name=found.account_holder_name)
    # A bank's own answer codes starting with 9 are its system being down, not the account.
    if found.rsp_code == BANK_REFUSED and not found.bank_rsp_code.startswith("9"):
        return NoSuchAccount(bank_rsp_code=found.bank_rsp_code)
    log.warning(
        "open banking inquiry not answered: rsp_code %s, bank_rsp_code %s",
        found.rsp_code,
        found.bank_rsp_code,
    )
    raise BankInquiryUnavailable(f"inquiry: {found.rsp_code}/{found.bank_rsp_code}")
