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
from litestar.di import NamedDependency
from litestar.params import JSONBody

from assisted_channel.console.session import session_cookie
from auth import (
    AUTHENTICATION_EXAMPLE,
    REGISTRATION_EXAMPLE,
    AuthenticationChallenge,
    AuthenticationCredentialJSON,
    ChallengeId,
    RegistrationChallenge,
    RegistrationCredentialJSON,
    limit_sign_in_address,
)
from auth.staff import (
    STAFF_SESSION_MAX_AGE,
    StaffRole,
    StaffSession,
    authenticate_staff_token,
    finish_enrollment,
    finish_staff_sign_in,
    get_office,
    sign_out_staff,
    start_enrollment,
    start_staff_sign_in,
)
from foundation.client_address import client_address
from foundation.db import Transaction
from foundation.errors import request_locale
from foundation.problems import problem_responses
from foundation.settings import AuthSettings

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


@post(
    "/api/enroll/options",
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
    "/api/enroll/verify",
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
    "/api/sign-in/options",
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
    "/api/sign-in/verify",
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
    return Response(me, cookies=[session_cookie(request, signed_in.token, max_age)])


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
    "/api/me",
    tags=["staff"],
    summary="The signed-in staff member (keeps the session alive)",
    responses=problem_responses(401),
)
async def console_me(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> StaffMe:
    return await _me(tx, staff, request_locale(request))


@post(
    "/api/sign-out",
    status_code=204,
    tags=["staff"],
    summary="End the console session and clear its cookie",
    responses=problem_responses(401),
)
async def console_sign_out(
    request: Request[Any, Any, Any],
    staff: NamedDependency[StaffSession],
    tx: NamedDependency[Transaction],
) -> Response[None]:
    await sign_out_staff(tx.conn, staff)
    return Response(None, status_code=204, cookies=[session_cookie(request, "", 0)])


# Before a staff session exists: on the console's router without the staff guard.
SIGN_IN_ROUTES = [enroll_options, enroll_verify, sign_in_options, sign_in_verify]
ROUTES = [console_me, console_sign_out]
