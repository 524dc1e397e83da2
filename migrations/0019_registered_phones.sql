-- Phone numbers a counter clerk registered for a person, so that a call from one of
-- them, with the person's PIN, signs in on the phone line. Landlines too: many people
-- who call have no mobile. A number is E.164. Caller ID can be spoofed, so such a
-- sign-in is aal 1; a call back to the registered number with the PIN makes it aal 2.
CREATE TABLE registered_phones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    phone_e164 text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    registered_at timestamptz NOT NULL DEFAULT now(),
    registered_by bigint NOT NULL REFERENCES staff (id),
    office_code text NOT NULL REFERENCES offices (code),
    removed_at timestamptz,
    removed_by bigint REFERENCES staff (id),
    -- This phone's own wrong PINs (auth/pin.py): 5 lock its sign-in only, not the
    -- account and not the app's PIN. A counter clerk unlocks it.
    pin_failures integer NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    locked_at timestamptz
);
CREATE UNIQUE INDEX registered_phones_live ON registered_phones (person_id, phone_e164)
    WHERE removed_at IS NULL;
CREATE INDEX registered_phones_number ON registered_phones (phone_e164) WHERE removed_at IS NULL;

-- Which registered phone a phone-line session began from (the call back goes there).
CREATE TABLE phone_sessions (
    session_id uuid PRIMARY KEY REFERENCES sessions (id),
    phone_id bigint NOT NULL REFERENCES registered_phones (id)
);
CREATE INDEX phone_sessions_phone ON phone_sessions (phone_id);

-- Call-backs: the ministry calls the registered number and asks for the PIN; a right
-- PIN raises the session that asked to aal 2. Single use, 5 minutes. The call carries
-- a token (kept only as SHA-256) that the session never sees: whoever asked for the
-- call-back must answer the registered phone to complete it.
CREATE TABLE phone_callbacks (
    id uuid PRIMARY KEY,
    call_token_hash bytea NOT NULL UNIQUE,
    session_id uuid NOT NULL REFERENCES sessions (id),
    phone_id bigint NOT NULL REFERENCES registered_phones (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    provider_id text,
    completed_at timestamptz
);
CREATE INDEX phone_callbacks_session ON phone_callbacks (session_id);
