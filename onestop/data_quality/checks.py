"""The checks on the linked data (`person_facts`, `people`), one SQL statement each.

Every statement is set-based over the whole population and returns one row: `affected`
(facts or people, as the check's `unit` says) and `samples`, up to five person ids, the
smallest first. Ids only: a report must never carry names or registration numbers.

Checks about dates take `$1`, today in Korea; staleness checks take `$1`, the cut-off
time, and `$2`, the source system; the others take nothing. Each statement puts what it finds in a materialised CTE
(`affected`, one row per fact or per person) so that counting and sampling read it once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import msgspec

from i18n import N_

Category = Literal["range", "missing", "stale", "disagreement"]
Severity = Literal["error", "warning"]
Unit = Literal["facts", "people"]
SourceSystem = Literal["ei", "nts", "family", "nhis", "worknet"]

# How long a fact stays current after its source last sent it. A fact refreshed longer ago
# than this has missed at least one load of its source, and rules that read it may answer
# on yesterday's truth.
REFRESH_PERIODS: dict[SourceSystem, timedelta] = {
    # 고용보험 (근로복지공단): acquisition and loss of insured status are reported by the
    # 15th of the following month (고용보험법 제15조) and wages monthly, so the feed is
    # monthly; two months allow one late load, not two.
    "ei": timedelta(days=62),
    # 국세청: income is filed once a year (근로소득 지급명세서 by 10 March, 소득세법
    # 제164조; 종합소득세 in May, 제70조), so the feed is yearly, plus a month's grace.
    "nts": timedelta(days=396),
    # 가족관계등록 (법원행정처): a birth is registered within a month (가족관계의 등록 등에
    # 관한 법률 제44조); events are rare, and a quarterly load sees each within a quarter.
    "family": timedelta(days=92),
    # 국민건강보험공단: the premium behind the 소득인정액 is reassessed each April (직장가입자
    # 정산) and November (지역가입자), so a quarterly load sees each change in time.
    "nhis": timedelta(days=92),
    # 워크넷 (한국고용정보원): registrations start and end any day and decide 구직급여
    # (고용보험법 제42조), so the feed is monthly; two months allow one late load.
    "worknet": timedelta(days=62),
}


class DataQualityCheck(msgspec.Struct, frozen=True, kw_only=True):
    """One check: what it looks for (English msgids), how bad it is, and its statement."""

    id: str
    category: Category
    severity: Severity
    unit: Unit
    title: str
    description: str
    sql: str
    # Whether the statement takes today's date (`$1`).
    takes_today: bool = True
    # Staleness checks: the source system whose facts they read (`$2`).
    source: SourceSystem | None = None


_PAID_BASE_DAYS_OVER_PERIOD = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f
    WHERE f.kind = 'employment_insurance'
      AND f.paid_base_days > coalesce(f.valid_to, $1::date) - f.valid_from + 1
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# A month's wage of zero is a missing report, not a wage; over 1,000,000,000 won a month is
# a slip of the decimal point (the highest insured monthly wages are a few tens of millions).
_WAGE_IMPLAUSIBLE = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f
    WHERE f.kind = 'wage' AND (f.amount_krw = 0 OR f.amount_krw > 1000000000)
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# 소득인정액 as a share of 기준 중위소득: ten times the median is already far beyond what
# any programme asks about; above that the figure was stored in the wrong unit.
_INCOME_PERCENTILE_OVER_1000 = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f
    WHERE f.kind = 'household_income' AND f.income_percentile > 1000
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

_CHILD_BORN_BEFORE_PARENT_WAS_12 = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f JOIN people p ON p.id = f.person_id
    WHERE f.kind = 'child' AND f.child_birth_date < (p.birth_date + interval '12 years')::date
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

_CHILD_BORN_IN_THE_FUTURE = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f
    WHERE f.kind = 'child' AND f.child_birth_date > $1::date
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# 근로기준법 제64조: nobody under 15 may be employed (save with a 취직인허증), so an insured
# employment starting earlier is most often a wrong birth date or a wrong person key.
_EMPLOYMENT_BEFORE_AGE_15 = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f JOIN people p ON p.id = f.person_id
    WHERE f.kind = 'employment_insurance'
      AND f.valid_from < (p.birth_date + interval '15 years')::date
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

_VALID_FROM_IN_THE_FUTURE = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f WHERE f.valid_from > $1::date
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# Wages are reported monthly for each employer. An employment that already covered the
# whole of last month must have a wage from that employer for one of the last three
# months (from the 1st of the month three months back); one that began since has none yet.
_CURRENT_EMPLOYMENT_WITHOUT_RECENT_WAGE = """
WITH affected AS MATERIALIZED (
    SELECT DISTINCT e.person_id FROM person_facts e
    WHERE e.kind = 'employment_insurance' AND e.valid_to IS NULL
      AND e.valid_from <= (date_trunc('month', $1::date) - interval '1 month')::date
      AND NOT EXISTS (
          SELECT 1 FROM person_facts w
          WHERE w.person_id = e.person_id AND w.kind = 'wage'
            AND w.employer_id = e.employer_id
            AND w.valid_from >= (date_trunc('month', $1::date) - interval '3 months')::date)
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# 민법 제4조: a person comes of age at 19. Income-tested programmes (국민취업지원제도)
# read the household income of every adult who might apply.
_ADULT_WITHOUT_HOUSEHOLD_INCOME = """
WITH affected AS MATERIALIZED (
    SELECT p.id AS person_id FROM people p
    WHERE p.deceased_on IS NULL
      AND p.birth_date <= ($1::date - interval '19 years')::date
      AND NOT EXISTS (
          SELECT 1 FROM person_facts f
          WHERE f.person_id = p.id AND f.kind = 'household_income')
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

_STALE = """
WITH affected AS MATERIALIZED (
    SELECT f.person_id FROM person_facts f
    WHERE f.source_system = $2::text AND f.refreshed_at < $1::timestamptz
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT DISTINCT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# 고용보험법 제14조: insured status ends with death, so the 고용보험 record should hold a
# loss date; a current employment of someone the registry knows dead disagrees with it.
_DECEASED_WITH_CURRENT_EMPLOYMENT = """
WITH affected AS MATERIALIZED (
    SELECT p.id AS person_id FROM people p
    WHERE p.deceased_on IS NOT NULL
      AND EXISTS (
          SELECT 1 FROM person_facts e
          WHERE e.person_id = p.id AND e.kind = 'employment_insurance' AND e.valid_to IS NULL)
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# Registering as a job seeker while employed is allowed, but more than 30 days of it beside
# a current insured employment usually means one of the two sources missed an end date.
_JOB_SEEKING_WHILE_EMPLOYED = """
WITH affected AS MATERIALIZED (
    SELECT DISTINCT j.person_id FROM person_facts j
    JOIN person_facts e ON e.person_id = j.person_id AND e.kind = 'employment_insurance'
                       AND e.valid_to IS NULL
    WHERE j.kind = 'job_seeker_registration'
      AND least(coalesce(j.valid_to, $1::date), $1::date)
          - greatest(j.valid_from, e.valid_from) + 1 > 30
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

# One person is insured once per workplace at a time: two periods with the same 사업장
# that overlap are a double report, and they double the paid-base days a rule counts.
_OVERLAPPING_EMPLOYMENTS_SAME_EMPLOYER = """
WITH affected AS MATERIALIZED (
    SELECT DISTINCT a.person_id FROM person_facts a
    JOIN person_facts b ON b.person_id = a.person_id AND b.kind = 'employment_insurance'
                       AND b.employer_id = a.employer_id AND b.id > a.id
    WHERE a.kind = 'employment_insurance'
      AND a.valid_from <= coalesce(b.valid_to, 'infinity'::date)
      AND b.valid_from <= coalesce(a.valid_to, 'infinity'::date)
)
SELECT (SELECT count(*) FROM affected) AS affected,
       ARRAY(SELECT person_id FROM affected ORDER BY person_id LIMIT 5) AS samples
"""

_SOURCE_NAMES: dict[SourceSystem, str] = {
    "ei": N_("Employment insurance facts (ei) older than their refresh period"),
    "nts": N_("Tax office facts (nts) older than their refresh period"),
    "family": N_("Family register facts (family) older than their refresh period"),
    "nhis": N_("Health insurance facts (nhis) older than their refresh period"),
    "worknet": N_("Job-seeker facts (worknet) older than their refresh period"),
}
_STALE_DESCRIPTION = N_(
    "Facts from this source not refreshed for more than {days} days, its refresh period. "
    "Rules that read them may answer on old data."
)

CHECKS: tuple[DataQualityCheck, ...] = (
    DataQualityCheck(
        id="paid-base-days-over-period",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Paid-base days longer than the employment"),
        description=N_(
            "An employment counts more paid-base days than it has calendar days. "
            "Eligibility for unemployment benefit would be overstated."
        ),
        sql=_PAID_BASE_DAYS_OVER_PERIOD,
    ),
    DataQualityCheck(
        id="wage-implausible",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Implausible monthly wage"),
        description=N_("A monthly wage of zero won or of more than 1 billion won."),
        sql=_WAGE_IMPLAUSIBLE,
        takes_today=False,
    ),
    DataQualityCheck(
        id="income-percentile-over-1000",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Household income above ten times the median"),
        description=N_(
            "A household income more than ten times the standard median income. "
            "It was most likely stored in the wrong unit."
        ),
        sql=_INCOME_PERCENTILE_OVER_1000,
        takes_today=False,
    ),
    DataQualityCheck(
        id="child-born-before-parent-was-12",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Child born before the parent turned 12"),
        description=N_("A child's birth date is less than 12 years after the parent's."),
        sql=_CHILD_BORN_BEFORE_PARENT_WAS_12,
        takes_today=False,
    ),
    DataQualityCheck(
        id="child-born-in-the-future",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Child born in the future"),
        description=N_("A child's birth date is after today."),
        sql=_CHILD_BORN_IN_THE_FUTURE,
    ),
    DataQualityCheck(
        id="employment-before-age-15",
        category="range",
        severity="warning",
        unit="facts",
        title=N_("Employment starting before age 15"),
        description=N_(
            "An insured employment starts before the person's 15th birthday. "
            "This needs a work permit, so the birth date or the person may be wrong."
        ),
        sql=_EMPLOYMENT_BEFORE_AGE_15,
        takes_today=False,
    ),
    DataQualityCheck(
        id="valid-from-in-the-future",
        category="range",
        severity="error",
        unit="facts",
        title=N_("Fact valid from a future date"),
        description=N_("A fact starts after today."),
        sql=_VALID_FROM_IN_THE_FUTURE,
    ),
    DataQualityCheck(
        id="current-employment-without-recent-wage",
        category="missing",
        severity="warning",
        unit="people",
        title=N_("Current employment without a recent wage"),
        description=N_(
            "People in a current employment that covered all of last month, with no wage "
            "from that employer in the last three months. Wage-based amounts stay unknown. "
            "People on unpaid leave, such as parental leave, show here too."
        ),
        sql=_CURRENT_EMPLOYMENT_WITHOUT_RECENT_WAGE,
    ),
    DataQualityCheck(
        id="adult-without-household-income",
        category="missing",
        severity="warning",
        unit="people",
        title=N_("Living adult without household income"),
        description=N_(
            "Living people aged 19 or over with no household income fact. "
            "Income-tested programmes answer unknown for them."
        ),
        sql=_ADULT_WITHOUT_HOUSEHOLD_INCOME,
    ),
    *(
        DataQualityCheck(
            id=f"stale-{source}",
            category="stale",
            severity="warning",
            unit="facts",
            title=_SOURCE_NAMES[source],
            description=_STALE_DESCRIPTION,
            sql=_STALE,
            source=source,
        )
        for source in REFRESH_PERIODS
    ),
    DataQualityCheck(
        id="deceased-with-current-employment",
        category="disagreement",
        severity="error",
        unit="people",
        title=N_("Deceased person with a current employment"),
        description=N_(
            "The person registry records a death, but employment insurance still "
            "shows a current employment."
        ),
        sql=_DECEASED_WITH_CURRENT_EMPLOYMENT,
        takes_today=False,
    ),
    DataQualityCheck(
        id="job-seeking-while-employed",
        category="disagreement",
        severity="warning",
        unit="people",
        title=N_("Registered job seeker while employed"),
        description=N_(
            "A job-seeker registration overlaps a current employment by more than 30 days. "
            "One of the two sources may have missed an end date."
        ),
        sql=_JOB_SEEKING_WHILE_EMPLOYED,
    ),
    DataQualityCheck(
        id="overlapping-employments-same-employer",
        category="disagreement",
        severity="error",
        unit="people",
        title=N_("Overlapping employments with the same employer"),
        description=N_(
            "Two employment periods with the same workplace overlap. "
            "Paid-base days would be counted twice."
        ),
        sql=_OVERLAPPING_EMPLOYMENTS_SAME_EMPLOYER,
        takes_today=False,
    ),
)

CHECKS_BY_ID: dict[str, DataQualityCheck] = {check.id: check for check in CHECKS}
