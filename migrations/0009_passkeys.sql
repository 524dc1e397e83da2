-- WebAuthn credentials (passkeys); several per account.
CREATE TABLE passkeys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    credential_id bytea NOT NULL UNIQUE,
    public_key bytea NOT NULL,
    sign_count bigint NOT NULL DEFAULT 0,
    transports text[] NOT NULL DEFAULT '{}',
    aaguid text,
    device_type text NOT NULL,
    backed_up boolean NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    sign_count_regressions integer NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_account ON passkeys (account_id);
