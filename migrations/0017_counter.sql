-- Identity checks at a job centre counter, and the one-time enrollment codes a
-- clerk hands out after a successful check.
CREATE TABLE identity_verifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    staff_id bigint NOT NULL REFERENCES staff (id),
    office_code text NOT NULL REFERENCES offices (code),
    document_type text NOT NULL CHECK (document_type IN (
        'resident_id_card', 'drivers_licence', 'passport', 'alien_registration_card'
    )),
    -- Only the last 4 characters of the document's number, never the whole number.
    document_last4 text NOT NULL CHECK (document_last4 ~ '^[A-Z0-9]{4}$'),
    result text NOT NULL CHECK (result IN ('match', 'mismatch')),
    channel text NOT NULL DEFAULT 'counter' CHECK (channel IN ('counter')),
    verified_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_verifications_person ON identity_verifications (person_id, verified_at);

-- One-time codes to finish setting up a passkey or a PIN later (kept only as SHA-256).
CREATE TABLE enrollment_codes (
    code_hash bytea PRIMARY KEY CHECK (length(code_hash) = 32),
    account_id bigint NOT NULL REFERENCES accounts (id),
    verification_id bigint NOT NULL REFERENCES identity_verifications (id),
    staff_id bigint NOT NULL REFERENCES staff (id),
    office_code text NOT NULL REFERENCES offices (code),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    used_channel text CHECK (used_channel IN ('app', 'kiosk')),
    -- A newer code for the same account retires the older ones.
    retired_at timestamptz
);
CREATE INDEX enrollment_codes_account ON enrollment_codes (account_id)
    WHERE used_at IS NULL AND retired_at IS NULL;
