-- The master person registry (핵심정보DB). A person is known to other systems
-- by the standard person key: HMAC-SHA256 of the resident (or alien)
-- registration number under a server secret of a given version. The number
-- itself is never stored (개인정보 보호법 제24조의2).
CREATE TABLE people (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_key bytea NOT NULL,
    person_key_version smallint NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    birth_date date NOT NULL,
    -- E.164, parsed with `phonenumbers`; NULL when there is no phone of record.
    phone_e164 text CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    -- 시·도 code of the address of record (행정표준코드, first two digits).
    region_code text NOT NULL CHECK (region_code ~ '^[0-9]{2}$'),
    preferred_language text NOT NULL DEFAULT 'ko' CHECK (preferred_language ~ '^[a-z]{2,3}$'),
    has_smartphone boolean NOT NULL,
    deceased_on date,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT people_person_key_length CHECK (length(person_key) = 32),
    CONSTRAINT people_person_key_unique UNIQUE (person_key_version, person_key)
);

-- Earlier keys of a person: a key version that has rotated away, or a
-- registration number that changed (the person keeps their id).
CREATE TABLE person_key_history (
    person_id bigint NOT NULL REFERENCES people (id),
    person_key bytea NOT NULL CHECK (length(person_key) = 32),
    person_key_version smallint NOT NULL,
    retired_at timestamptz NOT NULL DEFAULT now(),
    reason text NOT NULL CHECK (reason IN ('key_rotation', 'number_changed')),
    PRIMARY KEY (person_key_version, person_key)
);

CREATE INDEX people_name_birth_date ON people (name, birth_date);
CREATE INDEX people_phone ON people (phone_e164) WHERE phone_e164 IS NOT NULL;
