-- One account per person: the single ID for every service and channel.
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL UNIQUE REFERENCES people (id),
    -- remote: phone of record confirmed by SMS; in_person: verified at a counter.
    assurance text NOT NULL CHECK (assurance IN ('remote', 'in_person')),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Consecutive failed sign-ins, any method (NIST SP 800-63B §5.2.2):
    -- 10 lock the account for 10 minutes, 100 until recovery at a counter.
    consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    locked_until timestamptz,
    hard_locked_at timestamptz,
    -- The one PIN (argon2id), shared by the app, the kiosk card and the phone line.
    pin_hash text,
    pin_set_at timestamptz,
    -- PIN failures through the app (step-up); kiosk cards and phones count their own.
    app_pin_failures integer NOT NULL DEFAULT 0 CHECK (app_pin_failures >= 0),
    app_pin_locked_at timestamptz,
    -- TOTP: the seed encrypted at rest (AES-256-GCM), the last time step used.
    totp_secret_enc bytea,
    totp_pending_secret_enc bytea,
    totp_confirmed_at timestamptz,
    totp_last_step bigint
);
