-- Unpaid wages confirmed by a labour inspector (체불임금 확인), for 대지급금 and the
-- living-cost loan: valid_from is the day of confirmation, amount_krw what is owed.
ALTER TABLE person_facts DROP CONSTRAINT person_facts_kind_check;
ALTER TABLE person_facts ADD CONSTRAINT person_facts_kind_check CHECK (kind IN (
    'employment_insurance', 'wage', 'child', 'household_income', 'job_seeker_registration',
    'wage_arrears'
));
ALTER TABLE person_facts DROP CONSTRAINT person_facts_source_system_check;
ALTER TABLE person_facts ADD CONSTRAINT person_facts_source_system_check
    CHECK (source_system IN ('ei', 'nts', 'family', 'nhis', 'worknet', 'labor'));
ALTER TABLE person_facts DROP CONSTRAINT person_facts_shape;
ALTER TABLE person_facts ADD CONSTRAINT person_facts_shape CHECK (CASE kind
    WHEN 'employment_insurance' THEN valid_from IS NOT NULL AND employer_id IS NOT NULL
        AND paid_base_days IS NOT NULL
        AND (valid_to IS NULL) = (separation_code IS NULL)
    WHEN 'wage' THEN valid_from IS NOT NULL AND amount_krw IS NOT NULL AND employer_id IS NOT NULL
    WHEN 'child' THEN child_birth_date IS NOT NULL
    WHEN 'household_income' THEN income_percentile IS NOT NULL AND reference_year IS NOT NULL
    WHEN 'job_seeker_registration' THEN valid_from IS NOT NULL
    WHEN 'wage_arrears' THEN valid_from IS NOT NULL AND amount_krw IS NOT NULL
        AND employer_id IS NOT NULL
    ELSE false
END);

-- The answer of each programme's rule for a person, as the population run last
-- decided it. Written only for people who are eligible or unknown, or whose
-- answer changed (a row that turns not_eligible stays, so the change is seen).
CREATE TABLE eligibility (
    person_id bigint NOT NULL REFERENCES people (id),
    programme_id text NOT NULL,
    -- "<programme>@<effective date>": the rule version that decided.
    rule_version text NOT NULL,
    status text NOT NULL CHECK (status IN ('eligible', 'not_eligible', 'unknown')),
    -- One letter per criterion, in rule order: M met, N not met, U unknown.
    criteria text NOT NULL CHECK (criteria ~ '^[MNU]+$'),
    -- The eligibility period (e.g. the separation date): decides whether a person
    -- was already told about this programme.
    period_key text,
    decided_on date NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    -- By programme first: notices go out programme by programme.
    PRIMARY KEY (programme_id, person_id)
);

-- No other index: the nightly run writes up to millions of rows, and every index slows it.

CREATE TABLE eligibility_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    as_of date NOT NULL,
    scope text NOT NULL CHECK (scope IN ('everyone', 'people')),
    people integer NOT NULL,
    written jsonb NOT NULL,
    seconds double precision NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);
