"""A local open-banking network (금융결제원 오픈뱅킹) for `make run` and the tests.

It speaks the part of the network's HTTP API that providers/open_banking.py uses, so the
real client is pointed at it through `OPEN_BANKING_API_BASE_URL` and nothing else changes:
`POST /oauth/2.0/token` (client credentials, scope `oob`; tokens expire after
`expires_in` seconds and are refused after) and `POST /v2.0/inquiry/real_name` (the
holder's name of a known account whose birth date matches; `A0002` with the bank's code
`811` for an unknown account, `822` for a birth date that does not match).

How it learns the accounts it knows:

1. **A JSON file**, read once at start (`--accounts FILE`): a list of
   `{"bank_code", "account_num", "holder_name", "birth_date": "YYYY-MM-DD"}`.
   `hanchang run` writes `<data folder>/fake-bank/accounts.json` from the demo personas
   at every start (server/demo_data/bank_accounts.py), before it starts this server
   as one of its children, and prints those accounts with the demo people.
2. **`POST /fake/accounts`** with one such object: an account added while it runs, kept
   in memory. The tests register theirs this way (or on the `FakeBank` object when it
   runs in their own process); by hand, `curl` does the same.

It is never started in production: `hanchang run` starts it only when
`OPEN_BANKING_API_BASE_URL` is not set, and refuses in production anyway. Tests can make
the next inquiries fail (`planned`: an HTTP status, or "slow" to outlast the client's
timeout) and read how many tokens and inquiries it was asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, Request, Response, post
from litestar.params import JSONBody

FAKE_INSTITUTION_CODE = "F000000000"


class FakeAccount(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    bank_code: str
    account_num: str
    holder_name: str
    birth_date: date


class FakeBank:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.accounts: dict[tuple[str, str], FakeAccount] = {}
        # Planned answers for the next inquiries: an HTTP status, or "slow".
        self.planned: deque[int | str] = deque()
        self.slow_seconds = 30.0
        self.token_seconds = 7_776_000  # 90 days, as the network gives
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.inquiries: list[dict[str, Any]] = []
        self.url = ""

    def environment(self, timeout_s: float = 2.0) -> dict[str, str]:
        """The settings that point the real client at this fake."""
        return {
            "OPEN_BANKING_API_BASE_URL": self.url,
            "OPEN_BANKING_CLIENT_ID": self.client_id,
            "OPEN_BANKING_CLIENT_SECRET": self.client_secret,
            "OPEN_BANKING_INSTITUTION_CODE": FAKE_INSTITUTION_CODE,
            "OPEN_BANKING_TIMEOUT_SECONDS": str(timeout_s),
        }

    def add(self, account: FakeAccount) -> None:
        self.accounts[(account.bank_code, account.account_num)] = account

    def load(self, path: Path) -> None:
        if path.exists():
            for account in msgspec.json.decode(path.read_bytes(), type=list[FakeAccount]):
                self.add(account)

    def app(self) -> Litestar:
        bank = self

        @post("/oauth/2.0/token", status_code=200)
        async def token(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            form = await request.form()
            bank.token_requests += 1
            if (
                form.get("client_id") != bank.client_id
                or form.get("client_secret") != bank.client_secret
                or form.get("grant_type") != "client_credentials"
                or form.get("scope") != "oob"
            ):
                return Response(
                    {"rsp_code": "O0001", "rsp_message": "인증 요청 파라미터 오류"}, status_code=401
                )
            access_token = secrets.token_urlsafe(24)
            bank.tokens[access_token] = asyncio.get_running_loop().time() + bank.token_seconds
            return Response(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": bank.token_seconds,
                    "scope": "oob",
                    "client_use_code": FAKE_INSTITUTION_CODE,
                }
            )

        @post("/v2.0/inquiry/real_name", status_code=200)
        async def real_name(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
            auth = request.headers.get("authorization", "")
            ends = bank.tokens.get(auth.removeprefix("Bearer "))
            if ends is None or ends < asyncio.get_running_loop().time():
                return Response(
                    {"rsp_code": "O0003", "rsp_message": "Access Token 만료"}, status_code=401
                )
            body = json.loads(await request.body())
            bank.inquiries.append(body)
            if bank.planned:
                plan = bank.planned.popleft()
                if plan == "slow":
                    await asyncio.sleep(bank.slow_seconds)
                else:
                    assert isinstance(plan, int)
                    return Response(
                        {"rsp_code": "O0007", "rsp_message": "planned failure"}, status_code=plan
                    )
            return Response(bank.answer(body))

        @post("/fake/accounts", status_code=201)
        async def add_account(data: JSONBody[FakeAccount]) -> FakeAccount:
            bank.add(data)
            return data

        return Litestar([token, real_name, add_account], openapi_config=None)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now()
        common = {
            "api_tran_id": secrets.token_hex(12),
            "api_tran_dtm": now.strftime("%Y%m%d%H%M%S%f")[:17],
            "bank_tran_id": body.get("bank_tran_id", ""),
            "bank_tran_date": now.strftime("%Y%m%d"),
            "bank_code_tran": body.get("bank_code_std", ""),
            "bank_code_std": body.get("bank_code_std", ""),
            "account_num": body.get("account_num", ""),
            "account_holder_info_type": body.get("account_holder_info_type", ""),
            "account_holder_info": body.get("account_holder_info", ""),
        }
        account = self.accounts.get((body.get("bank_code_std", ""), body.get("account_num", "")))
        if account is None:
            return {
                **common,
                "rsp_code": "A0002",
                "rsp_message": "참가기관 에러",
                "bank_rsp_code": "811",
                "bank_rsp_message": "계좌번호 오류",
            }
        if account.birth_date.strftime("%y%m%d") != body.get("account_holder_info"):
            return {
                **common,
                "rsp_code": "A0002",
                "rsp_message": "참가기관 에러",
                "bank_rsp_code": "822",
                "bank_rsp_message": "실명번호 불일치",
            }
        return {
            **common,
            "rsp_code": "A0000",
            "rsp_message": "",
            "bank_rsp_code": "000",
            "bank_rsp_message": "",
            "account_holder_name": account.holder_name,
            "account_type": "1",
        }


def _bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@contextlib.contextmanager
def running_fake_bank() -> Iterator[FakeBank]:
    """The fake on a free loopback port, with credentials of its own, in a thread with its
    own event loop: Litestar's test client blocks the test's loop while the app answers."""
    bank = FakeBank("hanchang-test", secrets.token_urlsafe(24))
    sock = _bound_socket()
    bank.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(bank.app(), log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="fake-bank", daemon=True
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the fake open-banking network did not start")
        time.sleep(0.01)
    try:
        yield bank
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_fake_bank(port: int, accounts: Path, client_id: str, client_secret: str) -> int:
    """`hanchang fake-bank`: the fake as a process of its own (a child of `hanchang run`)."""
    bank = FakeBank(client_id, client_secret)
    bank.load(accounts)
    bank.url = f"http://127.0.0.1:{port}"
    uvicorn.run(bank.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    return 0
