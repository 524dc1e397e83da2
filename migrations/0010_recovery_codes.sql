-- One-time recovery codes, shown once, stored as SHA-256 (they are long and random).
CREATE TABLE recovery_codes (
    account_id bigint NOT NULL REFERENCES accounts (id),
    code_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz,
    PRIMARY KEY (account_id, code_hash)
);
