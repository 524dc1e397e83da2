"""A local HTTP server speaking the part of Twilio's REST API we use (Messages, Calls).

The real `twilio` SDK is pointed at it with our TWILIO_API_BASE_URL setting. It
creates messages and calls, and lists them (newest first, filtered by `To` and
`From`, as Twilio does), which is how a send whose answer was lost is looked up.
Tests read what it received, in the order it arrived, and can make it fail on demand.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        # Planned answers for the next requests: an HTTP status, or "slow" to time out.
        self.planned: deque[int | str] = deque()
        self.requests = 0
        # How long a "slow" answer takes: longer than the client's timeout.
        self.slow_seconds = 30.0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        base = "/2010-04-01/Accounts/{sid}"
        app.router.add_post(base + "/Messages.json", self._messages)
        app.router.add_post(base + "/Calls.json", self._calls)
        app.router.add_get(base + "/Messages.json", self._list_messages)
        app.router.add_get(base + "/Calls.json", self._list_calls)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _planned_failure(self) -> web.Response | None:
        if not self.planned:
            return None
        plan = self.planned.popleft()
        if plan == "slow":
            await asyncio.sleep(self.slow_seconds)
            return None
        assert isinstance(plan, int)
        return web.json_response(
            {
                "code": 20500 if plan >= 500 else 21211,
                "message": "planned failure",
                "status": plan,
                "more_info": "https://www.twilio.com/docs/errors",
            },
            status=plan,
        )

    async def _accept(self, request: web.Request, kind: str) -> web.Response:
        self.requests += 1
        if not self._authorized(request) or request.match_info["sid"] != self.account_sid:
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        form = {key: str(value) for key, value in (await request.post()).items()}
        prefix = "SM" if kind == "message" else "CA"
        slow = bool(self.planned) and self.planned[0] == "slow"
        if slow:
            self.planned.popleft()
        else:
            failure = await self._planned_failure()
            if failure is not None:
                return failure
        sid = f"{prefix}{next(self._ids):032x}"
        record: dict[str, Any] = {"sid": sid, "created": datetime.now(UTC), **form}
        (self.messages if kind == "message" else self.calls).append(record)
        if slow:
            # Slow, as Twilio can be: the message is sent, the answer comes too late.
            await asyncio.sleep(self.slow_seconds)
        body = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "status": "queued",
            "body": form.get("Body"),
            "date_created": format_datetime(record["created"], usegmt=True),
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{'Messages' if kind == 'message' else 'Calls'}/{sid}.json",
        }
        return web.json_response(body, status=201)

    async def _list(self, request: web.Request, kind: str) -> web.Response:
        if not self._authorized(request) or request.match_info["sid"] != self.account_sid:
            return web.json_response(
                {"code": 20003, "message": "Authenticate", "status": 401}, status=401
            )
        records = self.messages if kind == "messages" else self.calls
        wanted = [
            record
            for record in reversed(records)
            if record.get("To") == request.query.get("To", record.get("To"))
            and record.get("From") == request.query.get("From", record.get("From"))
        ]
        size = int(request.query.get("PageSize", "50"))
        listed = [
            {
                "sid": record["sid"],
                "account_sid": self.account_sid,
                "to": record.get("To"),
                "from": record.get("From"),
                "body": record.get("Body"),
                "status": "sent",
                "date_created": format_datetime(record["created"], usegmt=True),
            }
            for record in wanted[:size]
        ]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/{kind.title()}.json"
        return web.json_response(
            {
                kind: listed,
                "page": 0,
                "page_size": size,
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
            }
        )

    async def _list_messages(self, request: web.Request) -> web.Response:
        return await self._list(request, "messages")

    async def _list_calls(self, request: web.Request) -> web.Response:
        return await self._list(request, "calls")

    async def _messages(self, request: web.Request) -> web.Response:
        return await self._accept(request, "message")

    async def _calls(self, request: web.Request) -> web.Response:
        return await self._accept(request, "call")


TEST_SID, TEST_TOKEN = "AC" + "7" * 32, "twilio-test-token"


@contextlib.asynccontextmanager
async def running_twilio(slow_seconds: float = 30.0) -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(TEST_SID, TEST_TOKEN)
    fake.slow_seconds = slow_seconds
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def twilio_environment(fake: FakeTwilio, timeout_s: float = 2.0) -> dict[str, str]:
    """The settings that point the real Twilio SDK at `fake`."""
    return {
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": fake.url,
        "TWILIO_TIMEOUT_SECONDS": str(timeout_s),
    }
