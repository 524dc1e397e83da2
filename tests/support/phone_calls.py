"""Driving the phone line as Twilio does: signed webhook posts for one call, each TwiML
answer checked (well-formed, only Twilio's verbs and attributes, a Twilio voice language,
every `action` a route we serve), the next key press sent where the answer's `<Gather>`
said."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import AsyncTestClient
from twilio.request_validator import RequestValidator

from foundation.settings import Settings
from tests.support.fakes.twilio import TEST_SID, TEST_TOKEN, FakeTwilio

Client = AsyncTestClient[Litestar]
INCOMING = "/webhooks/twilio/voice/incoming"
# Twilio's verbs we may answer with, and the attributes Twilio accepts on each.
VERBS: dict[str, set[str]] = {
    "Say": {"language", "voice", "loop"},
    "Pause": {"length"},
    "Gather": {
        "input",
        "numDigits",
        "timeout",
        "method",
        "action",
        "finishOnKey",
        "language",
        "actionOnEmptyResult",
    },
    "Hangup": set(),
    "Dial": {"timeout", "callerId", "action", "method"},
    "Redirect": {"method"},
}
INSIDE_GATHER = {"Say", "Pause"}
# Languages Twilio's <Say> has voices for (a subset: the ones we could use; Twilio's
# text-to-speech list: Google and Amazon Polly voices).
VOICE_LANGUAGES = {
    "ko-KR",
    "en-US",
    "en-GB",
    "zh-CN",
    "cmn-CN",
    "ja-JP",
    "vi-VN",
    "th-TH",
    "id-ID",
    "fil-PH",
}


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def check_twiml(document: str, settings: Settings) -> list[str]:
    """The `action` addresses of a TwiML answer, after checking it is one Twilio reads."""
    root = ET.fromstring(document)  # noqa: S314 - our own answer, in a test
    assert root.tag == "Response", document
    actions = []
    for verb in root:
        assert verb.tag in VERBS, (verb.tag, document)
        assert set(verb.attrib) <= VERBS[verb.tag], (verb.attrib, document)
        children = list(verb)
        if verb.tag == "Gather":
            assert verb.attrib["action"].startswith(settings.http.public_url + "/"), document
            assert verb.attrib.get("input") == "dtmf"
            actions.append(verb.attrib["action"])
            for child in children:
                assert child.tag in INSIDE_GATHER, document
                assert set(child.attrib) <= VERBS[child.tag]
        else:
            assert not children, document
        if verb.tag == "Dial":
            # A number (E.164, or a short national number such as 1350), nothing else.
            assert re.fullmatch(r"\+?[0-9]{4,15}", (verb.text or "").strip()), document
        for said in [verb, *children]:
            if said.tag == "Say":
                assert said.attrib.get("language") in VOICE_LANGUAGES, document
                assert (said.text or "").strip(), document
    return actions


def said(document: str) -> str:
    """Everything a TwiML answer says, in order."""
    root = ET.fromstring(document)  # noqa: S314 - our own answer, in a test
    return " ".join((e.text or "") for e in root.iter("Say"))


class Call:
    """One call from `caller` to the line (or one we placed, when started elsewhere)."""

    def __init__(self, client: Client, settings: Settings, caller: str) -> None:
        self.client, self.settings, self.caller = client, settings, caller
        self.sid = new_call_sid()
        self.next = settings.http.public_url + INCOMING
        self.answers: list[str] = []
        self.request_ids: list[str] = []  # each answer's X-Request-Id

    def signed(self, url: str, params: dict[str, str]) -> dict[str, str]:
        token = self.settings.twilio.auth_token
        return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}

    async def post(self, url: str, digits: str | None = None, **more: str) -> str:
        params = {"CallSid": self.sid, "From": self.caller, "To": "+8221350", **more}
        if digits is not None:
            params["Digits"] = digits
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = await self.client.post(path, data=params, headers=self.signed(url, params))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/xml")
        actions = check_twiml(answer.text, self.settings)
        for action in actions:
            await assert_served(self.client, self.settings, action)
        if actions:
            self.next = actions[0]
        self.answers.append(answer.text)
        self.request_ids.append(answer.headers["x-request-id"])
        return answer.text

    async def start(self) -> str:
        return await self.post(self.next)

    async def press(self, digits: str) -> str:
        return await self.post(self.next, digits)


async def assert_served(client: Client, settings: Settings, url: str) -> None:
    """A route we serve: unsigned, it is refused (403), not missing (404)."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    answer: Any = await client.post(path, data={"CallSid": "CAx"})
    assert answer.status_code == 403, (url, answer.status_code)


@contextlib.contextmanager
def twilio_in_a_thread() -> Iterator[FakeTwilio]:
    """The Twilio fake on its own event loop in a thread: a route served by the test client
    (which holds the test's loop while it runs the app) can call it, as the call-back does."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeTwilio(TEST_SID, TEST_TOKEN)
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
