"""A local HTTP server speaking the part of FCM HTTP v1 we use, and Google's OAuth2 token endpoint.

The real `firebase-admin` SDK is pointed at it with our FCM_API_BASE_URL
setting (messages) and with the `token_uri` of the service-account JSON that
`write_service_account` writes (access tokens). Tests read what it received,
and can make it fail on demand, per token or for the next requests.

It runs its own event loop in a thread: google-auth fetches access tokens
with blocking `requests` calls, which would stall a fake sharing the caller's
loop. `python -m tests.support.fakes.fcm` serves it in a process of its own (the bench).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import secrets
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PROJECT_ID = "hanchang-test"
CLIENT_EMAIL = f"firebase-adminsdk@{PROJECT_ID}.iam.gserviceaccount.com"
SLOW_S = 60.0
# The scope firebase-admin asks for that covers FCM.
FIREBASE_SCOPE = "https://www.googleapis.com/auth/firebase"

# What a planned failure answers. "slow" answers nothing for longer than any client timeout.
Failure = Literal[
    500, 503, 429, "unregistered", "invalid_token", "sender_mismatch", "unauthenticated", "slow"
]

_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
# Status, google.rpc status, message and FCM error code, as FCM answers them.
_ANSWERS: dict[Any, tuple[int, str, str, str]] = {
    500: (500, "INTERNAL", "Internal error encountered.", "INTERNAL"),
    503: (503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE"),
    429: (429, "RESOURCE_EXHAUSTED", "Quota exceeded for sending messages.", "QUOTA_EXCEEDED"),
    "unregistered": (404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
    "invalid_token": (
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
        "INVALID_ARGUMENT",
    ),
    "sender_mismatch": (
        403,
        "PERMISSION_DENIED",
        "SenderId mismatch",
        "SENDER_ID_MISMATCH",
    ),
}


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_service_account(
    path: Path, token_uri: str, key: rsa.RSAPrivateKey | None = None, project_id: str = PROJECT_ID
) -> Path:
    """A service-account JSON as the Firebase console gives it, with our own key and token endpoint."""
    key = key or make_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": CLIENT_EMAIL,
        "client_id": "1" * 21,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(account))
    return path


class FakeFcm:
    def __init__(self, public_key: rsa.RSAPublicKey | None = None) -> None:
        # When given, the JWT assertion of a token request must be signed by its private key.
        self.public_key = public_key
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self.token_requests = 0
        # Planned answers for the next requests, whatever their token.
        self.planned: deque[Failure] = deque()
        # Planned answers for every request to a token.
        self.failing_tokens: dict[str, Failure] = {}
        self._access_tokens: set[str] = set()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_uri(self) -> str:
        return f"{self.url}/token"

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/token", self._token)
        app.router.add_post("/v1/projects/{project}/messages:send", self._send)
        # For the bench, whose fake runs in another process: what arrived, and a fresh start.
        app.router.add_get("/stats", self._stats)
        app.router.add_post("/reset", self._reset)
        return app

    async def _stats(self, _request: web.Request) -> web.Response:
        notices = [m.get("data", {}).get("notice_id") for m in self.messages]
        return web.json_response(
            {"messages": len(self.messages), "distinct_notices": len(set(notices))}
        )

    async def _reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({})

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on the running loop (its own thread, or the process of `__main__`)."""
        self._stopping = asyncio.Event()
        self._runner = web.AppRunner(self._application(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def start(self) -> None:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            loop.run_until_complete(self.serve())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-fcm", daemon=True)
        self._thread.start()
        await asyncio.to_thread(ready.wait, 10)
        assert self.port, "the fake FCM did not start"

    async def _cleanup(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, 10)

    def reset(self) -> None:
        self.messages.clear()
        self.planned.clear()
        self.failing_tokens.clear()
        self.requests = 0

    def _assertion_valid(self, assertion: str) -> bool:
        try:
            header, claims, signature = assertion.split(".")
            payload = json.loads(_b64url_decode(claims))
            if self.public_key is not None:
                self.public_key.verify(
                    _b64url_decode(signature),
                    f"{header}.{claims}".encode(),
                    padding.PKCS1v15(),
                    hashes.SHA256(),
                )
        except Exception:
            return False
        scopes = str(payload.get("scope", "")).split()
        return payload.get("iss") == CLIENT_EMAIL and FIREBASE_SCOPE in scopes

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" or not (
            self._assertion_valid(str(form.get("assertion", "")))
        ):
            return web.json_response(
                {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
                status=400,
            )
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self._access_tokens.add(token)
        return web.json_response(
            {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        )

    async def _failure(self, plan: Failure) -> web.Response:
        if plan == "slow":
            assert self._stopping is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), SLOW_S)
            return web.json_response({}, status=504)
        if plan == "unauthenticated":
            return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        status, rpc_status, message, fcm_code = _ANSWERS[plan]
        details: list[dict[str, Any]] = [{"@type": _FCM_ERROR, "errorCode": fcm_code}]
        if plan == "invalid_token":
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": "message.token", "description": message}],
                }
            )
        return _error(status, rpc_status, message, details)

    async def _send(self, request: web.Request) -> web.Response:
        self.requests += 1
        authorization = request.headers.get("Authorization", "")
        if authorization.removeprefix("Bearer ") not in self._access_tokens:
            return await self._failure("unauthenticated")
        project = request.match_info["project"]
        body = await request.json()
        message = body["message"]
        token = message.get("token", "")
        plan = self.failing_tokens.get(token) or (self.planned.popleft() if self.planned else None)
        if plan is not None:
            return await self._failure(plan)
        name = f"projects/{project}/messages/{next(self._ids)}"
        self.messages.append({"name": name, **message})
        return web.json_response({"name": name})


def _error(
    status: int, rpc_status: str, message: str, details: list[dict[str, Any]] | None = None
) -> web.Response:
    error: dict[str, Any] = {"code": status, "message": message, "status": rpc_status}
    if details:
        error["details"] = details
    return web.json_response({"error": error}, status=status)


async def _serve_until_stdin_closes() -> None:
    fake = FakeFcm()
    await fake.serve()
    print(fake.port, flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await fake._cleanup()


if __name__ == "__main__":
    asyncio.run(_serve_until_stdin_closes())


@contextlib.asynccontextmanager
async def running_fcm() -> AsyncIterator[FakeFcm]:
    """The fake FCM, started and stopped around the block."""
    fake = FakeFcm()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
