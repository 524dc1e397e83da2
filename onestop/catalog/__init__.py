"""The benefit catalog: every programme of the ministry, with its figures and laws.

`PROGRAMMES` holds one `Programme` per id in `onestop.programme_ids`; text in
them is English message ids. `render_programme` and `render_catalog` give the
same in a reader's language, ready for any channel to show.
"""

from __future__ import annotations

from datetime import date

import msgspec

from foundation.problems import Problem, problem_kind
from i18n import N_, translate, translate_plural
from i18n.formatting import format_number, format_won
from onestop.catalog.family import MATERNITY_LEAVE, PARENTAL_LEAVE, REDUCED_HOURS, SPOUSE_LEAVE
from onestop.catalog.job_seeking import LEARNING_CARD, SUPPORT_TYPE_1, SUPPORT_TYPE_2
from onestop.catalog.model import (
    Agency,
    AgencyId,
    DocumentTypeId,
    EarlierValue,
    Figure,
    FigureUnit,
    Law,
    LegalReference,
    Programme,
    Source,
)
from onestop.catalog.unemployment import EARLY_REEMPLOYMENT, UNEMPLOYMENT
from onestop.catalog.wage_arrears import LIVING_COST_LOAN, SUBSTITUTE_PAYMENT
from onestop.programme_ids import PROGRAMME_IDS

__all__ = [
    "DOCUMENT_TYPES",
    "PROGRAMMES",
    "PROGRAMME_NOT_FOUND",
    "Agency",
    "CatalogDocument",
    "DocumentTypeId",
    "EarlierValue",
    "Figure",
    "FigureUnit",
    "Law",
    "LegalReference",
    "Programme",
    "ProgrammeDocument",
    "ProgrammeSummary",
    "Source",
    "get_programme",
    "render_catalog",
    "render_programme",
    "render_summary",
    "require_programme",
]

# What each document type is called where a person reads it.
DOCUMENT_TYPES: dict[DocumentTypeId, str] = {
    "employment-insurance-history": N_("Employment insurance history"),
    "wage-statement": N_("Wage statement"),
    "family-relation": N_("Family relation certificate"),
    "income-percentile": N_("Household income level"),
    "job-seeker-registration": N_("Job-seeker registration"),
    "wage-arrears-confirmation": N_("Confirmation of unpaid wages"),
}


def _in_catalog_order(*programmes: Programme) -> dict[str, Programme]:
    by_id = {programme.id: programme for programme in programmes}
    if set(by_id) != set(PROGRAMME_IDS) or len(by_id) != len(programmes):
        raise RuntimeError("the catalog must hold exactly one programme per programme id")
    return {programme_id: by_id[programme_id] for programme_id in PROGRAMME_IDS}


PROGRAMMES: dict[str, Programme] = _in_catalog_order(
    UNEMPLOYMENT,
    EARLY_REEMPLOYMENT,
    SUPPORT_TYPE_1,
    SUPPORT_TYPE_2,
    LEARNING_CARD,
    PARENTAL_LEAVE,
    REDUCED_HOURS,
    MATERNITY_LEAVE,
    SPOUSE_LEAVE,
    SUBSTITUTE_PAYMENT,
    LIVING_COST_LOAN,
)


PROGRAMME_NOT_FOUND = problem_kind(
    "programme-not-found",
    404,
    N_("Service not found"),
    N_("There is no service with this id. Check the list of services and try again."),
)


def get_programme(programme_id: str) -> Programme | None:
    return PROGRAMMES.get(programme_id)


def require_programme(programme_id: str) -> Programme:
    """The programme, or a 404 `programme-not-found` problem for any channel to show."""
    programme = PROGRAMMES.get(programme_id)
    if programme is None:
        raise Problem(PROGRAMME_NOT_FOUND)
    return programme


class AgencyDocument(msgspec.Struct, frozen=True, kw_only=True):
    id: AgencyId
    name: str
    url: str


class SourceDocument(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    url: str | None


class FigureDocument(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    label: str
    value: int | float
    unit: FigureUnit
    # The value as a person reads it ("하루 68,100원", "68,100 won a day").
    display: str
    source: SourceDocument
    holds_from: date


class LegalReferenceDocument(msgspec.Struct, frozen=True, kw_only=True):
    law: str
    article: str
    citation: str
    url: str


class RequiredDocument(msgspec.Struct, frozen=True, kw_only=True):
    id: DocumentTypeId
    name: str


class ProgrammeSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    summary: str
    agency: AgencyDocument
    link: str


class ProgrammeDocument(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    summary: str
    who: list[str]
    pays: list[str]
    legal_basis: list[LegalReferenceDocument]
    documents: list[RequiredDocument]
    steps: list[str]
    agency: AgencyDocument
    link: str
    figures: list[FigureDocument]


class CatalogDocument(msgspec.Struct, frozen=True, kw_only=True):
    services: list[ProgrammeSummary]


def _plural_count(value: int | float) -> int:
    # A whole number picks its own form; a fraction (1.5 hours) is counted as many.
    return int(value) if float(value).is_integer() else 2


def display_value(figure: Figure, locale: str) -> str:
    """A figure in words, with the number, the money and the plural as the language
    writes them (i18n/formatting.py): `하루 68,100원`, `₩68,100 a day`, `1 day`, `2 days`."""
    value = figure.value
    number = format_number(locale, value)
    count = _plural_count(value)
    match figure.unit:
        case "krw":
            return format_won(locale, value)
        case "krw_per_day":
            return translate(locale, N_("{amount} a day"), amount=format_won(locale, value))
        case "krw_per_month":
            return translate(locale, N_("{amount} a month"), amount=format_won(locale, value))
        case "percent":
            return translate(locale, N_("{value} percent"), value=number)
        case "percent_per_year":
            return translate(locale, N_("{value} percent a year"), value=number)
        case "days":
            return translate_plural(locale, "{value} day", "{value} days", count, value=number)
        case "months":
            return translate_plural(locale, "{value} month", "{value} months", count, value=number)
        case "hours_per_week":
            return translate_plural(
                locale, "{value} hour a week", "{value} hours a week", count, value=number
            )
        case "years":
            return translate(locale, N_("age {value}"), value=number)
        case "school_grade":
            return translate(locale, N_("grade {value} of primary school"), value=number)


def _article(reference: LegalReference, locale: str) -> str:
    if reference.branch:
        return translate(
            locale,
            N_("Article {number}-{branch}"),
            number=reference.article,
            branch=reference.branch,
        )
    return translate(locale, N_("Article {number}"), number=reference.article)


def render_reference(reference: LegalReference, locale: str) -> LegalReferenceDocument:
    law = translate(locale, reference.law.name)
    article = _article(reference, locale)
    return LegalReferenceDocument(
        law=law,
        article=article,
        citation=translate(locale, N_("{law}, {article}"), law=law, article=article),
        url=reference.url,
    )


def render_source(source: Source, locale: str) -> SourceDocument:
    if source.law is not None:
        return SourceDocument(
            title=render_reference(source.law, locale).citation, url=source.law.url
        )
    return SourceDocument(title=translate(locale, source.title), url=source.url)


def render_figure(figure: Figure, locale: str) -> FigureDocument:
    return FigureDocument(
        id=figure.id,
        label=translate(locale, figure.label),
        value=figure.value,
        unit=figure.unit,
        display=display_value(figure, locale),
        source=render_source(figure.source, locale),
        holds_from=figure.holds_from,
    )


def _agency(agency: Agency, locale: str) -> AgencyDocument:
    return AgencyDocument(id=agency.id, name=translate(locale, agency.name), url=agency.url)


def render_summary(programme: Programme, locale: str) -> ProgrammeSummary:
    return ProgrammeSummary(
        id=programme.id,
        name=translate(locale, programme.name),
        summary=translate(locale, programme.summary),
        agency=_agency(programme.agency, locale),
        link=programme.link,
    )


def render_programme(programme: Programme, locale: str) -> ProgrammeDocument:
    """Everything about a programme, every text in `locale`."""
    return ProgrammeDocument(
        id=programme.id,
        name=translate(locale, programme.name),
        summary=translate(locale, programme.summary),
        who=[translate(locale, line) for line in programme.who],
        pays=[translate(locale, line) for line in programme.pays],
        legal_basis=[render_reference(ref, locale) for ref in programme.legal_basis],
        documents=[
            RequiredDocument(id=doc, name=translate(locale, DOCUMENT_TYPES[doc]))
            for doc in programme.documents
        ],
        steps=[translate(locale, step) for step in programme.steps],
        agency=_agency(programme.agency, locale),
        link=programme.link,
        figures=[render_figure(figure, locale) for figure in programme.figures],
    )


def render_catalog(locale: str) -> CatalogDocument:
    return CatalogDocument(
        services=[render_summary(programme, locale) for programme in PROGRAMMES.values()]
    )
