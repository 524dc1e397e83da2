-- One-time recovery codes, shown once, stored as a keyed hash (HMAC-SHA256 under
-- the data key, bound to the account; see auth/recovery_codes.py): 16 digits are
-- about 53 bits, too few for a plain hash to survive a leaked table.
CREATE TABLE recovery_codes (
    account_id bigint NOT NULL REFERENCES accounts (id),
    code_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at timestamptz,
    PRIMARY KEY (account_id, code_hash)
);
