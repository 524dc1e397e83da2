"""The staff console's sign-in, as JSON (`/console/api/...`): enrollment, passkey sign-in,
who is signed in, sign-out. The sign-in and enrollment pages run WebAuthn against these.

The console session travels in the `hanchang_staff` cookie: HttpOnly (page scripts
cannot read it), SameSite=Strict (no other site can make the browser send it),
Secure on https. SameSite does not tell one page of a site from another, so every
write under `/console/api` must also be same-origin JSON (console/same_origin.py). A
citizen's bearer token opens nothing under `/console`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from arq.connections import ArqRedis
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from auth.limits import limit_sign_in_address
from auth.staff import finish_enrollment, start_enrollment
from auth.staff_sessions import (
    STAFF_SESSION_MAX_AGE,
    StaffSession,
    authenticate_staff_token,
    finish_staff_sign_in,
    sign_out_staff,
    start_staff_sign_in,
)
from auth.staff_store import StaffRole, get_office
from auth.webauthn_json import (
    AUTHENTICATION_EXAMPLE,
    REGISTRATION_EXAMPLE,
    AuthenticationChallenge,
    AuthenticationCredentialJSON,
    ChallengeId,
    RegistrationChallenge,
    RegistrationCredentialJSON,
)
from i18n import N_
from server.client_address import client_address
from server.db import Transaction
from server.errors import request_locale
from server.problems import Problem, problem_kind, problem_responses
from server.settings import AuthSettings

STAFF_COOKIE = "hanchang_staff"
COOKIE_PATH = "/console"

STAFF_SIGN_IN_REQUIRED = problem_kind(
    "staff-sign-in-required",
    401,
    N_("Please sign in to the console"),
    N_("You are not signed in, or your session has ended. Sign in again with your passkey."),
)

EnrollmentToken = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", examples=["hce_3q2+..."]
    ),
]


class EnrollOptionsRequest(msgspec.Struct, kw_only=True):
    token: EnrollmentToken


class EnrollVerifyRequest(msgspec.Struct, kw_only=True):
    token: EnrollmentToken
    challenge_id: ChallengeId
    credential: Annotated[RegistrationCredentialJSON, msgspec.Meta(examples=[REGISTRATION_EXAMPLE])]


class SignInVerifyRequest(msgspec.Struct, kw_only=True):
    challenge_id: ChallengeId
    credential: Annotated[
        AuthenticationCredentialJSON, msgspec.Meta(examples=[AUTHENTICATION_EXAMPLE])
    ]


class StaffOffice(msgspec.Struct, kw_only=True):
    code: Annotated[str, msgspec.Meta(examples=["busan"])]
    name: Annotated[str, msgspec.Meta(examples=["부산고용센터"])]


class StaffMe(msgspec.Struct, kw_only=True):
    id: int
    name: Annotated[str, msgspec.Meta(examples=["김민수"])]
    office: StaffOffice
    role: StaffRole


class Enrolled(msgspec.Struct, kw_only=True):
    staff_id: int


async def _limit_by_address(request: Request[Any, Any, Any], queue: ArqRedis, scope: str) -> None:
    await limit_sign_in_address(queue, _auth_settings(request), scope, client_address(request))


def _auth_settings(request: Request[Any, Any, Any]) -> AuthSettings:
    settings: AuthSettings = request.app.state.settings.auth
    return settings


async def provide_staff(
    request: Request[Any, Any, Any], tx: NamedDependency[Transaction]
) -> StaffSession:
    token = request.cookies.get(STAFF_COOKIE, "").strip()
    session = await authenticate_staff_token(tx.conn, token) if token else None
    if session is None:
        raise Problem(STAFF_SIGN_IN_REQUIRED)
    return session


STAFF = {"staff": Provide(provide_staff)}


def _cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    public_url: str = request.app.state.settings.http.public_url
    return Cookie(
        key=STAFF_COOKIE,
        value=value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=public_url.startswith("https://"),
    )


@post(
    "/console/api/enroll/options",
    status_code=200,
    tags=["staff"],
    summary="Options to register a staff passkey with a one-time enrollment link",
    responses=problem_responses(400, 429),
    description=(
        "`token` is the one in the enrollment link (`/console/enroll?token=...`), valid 24 "
        "hours and once. Answer `options` with `navigator.credentials.create` within 5 "
        "minutes, then `POST /console/api/enroll/verify` with the same token."
    ),
)
async def enroll_options(
    data: JSONBody[EnrollOptionsRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> RegistrationChallenge:
    await _limit_by_address(request, queue, "staff-enroll-ip")
    started = await start_enrollment(tx.conn, queue, _auth_settings(request), token=data.token)
    return RegistrationChallenge(challenge_id=started.challenge_id, options=started.options)


@post(
    "/console/api/enroll/verify",
    status_code=201,
    tags=["staff"],
    summary="Keep the staff passkey; the enrollment link is used up",
    responses=problem_responses(400, 409, 429),
)
async def enroll_verify(
    data: JSONBody[EnrollVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Enrolled:
    await _limit_by_address(request, queue, "staff-enroll-ip")
    staff = await finish_enrollment(
        tx.conn,
        queue,
        _auth_settings(request),
        token=data.token,
        challenge_id=data.challenge_id,
        credential=data.credential,
    )
    return Enrolled(staff_id=staff.id)


@post(
    "/console/api/sign-in/options",
    status_code=200,
    tags=["staff"],
    summary="Options to sign in to the console with a staff passkey",
    responses=problem_responses(429),
)
async def sign_in_options(
    request: Request[Any, Any, Any], queue: NamedDependency[ArqRedis]
) -> AuthenticationChallenge:
    await _limit_by_address(request, queue, "staff-sign-in-ip")
    started = await start_staff_sign_in(queue, _auth_settings(request))
    return AuthenticationChallenge(challenge_id=started.challenge_id, options=started.options)


@post(
    "/console/api/sign-in/verify",
    status_code=200,
    tags=["staff"],
    summary="Sign in to the console: sets the `hanchang_staff` session cookie",
    responses=problem_responses(400, 401, 429),
    description=(
        "Staff sign in with a passkey only. The session ends after 15 minutes without "
        "activity or 8 hours after sign-in, and at once when the staff member is disabled."
    ),
)
async def sign_in_verify(
    data: JSONBody[SignInVerifyRequest],
    request: Request[Any, Any, Any],
    tx: NamedDependency[Transaction],
    queue: NamedDependency[ArqRedis],
) -> Response[StaffMe]:
    await _limit_by_address(request, queue, "staff-sign-in-ip")
    signed_in = await finish_staff_sign_in(
        tx.conn,
        queue,
        _auth_settings(request),
        challenge_id=data.challenge_id,
        credential=data.credential,
        address=client_address(request),
    )
    session = await authenticate_staff_token(tx.conn, signed_in.token)
    assert session is not None
    me = await _me(tx, session, request_locale(request))
    max_age = int(STAFF_SESSION_MAX_AGE.total_seconds())
    return Response(me, cookies=[_cookie(request, signed_in.token, max_age)])


async def _me(tx: Transaction, session: StaffSession, locale: str) -> StaffMe:
    office = await get_office(tx.conn, session.office_code)
    assert office is not None
    return StaffMe(
        id=session.staff_id,
        name=session.name,
        office=StaffOffice(code=office.code, name=office.name(locale)),
        role=session.role,
    )


@get(
    "/console/api/me",
    tags=["staff"],
    summary="The signed-in staff member (keeps the session alive)",
    responses=problem_responses(401),
    dependencies=STAFF,
)
async def console_me(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> StaffMe:
    return await _me(tx, staff, request_locale(request))


@post(
    "/console/api/sign-out",
    status_code=204,
    tags=["staff"],
    summary="End the console session and clear its cookie",
    responses=problem_responses(401),
    dependencies=STAFF,
)
async def console_sign_out(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await sign_out_staff(tx.conn, staff)
    return Response(None, status_code=204, cookies=[_cookie(request, "", 0)])


ROUTES = [
    enroll_options,
    enroll_verify,
    sign_in_options,
    sign_in_verify,
    console_me,
    console_sign_out,
]
