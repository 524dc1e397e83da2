-- SMS and voice code challenges. The code is stored only as a hash. A
-- challenge for a phone or person we do not know exists too (and can never be
-- answered), so answers and timings never reveal who is registered.
CREATE TABLE sms_challenges (
    id uuid PRIMARY KEY,
    purpose text NOT NULL CHECK (purpose IN ('signup', 'sign_in', 'recovery')),
    delivery text NOT NULL CHECK (delivery IN ('sms', 'voice')),
    phone_e164 text NOT NULL,
    -- Set only when the phone matched: for signup the person, otherwise the account.
    person_id bigint REFERENCES people (id),
    account_id bigint REFERENCES accounts (id),
    code_hash bytea NOT NULL,
    locale text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    consumed_at timestamptz,
    -- Delivery: queued -> sent / failed / skipped (nothing matched).
    send_state text NOT NULL DEFAULT 'queued'
        CHECK (send_state IN ('queued', 'sent', 'failed', 'skipped')),
    provider_id text,
    send_attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX sms_challenges_phone ON sms_challenges (phone_e164, created_at);

-- Messages that would have gone to Twilio when it is not configured (make run):
-- a development outbox the demo can show. Never used in production.
CREATE TABLE dev_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    channel text NOT NULL CHECK (channel IN ('sms', 'voice')),
    to_e164 text NOT NULL,
    body text NOT NULL
);
