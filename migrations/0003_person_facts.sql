-- Linked administrative data that eligibility rules read. One row per fact,
-- typed by `kind`; each records its source system and when it was refreshed.
CREATE TABLE person_facts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    kind text NOT NULL CHECK (kind IN (
        'employment_insurance',     -- 고용보험 피보험자격 이력 (one employment)
        'wage',                     -- 월별 보수 (one month)
        'child',                    -- 가족관계: a child
        'household_income',         -- 가구 소득인정액, as % of 기준 중위소득
        'job_seeker_registration'   -- 워크넷 구직등록
    )),
    valid_from date,
    valid_to date,
    employer_name text,
    employer_id text,               -- 사업장관리번호
    separation_code text,           -- 고용보험 상실사유 코드 (11, 12, 22, 23, 26, 31, 32, ...)
    paid_base_days integer CHECK (paid_base_days >= 0),  -- 피보험 단위기간 (보수 지급 기초일수)
    amount_krw bigint CHECK (amount_krw >= 0),
    child_birth_date date,
    income_percentile numeric(5, 1) CHECK (income_percentile >= 0),
    reference_year smallint,
    source_system text NOT NULL CHECK (source_system IN ('ei', 'nts', 'family', 'nhis', 'worknet')),
    refreshed_at timestamptz NOT NULL,
    CONSTRAINT person_facts_period CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
    CONSTRAINT person_facts_shape CHECK (CASE kind
        WHEN 'employment_insurance' THEN valid_from IS NOT NULL AND employer_id IS NOT NULL
            AND paid_base_days IS NOT NULL
            AND (valid_to IS NULL) = (separation_code IS NULL)
        WHEN 'wage' THEN valid_from IS NOT NULL AND amount_krw IS NOT NULL AND employer_id IS NOT NULL
        WHEN 'child' THEN child_birth_date IS NOT NULL
        WHEN 'household_income' THEN income_percentile IS NOT NULL AND reference_year IS NOT NULL
        WHEN 'job_seeker_registration' THEN valid_from IS NOT NULL
    END)
);

CREATE INDEX person_facts_person_kind ON person_facts (person_id, kind);
