"""Enrolling this kiosk: the page where an administrator types the one-time code, its
script (which makes the kiosk's key pair in the browser and registers the public key),
the JSON it posts, and the service worker that then signs every kiosk request. None of
these is signed: a kiosk has no key before it is enrolled."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from auth import ALGORITHMS, BAD_PUBLIC_KEY, enrol_kiosk
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.problems import BadInput, InvalidInput
from kiosk.device_guard import UNSIGNED
from kiosk.limits import limit_by_address
from kiosk.render import Page, kiosk_locale, render_page
from kiosk.texts import texts

STATIC = Path(__file__).resolve().parent / "static"
SCRIPT_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


class EnrolmentRequest(msgspec.Struct, kw_only=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    algorithm: Annotated[str, msgspec.Meta(max_length=10)]
    # SubjectPublicKeyInfo (DER), base64url without padding: WebCrypto's exportKey("spki").
    public_key: Annotated[str, msgspec.Meta(min_length=1, max_length=400)]


class EnrolledKiosk(msgspec.Struct, kw_only=True):
    kiosk_id: int
    office: str
    location: str


@get("/enrol", include_in_schema=False, opt=UNSIGNED)
async def enrol_page(request: Request[Any, Any, Any]) -> Page:
    t = texts(kiosk_locale(request))
    return render_page(
        request,
        "enrol.html",
        title=t["enrol_title"],
        spoken=t["enrol_intro"],
        # No inactivity sign-out while an administrator enrols the kiosk.
        idle=False,
        algorithms=ALGORITHMS,
    )


@post("/enrol", status_code=201, include_in_schema=False, opt={**UNSIGNED, "kiosk_json": True})
async def enrol(
    data: JSONBody[EnrolmentRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> EnrolledKiosk:
    # Unsigned, so limited per client address like the sign-ins.
    await limit_by_address(request, queue, "kiosk-enrol-ip")
    try:
        public_key = base64.urlsafe_b64decode(data.public_key + "=" * (-len(data.public_key) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(BadInput("public_key", BAD_PUBLIC_KEY)) from None
    kiosk = await enrol_kiosk(
        tx.conn,
        code=data.code,
        algorithm=data.algorithm,
        public_key=public_key,
        address=client_address(request),
    )
    return EnrolledKiosk(kiosk_id=kiosk.id, office=kiosk.office_code, location=kiosk.location)


def _script(name: str, **headers: str) -> Response[bytes]:
    return Response(
        (STATIC / name).read_bytes(),
        media_type="text/javascript; charset=utf-8",
        headers={**SCRIPT_HEADERS, **headers},
    )


@get("/enrol.js", include_in_schema=False, opt=UNSIGNED, media_type=MediaType.TEXT)
async def enrol_script() -> Response[bytes]:
    return _script("enrol.js")


@get("/sw.js", include_in_schema=False, opt=UNSIGNED, media_type=MediaType.TEXT)
async def service_worker() -> Response[bytes]:
    # Its own folder is /kiosk/; this lets it control /kiosk itself (the home page) too.
    return _script("sw.js", **{"Service-Worker-Allowed": "/kiosk"})


ROUTES = [enrol_page, enrol, enrol_script, service_worker]
