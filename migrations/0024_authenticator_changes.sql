-- Authenticators a person bound to or removed from their own account (passkeys,
-- the authenticator app, the PIN, recovery codes), with the rule that allowed it
-- and the session it was made in (auth/binding.py). Two rules read it: a session
-- opened with an enrollment code binds one authenticator, and a payment account
-- added within 7 days of a binding made at aal 1 or with an enrollment code waits
-- the cooling-off day. Bindings at the counter are not here (they follow a
-- document check and have their own audit rows).
CREATE TABLE authenticator_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    kind text NOT NULL CHECK (kind IN ('passkey', 'totp', 'pin', 'recovery_codes')),
    change text NOT NULL CHECK (change IN ('added', 'removed')),
    -- aal2: a recent aal 2 sign-in; first: the account's first passkey or PIN, at a
    -- fresh aal 1 sign-in; enrollment_code: the one binding of an enrollment session.
    allowed_by text NOT NULL CHECK (allowed_by IN ('aal2', 'first', 'enrollment_code')),
    session_id uuid NOT NULL REFERENCES sessions (id),
    channel text NOT NULL,
    -- The urgent account notice that told the person, on every channel.
    notice_id bigint NOT NULL REFERENCES notices (id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    CHECK (change = 'added' OR allowed_by = 'aal2')
);
CREATE INDEX authenticator_changes_account ON authenticator_changes (account_id, occurred_at);
CREATE INDEX authenticator_changes_session ON authenticator_changes (session_id);
-- History: the application adds rows and never changes them.
REVOKE ALL ON authenticator_changes FROM hanchang_app;
GRANT SELECT, INSERT ON authenticator_changes TO hanchang_app;
