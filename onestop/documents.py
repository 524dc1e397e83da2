"""Documents the government already holds, produced from person facts: never uploaded.

A document type says which facts make it, which system holds them, and how
they read as a document. Adding a type is one `DocumentType` entry in
`DOCUMENT_TYPES` (and its content struct in `DocumentContent`). A document is
produced when someone is allowed to see it (a live consent, or the person
themselves, see onestop/consents.py); it is never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import asyncpg
import msgspec

from auth import get_person
from foundation.problems import Problem, problem_kind
from i18n import N_, translate
from onestop.person_facts import PersonFact, list_person_facts

DOCUMENT_TYPE_UNKNOWN = problem_kind(
    "document-type-unknown",
    404,
    N_("No such document"),
    N_("We do not hold a document of this type. Check the document type and try again."),
)

# The systems facts come from (person_facts.source_system), as a person reads them.
SOURCE_SYSTEM_NAMES: dict[str, str] = {
    "ei": N_("Employment insurance system"),
    "nts": N_("National Tax Service"),
    "family": N_("Family relation registry"),
    "nhis": N_("National Health Insurance Service"),
    "worknet": N_("Work24 (Worknet)"),
}


# --- What each document says --------------------------------------------------------------


class InsuredEmployment(msgspec.Struct, frozen=True, kw_only=True):
    employer_name: str | None
    employer_id: str | None  # 사업장관리번호
    insured_from: date | None
    insured_to: date | None
    separation_code: str | None  # 고용보험 상실사유 코드
    paid_base_days: int | None  # 피보험 단위기간 (보수 지급 기초일수)


class EmploymentInsuranceHistory(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="employment-insurance-history",
    tag_field="document_type",
):
    employments: list[InsuredEmployment]


class MonthlyWage(msgspec.Struct, frozen=True, kw_only=True):
    month: date | None
    employer_name: str | None
    employer_id: str | None
    amount_krw: int | None


class WageStatement(
    msgspec.Struct, frozen=True, kw_only=True, tag="wage-statement", tag_field="document_type"
):
    months: list[MonthlyWage]


class Child(msgspec.Struct, frozen=True, kw_only=True):
    birth_date: date | None


class FamilyRelation(
    msgspec.Struct, frozen=True, kw_only=True, tag="family-relation", tag_field="document_type"
):
    # Children's birth dates only: the registry's names and numbers are not held.
    children: list[Child]


class IncomeAssessment(msgspec.Struct, frozen=True, kw_only=True):
    reference_year: int | None
    # 가구 소득인정액 as a percentage of the 기준 중위소득.
    percent_of_median_income: float | None


class IncomePercentile(
    msgspec.Struct, frozen=True, kw_only=True, tag="income-percentile", tag_field="document_type"
):
    assessments: list[IncomeAssessment]


class Registration(msgspec.Struct, frozen=True, kw_only=True):
    registered_from: date | None
    registered_to: date | None


class JobSeekerRegistration(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="job-seeker-registration",
    tag_field="document_type",
):
    registrations: list[Registration]


class ConfirmedArrears(msgspec.Struct, frozen=True, kw_only=True):
    confirmed_on: date | None
    employer_name: str | None
    employer_id: str | None
    amount_krw: int | None


class WageArrearsConfirmation(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    tag="wage-arrears-confirmation",
    tag_field="document_type",
):
    arrears: list[ConfirmedArrears]


DocumentContent = (
    EmploymentInsuranceHistory
    | WageStatement
    | FamilyRelation
    | IncomePercentile
    | JobSeekerRegistration
    | WageArrearsConfirmation
)


def _employment_history(facts: list[PersonFact]) -> DocumentContent:
    return EmploymentInsuranceHistory(
        employments=[
            InsuredEmployment(
                employer_name=f.employer_name,
                employer_id=f.employer_id,
                insured_from=f.valid_from,
                insured_to=f.valid_to,
                separation_code=f.separation_code,
                paid_base_days=f.paid_base_days,
            )
            for f in facts
        ]
    )


def _wage_statement(facts: list[PersonFact]) -> DocumentContent:
    return WageStatement(
        months=[
            MonthlyWage(
                month=f.valid_from,
                employer_name=f.employer_name,
                employer_id=f.employer_id,
                amount_krw=f.amount_krw,
            )
            for f in facts
        ]
    )


def _family_relation(facts: list[PersonFact]) -> DocumentContent:
    return FamilyRelation(children=[Child(birth_date=f.child_birth_date) for f in facts])


def _income_percentile(facts: list[PersonFact]) -> DocumentContent:
    return IncomePercentile(
        assessments=[
            IncomeAssessment(
                reference_year=f.reference_year,
                percent_of_median_income=(
                    float(f.income_percentile) if f.income_percentile is not None else None
                ),
            )
            for f in facts
        ]
    )


def _job_seeker_registration(facts: list[PersonFact]) -> DocumentContent:
    return JobSeekerRegistration(
        registrations=[
            Registration(registered_from=f.valid_from, registered_to=f.valid_to) for f in facts
        ]
    )


def _wage_arrears(facts: list[PersonFact]) -> DocumentContent:
    return WageArrearsConfirmation(
        arrears=[
            ConfirmedArrears(
                confirmed_on=f.valid_from,
                employer_name=f.employer_name,
                employer_id=f.employer_id,
                amount_krw=f.amount_krw,
            )
            for f in facts
        ]
    )


# --- The types -------------------------------------------------------------------------------


class DocumentType(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    # English message ids, shown in the reader's language.
    title: str
    holder: str  # the agency and system that hold the record
    fact_kinds: tuple[str, ...]
    build: Callable[[list[PersonFact]], DocumentContent]


DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.id: t
    for t in (
        DocumentType(
            id="employment-insurance-history",
            title=N_("Employment insurance history"),
            holder=N_(
                "Korea Workers' Compensation and Welfare Service, employment insurance database"
            ),
            fact_kinds=("employment_insurance",),
            build=_employment_history,
        ),
        DocumentType(
            id="wage-statement",
            title=N_("Wage statement"),
            holder=N_(
                "Korea Workers' Compensation and Welfare Service, employment insurance database"
            ),
            fact_kinds=("wage",),
            build=_wage_statement,
        ),
        DocumentType(
            id="family-relation",
            title=N_("Family relation (children)"),
            holder=N_("National Court Administration, family relation registry"),
            fact_kinds=("child",),
            build=_family_relation,
        ),
        DocumentType(
            id="income-percentile",
            title=N_("Household income compared with the standard median income"),
            holder=N_("National Health Insurance Service"),
            fact_kinds=("household_income",),
            build=_income_percentile,
        ),
        DocumentType(
            id="job-seeker-registration",
            title=N_("Job-seeker registration"),
            holder=N_("Korea Employment Information Service, Work24 (Worknet)"),
            fact_kinds=("job_seeker_registration",),
            build=_job_seeker_registration,
        ),
        DocumentType(
            id="wage-arrears-confirmation",
            title=N_("Confirmation of unpaid wages"),
            holder=N_("Ministry of Employment and Labor, labour inspection records"),
            fact_kinds=("wage_arrears",),
            build=_wage_arrears,
        ),
    )
}


def document_type(type_id: str) -> DocumentType:
    """The type named `type_id`, or a 404 problem."""
    found = DOCUMENT_TYPES.get(type_id)
    if found is None:
        raise Problem(DOCUMENT_TYPE_UNKNOWN)
    return found


# --- Producing and reading a document -----------------------------------------------------------


class Document(msgspec.Struct, frozen=True, kw_only=True):
    document_type: str
    person_id: int
    subject_name: str
    subject_birth_date: date
    source_systems: list[str]
    # When the oldest record in it was refreshed from its source: the document
    # is no fresher than that. None when the source holds no record.
    refreshed_at: datetime | None
    produced_at: datetime
    content: DocumentContent


async def produce_document(
    conn: asyncpg.Connection, person_id: int, type_: DocumentType | str
) -> Document:
    """The document as its holder's records say today (an empty list is an answer too)."""
    kind = type_ if isinstance(type_, DocumentType) else document_type(type_)
    person = await get_person(conn, person_id)
    if person is None:
        raise LookupError(f"no person {person_id}")
    facts = await list_person_facts(conn, person_id, kind.fact_kinds)
    return Document(
        document_type=kind.id,
        person_id=person.id,
        subject_name=person.name,
        subject_birth_date=person.birth_date,
        source_systems=sorted({f.source_system for f in facts}),
        refreshed_at=min((f.refreshed_at for f in facts), default=None),
        produced_at=datetime.now(UTC),
        content=kind.build(facts),
    )


class SourceSystem(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str


class DocumentView(msgspec.Struct, frozen=True, kw_only=True):
    """A document as a person reads it, with its title and holder in their language."""

    document_type: str
    title: str
    holder: str
    subject_name: str
    subject_birth_date: date
    sources: list[SourceSystem]
    refreshed_at: datetime | None
    produced_at: datetime
    content: DocumentContent


def render_document(document: Document, locale: str) -> DocumentView:
    kind = DOCUMENT_TYPES[document.document_type]
    return DocumentView(
        document_type=kind.id,
        title=translate(locale, kind.title),
        holder=translate(locale, kind.holder),
        subject_name=document.subject_name,
        subject_birth_date=document.subject_birth_date,
        sources=[
            SourceSystem(code=code, name=translate(locale, SOURCE_SYSTEM_NAMES.get(code, code)))
            for code in document.source_systems
        ],
        refreshed_at=document.refreshed_at,
        produced_at=document.produced_at,
        content=document.content,
    )
