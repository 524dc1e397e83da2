-- Sessions and their tokens. Tokens are random and stored only as SHA-256.
-- A session is one refresh-token family: reusing a rotated refresh token
-- revokes the session.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    aal smallint NOT NULL CHECK (aal IN (1, 2)),
    -- How the session began: sms, voice, totp, passkey, recovery_code, pin (step-up), ...
    method text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('app', 'kiosk', 'phone', 'counter', 'web')),
    device text,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- When the person last proved an AAL2 combination in this session.
    authenticated_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    access_token_hash bytea NOT NULL UNIQUE,
    access_expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
);
CREATE INDEX sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    session_id uuid NOT NULL REFERENCES sessions (id),
    issued_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
