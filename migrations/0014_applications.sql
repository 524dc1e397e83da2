-- Applications in one step: bank accounts for payments, applications with the
-- eligibility answer they were made on, their status history, appeals, and the
-- idempotency keys that make a retried submit safe.

-- A bank account a person receives benefits into. The number is sealed with the
-- data key (AES-256-GCM, bound to the row's person) and only its last 4 digits
-- are kept in clear. Ownership is proven by a 1-won deposit whose memo carries
-- a 4-digit code (kept as a keyed hash); 5 wrong tries void it.
CREATE TABLE bank_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    bank_code text NOT NULL CHECK (bank_code ~ '^[0-9]{3}$'),
    number_sealed bytea NOT NULL,
    number_last4 text NOT NULL CHECK (number_last4 ~ '^[0-9]{4}$'),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'void')),
    code_hash bytea,
    code_sent_at timestamptz,
    code_attempts smallint NOT NULL DEFAULT 0 CHECK (code_attempts >= 0),
    verified_at timestamptz,
    -- When payments may go here: the verification, or a day later when it
    -- replaces an account already verified (a cooling-off day).
    effective_from timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bank_accounts_verified CHECK (
        (status = 'verified') = (verified_at IS NOT NULL AND effective_from IS NOT NULL)
    )
);

CREATE INDEX bank_accounts_person ON bank_accounts (person_id);

-- The 1-won deposits of development (no bank connection in `make run`) land in
-- the outbox beside SMS and voice messages.
ALTER TABLE dev_outbox DROP CONSTRAINT dev_outbox_channel_check;
ALTER TABLE dev_outbox ADD CONSTRAINT dev_outbox_channel_check
    CHECK (channel IN ('sms', 'voice', 'bank'));

CREATE TABLE applications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    -- The account that submitted it (a delegate's account later).
    account_id bigint NOT NULL REFERENCES accounts (id),
    programme_id text NOT NULL,
    status text NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected', 'paid')),
    -- The eligibility answer on the day of applying: shown, never deciding alone
    -- (개인정보 보호법 제37조의2).
    eligibility_status text NOT NULL CHECK (eligibility_status IN ('eligible', 'not_eligible', 'unknown')),
    rule_version text NOT NULL,
    criteria text NOT NULL CHECK (criteria ~ '^[MNU]+$'),
    period_key text,
    evaluated_on date NOT NULL,
    -- Each criterion: id, status, figure, text (message id) and legal reference.
    explained jsonb NOT NULL,
    -- The form as prefilled from linked data, which the citizen confirmed.
    prefilled jsonb NOT NULL,
    bank_account_id bigint NOT NULL REFERENCES bank_accounts (id),
    contact_preference text NOT NULL CHECK (contact_preference IN ('push', 'sms', 'voice', 'letter')),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    decision_reason text
);

-- One application per person, programme and eligibility period, unless it was rejected.
CREATE UNIQUE INDEX applications_one_per_period
    ON applications (person_id, programme_id, coalesce(period_key, ''))
    WHERE status <> 'rejected';
CREATE INDEX applications_person ON applications (person_id, submitted_at DESC);
CREATE INDEX applications_status ON applications (status, submitted_at);

-- Every change of an application, in order: the status history and the outbox
-- the notifications job reads (one row per thing a person may be told).
CREATE TABLE application_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES applications (id),
    kind text NOT NULL CHECK (kind IN ('status', 'human_review', 'appeal')),
    status text NOT NULL
        CHECK (status IN ('submitted', 'under_review', 'approved', 'rejected', 'paid')),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- account:<id> for the citizen, staff:<name> for a caseworker, system.
    actor text NOT NULL,
    reason text
);

CREATE INDEX application_events_application ON application_events (application_id, id);

-- A request to look again at a rejection: 재검토 by a caseworker, or 심사청구
-- (고용보험법 제87조). One per application.
CREATE TABLE application_appeals (
    application_id bigint PRIMARY KEY REFERENCES applications (id),
    kind text NOT NULL CHECK (kind IN ('human_review', 'appeal')),
    statement text,
    filed_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL
);

-- Idempotency-Key of a submit, per account, for 24 hours. A row without a
-- response is in progress; one older than a couple of minutes was abandoned.
CREATE TABLE idempotency_keys (
    account_id bigint NOT NULL REFERENCES accounts (id),
    key text NOT NULL CHECK (length(key) BETWEEN 8 AND 128),
    request_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    response_status smallint,
    response_body bytea,
    PRIMARY KEY (account_id, key),
    CONSTRAINT idempotency_keys_response CHECK (
        (completed_at IS NULL) = (response_status IS NULL)
        AND (completed_at IS NULL) = (response_body IS NULL)
    )
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The history is append-only for the application role; nothing here is deleted.
REVOKE UPDATE, DELETE ON application_events, application_appeals FROM hanchang_app;
REVOKE DELETE ON applications, bank_accounts FROM hanchang_app;
