-- Kiosk devices that sign every request (auth/kiosk_devices.py). An administrator issues
-- a one-time enrolment code for an office and a location; the kiosk's browser makes its
-- own key pair (WebCrypto, not extractable) and registers the public key with the code.
-- The shared key of 0018 (`key_hash`) is kept for the rows that have one, no longer
-- required.
CREATE TABLE kiosk_enrolment_codes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The code is random and kept only as SHA-256.
    code_hash bytea NOT NULL UNIQUE,
    office_code text NOT NULL REFERENCES offices (code),
    location text NOT NULL CHECK (length(location) BETWEEN 1 AND 64),
    -- Who issued it: `staff:<id>` at the console, `operator:cli` with the CLI.
    issued_by text NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX kiosk_enrolment_codes_office ON kiosk_enrolment_codes (office_code);

ALTER TABLE kiosks
    ALTER COLUMN key_hash DROP NOT NULL,
    -- The kiosk's public key (SubjectPublicKeyInfo, DER) and its algorithm.
    ADD COLUMN public_key bytea,
    ADD COLUMN key_algorithm text CHECK (key_algorithm IN ('Ed25519', 'ES256')),
    ADD COLUMN location text CHECK (length(location) BETWEEN 1 AND 64),
    -- Who enrolled it (the issuer of the code it used), and with which code.
    ADD COLUMN enrolled_by text,
    ADD COLUMN enrolment_code_id bigint UNIQUE REFERENCES kiosk_enrolment_codes (id),
    ADD COLUMN retired_by text,
    ADD CONSTRAINT kiosks_have_a_key CHECK (
        key_hash IS NOT NULL OR (public_key IS NOT NULL AND key_algorithm IS NOT NULL)
    );

-- A session opened at a kiosk is bound to it: refused from anywhere else.
ALTER TABLE sessions ADD COLUMN kiosk_id bigint REFERENCES kiosks (id);
CREATE INDEX sessions_kiosk ON sessions (kiosk_id) WHERE kiosk_id IS NOT NULL AND revoked_at IS NULL;
