"""`hanchang phone call`: call the phone line from a terminal, as Twilio would.

Each step is the webhook Twilio would post for a caller, signed with the auth token the
line checks: on `make run` (no Twilio account) a development token kept in the data
folder (`twilio-webhook.secret`, made by foundation/settings.py), elsewhere
`TWILIO_AUTH_TOKEN`. What the line says is printed; where it waits for keys, type them
(or give them in advance with `--press 2,880412,738261,1`); an empty answer is silence,
as when a caller presses nothing. It talks to the running API (`make run` in another
terminal), never to the database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from foundation.settings import Settings

INCOMING = "/webhooks/twilio/voice/incoming"
MAX_STEPS = 60


def add_phone_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    phone = commands.add_parser("phone", help="the phone line from a terminal")
    phone_commands = phone.add_subparsers(dest="phone_command", required=True)
    call = phone_commands.add_parser("call", help="call the line as a caller would")
    call.add_argument("--from", dest="caller", required=True, help="the calling number, E.164")
    call.add_argument("--to", default="+8215881350", help="the line's number")
    call.add_argument(
        "--press", default=None, help="keys to press, comma separated, in order (else typed)"
    )


def _spoken(verb: ET.Element) -> Iterator[str]:
    for element in verb.iter("Say"):
        if element.text:
            yield element.text.strip()


class Call:
    """One call's webhooks, signed as Twilio signs them."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings, caller: str, to: str):
        self.client = client
        self.public_url = settings.http.public_url
        self.validator = RequestValidator(settings.twilio.auth_token)
        self.form = {
            "CallSid": "CA" + uuid.uuid4().hex,
            "AccountSid": settings.twilio.account_sid or "AC" + "0" * 32,
            "From": caller,
            "To": to,
            "Direction": "inbound",
            "CallStatus": "in-progress",
        }

    async def post(self, address: str, digits: str | None = None) -> str:
        url = urljoin(self.public_url + "/", address)
        parts = urlsplit(url)
        form = self.form | ({"Digits": digits} if digits is not None else {})
        signature = self.validator.compute_signature(url, form)
        answer = await self.client.post(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            data=form,
            headers={"X-Twilio-Signature": signature},
        )
        if answer.status_code != 200:
            raise RuntimeError(f"the line answered {answer.status_code} at {parts.path}")
        return answer.text


async def place_call(call: Call, keys: Callable[[], str], say: Callable[[str], None]) -> list[str]:
    """Follow the call from the first webhook until the line hangs up, transfers or stops
    asking; returns everything said, in order."""
    said: list[str] = []

    def speak(text: str) -> None:
        said.append(text)
        say(text)

    document = await call.post(INCOMING)
    for _ in range(MAX_STEPS):
        next_document = None
        for verb in ET.fromstring(document):  # noqa: S314 - our own server's TwiML
            if verb.tag == "Say":
                for text in _spoken(verb):
                    speak(text)
            elif verb.tag == "Gather":
                for text in _spoken(verb):
                    speak(text)
                pressed = keys()
                if pressed:
                    next_document = await call.post(verb.attrib["action"], pressed)
                    break
            elif verb.tag == "Redirect" and verb.text:
                next_document = await call.post(verb.text.strip())
                break
            elif verb.tag == "Dial":
                speak(f"(transferred to {(verb.text or '').strip()})")
                return said
            elif verb.tag == "Hangup":
                speak("(the line hung up)")
                return said
        if next_document is None:
            speak("(the call ended)")
            return said
        document = next_document
    return said


async def run_phone_command(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.twilio.auth_token:
        print("hanchang phone call: no TWILIO_AUTH_TOKEN to sign the webhooks with")
        return 2
    planned = [key.strip() for key in args.press.split(",")] if args.press else None

    def keys() -> str:
        if planned is not None:
            return planned.pop(0) if planned else ""
        return input("  keys> ").strip()

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the words, not each request
    base = f"http://127.0.0.1:{settings.http.port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        try:
            await place_call(
                Call(client, settings, args.caller, args.to), keys, lambda text: print(text)
            )
        except (httpx.HTTPError, RuntimeError) as exc:
            print(f"hanchang phone call: {exc} (is `make run` running?)")
            return 1
    return 0


def main_call(args: argparse.Namespace, settings: Settings) -> int:
    return asyncio.run(run_phone_command(args, settings))
