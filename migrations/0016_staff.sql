-- Staff of the ministry's job centres, who sign in to the counter console with a
-- passkey only. Their credentials, enrollment links and sessions are kept apart from
-- citizens': a citizen's passkey or token can never open the console.
CREATE TABLE offices (
    code text PRIMARY KEY CHECK (code ~ '^[a-z0-9-]{2,40}$'),
    name_ko text NOT NULL,
    name_en text NOT NULL
);

INSERT INTO offices (code, name_ko, name_en) VALUES
    ('seoul', '서울고용복지플러스센터', 'Seoul Employment Welfare Plus Center'),
    ('seoul-gangnam', '서울강남고용복지플러스센터', 'Seoul Gangnam Employment Welfare Plus Center'),
    ('busan', '부산고용센터', 'Busan Employment Center'),
    ('daegu', '대구고용센터', 'Daegu Employment Center'),
    ('incheon', '인천고용센터', 'Incheon Employment Center'),
    ('gwangju', '광주고용센터', 'Gwangju Employment Center'),
    ('daejeon', '대전고용센터', 'Daejeon Employment Center');

CREATE TABLE staff (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    office_code text NOT NULL REFERENCES offices (code),
    role text NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);
CREATE INDEX staff_office ON staff (office_code);

-- Like `passkeys` (0009), for staff.
CREATE TABLE staff_passkeys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff (id),
    credential_id bytea NOT NULL UNIQUE,
    public_key bytea NOT NULL,
    sign_count bigint NOT NULL DEFAULT 0,
    transports text[] NOT NULL DEFAULT '{}',
    aaguid text,
    device_type text NOT NULL,
    backed_up boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    sign_count_regressions integer NOT NULL DEFAULT 0
);
CREATE INDEX staff_passkeys_staff ON staff_passkeys (staff_id);

-- One-time enrollment links (the token is kept only as SHA-256).
CREATE TABLE staff_enrollments (
    token_hash bytea PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz
);
CREATE INDEX staff_enrollments_staff ON staff_enrollments (staff_id);

CREATE TABLE staff_sessions (
    id uuid PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    staff_id bigint NOT NULL REFERENCES staff (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id) WHERE revoked_at IS NULL;
