"""The signed-in person's language: what notices, letters and messages are written in."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.openapi import SIGNED_IN
from auth import NOT_A_LANGUAGE, CurrentSession, set_preferred_language
from foundation.db import Transaction
from foundation.problems import problem_responses
from i18n import LANGUAGES, SUPPORTED_LOCALES
from i18n.languages import TAG_PATTERN


class LanguageRequest(msgspec.Struct, kw_only=True):
    # A language tag: one of the codes below, or a tag that means one (`vi-VN`, `zh-TW`, `fil`).
    language: Annotated[
        str,
        msgspec.Meta(
            max_length=35,
            pattern=TAG_PATTERN,
            examples=["vi"],
            extra={
                "invalid": NOT_A_LANGUAGE,
                "params": {"choices": ", ".join(SUPPORTED_LOCALES)},
            },
        ),
    ]


class LanguageAnswer(msgspec.Struct, kw_only=True):
    # The code kept, as `/v1/me` shows it in `preferred_language`.
    language: Annotated[str, msgspec.Meta(examples=["vi"])]


_CODES = ", ".join(f"`{language.code}` ({language.name})" for language in LANGUAGES)


@put(
    "/v1/me/language",
    status_code=200,
    tags=["account"],
    summary="Set the language your notices, letters and messages are written in",
    security=SIGNED_IN,
    responses=problem_responses(400, 401),
    description=(
        "The language is kept as one of these codes: "
        + _CODES
        + ". A language tag that means one of them is understood (`vi-VN` → `vi`, `zh-TW` → "
        "`zh-Hans`, `fil` → `tl`). Any other language answers 400 `validation-error` naming "
        "`body.language`, and nothing changes. Every notice from then on is written in it; "
        "`/v1/me` shows it as `preferred_language`. The app's own screens follow "
        "`Accept-Language` or `?lang=` as every route does."
    ),
)
async def set_language(
    data: JSONBody[LanguageRequest],
    session: NamedDependency[CurrentSession],
    tx: NamedDependency[Transaction],
) -> LanguageAnswer:
    saved = await set_preferred_language(
        tx.conn,
        session.person_id,
        data.language,
        actor=f"account:{session.account_id}",
        channel=session.channel,
    )
    return LanguageAnswer(language=saved.language)


ROUTES: list[Any] = [set_language]
