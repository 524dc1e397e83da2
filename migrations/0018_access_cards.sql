-- Kiosks enrolled at a job centre, and the access cards people without a
-- smartphone sign in with there (card + PIN, only at an enrolled kiosk).
-- The kiosk key and the card token are random and kept only as SHA-256.
CREATE TABLE kiosks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_code text NOT NULL REFERENCES offices (code),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    key_hash bytea NOT NULL UNIQUE,
    enrolled_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);
CREATE INDEX kiosks_office ON kiosks (office_code);

CREATE TABLE access_cards (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    token_hash bytea NOT NULL UNIQUE,
    issued_at timestamptz NOT NULL DEFAULT now(),
    issued_by bigint NOT NULL REFERENCES staff (id),
    office_code text NOT NULL REFERENCES offices (code),
    revoked_at timestamptz,
    -- Wrong PINs entered with this card: 5 lock it (auth/pin.py), not the account.
    pin_failures integer NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
    locked_at timestamptz
);
CREATE INDEX access_cards_person ON access_cards (person_id);
-- At most one live card per person: reissuing revokes the earlier ones.
CREATE UNIQUE INDEX access_cards_one_live ON access_cards (person_id) WHERE revoked_at IS NULL;
