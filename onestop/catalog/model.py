"""The shapes of the benefit catalog: programmes, their figures, laws and documents.

Text here is English message ids, marked with `N_` where it is written;
`onestop.catalog` renders it in the reader's language.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import quote

import msgspec

# The document types the government holds and an agency may view with the
# citizen's consent (열람승인). A programme names the ones it needs; nobody uploads them.
DocumentTypeId = Literal[
    "employment-insurance-history",
    "wage-statement",
    "family-relation",
    "income-percentile",
    "job-seeker-registration",
    "wage-arrears-confirmation",
]

FigureUnit = Literal[
    "krw",
    "krw_per_day",
    "krw_per_month",
    "percent",
    "percent_per_year",
    "days",
    "months",
    "hours_per_week",
    "years",
    "school_grade",
]

AgencyId = Literal["employment-center", "comwel"]

LAW_SITE = "https://www.law.go.kr/" + quote("법령") + "/"


class Law(msgspec.Struct, frozen=True, kw_only=True):
    name: str  # English message id
    # The title on the National Law Information Center (law.go.kr), for links only.
    korean_title: str


class LegalReference(msgspec.Struct, frozen=True, kw_only=True):
    """One article of a law (제73조의2 is article 73, branch 2)."""

    law: Law
    article: int
    branch: int | None = None

    @property
    def url(self) -> str:
        number = f"제{self.article}조" + (f"의{self.branch}" if self.branch else "")
        return LAW_SITE + quote(self.law.korean_title.replace(" ", "")) + "/" + quote(number)


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """Where a figure is published: an article of a law, or a notice or official page."""

    law: LegalReference | None = None
    title: str = ""  # English message id, when the source is not an article of a law
    url: str | None = None


class EarlierValue(msgspec.Struct, frozen=True, kw_only=True):
    """A value a figure had before its current one, from `holds_from` until the next one."""

    value: int | float
    holds_from: date


class Figure(msgspec.Struct, frozen=True, kw_only=True):
    """A published number (rate, cap, period, amount), with its source and the date it holds from.

    A change of law is one edit here: the new `value` and `holds_from`, the old pair moved
    to `earlier`. Rules read thresholds through `value_on` (onestop/rules/thresholds.py),
    so an answer for an earlier day uses the figure in force on that day.
    """

    id: str
    label: str  # English message id
    value: int | float
    unit: FigureUnit
    source: Source
    holds_from: date
    earlier: tuple[EarlierValue, ...] = ()

    def value_on(self, day: date) -> int | float | None:
        """The value in force on `day`; None before the first date we know it from."""
        if day >= self.holds_from:
            return self.value
        for past in sorted(self.earlier, key=lambda item: item.holds_from, reverse=True):
            if day >= past.holds_from:
                return past.value
        return None


class Agency(msgspec.Struct, frozen=True, kw_only=True):
    id: AgencyId
    name: str  # English message id
    url: str


class Programme(msgspec.Struct, frozen=True, kw_only=True):
    """One benefit or service of the Ministry of Employment and Labor."""

    id: str
    name: str
    summary: str
    # Who it is for, what it pays, how to apply: short sentences (English message ids).
    who: tuple[str, ...]
    pays: tuple[str, ...]
    legal_basis: tuple[LegalReference, ...]
    documents: tuple[DocumentTypeId, ...]
    steps: tuple[str, ...]
    agency: Agency
    # The official page to read more and apply.
    link: str
    figures: tuple[Figure, ...]
