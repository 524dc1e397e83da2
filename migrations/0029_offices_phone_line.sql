-- Issue 16 (the phone line, second part): a job centre's phone number, its opening hours
-- and the regions it serves, for transfers (<Dial>) and for staff call-backs; and the
-- call-backs people ask the staff for.

-- The office's number for transfers (E.164), and every 시·도 code (people.region_code)
-- whose people it serves; `region_code` (0025) is where it stands.
ALTER TABLE offices
    ADD COLUMN phone_e164 text CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    ADD COLUMN serves_regions text[] NOT NULL DEFAULT '{}'
        CHECK (serves_regions <@ ARRAY['11', '26', '27', '28', '29', '30', '31', '36', '41',
                                        '42', '43', '44', '45', '46', '47', '48', '50', '51',
                                        '52']);
UPDATE offices SET (phone_e164, serves_regions) = (v.phone, v.regions)
FROM (VALUES
    ('seoul', '+8222004700', ARRAY['11', '41', '42', '51']),
    ('seoul-gangnam', '+8225679800', ARRAY['11']),
    ('busan', '+82518608000', ARRAY['26', '31', '48']),
    ('daegu', '+82536676000', ARRAY['27', '47']),
    ('incheon', '+82324607000', ARRAY['28']),
    ('gwangju', '+82629796000', ARRAY['29', '45', '46', '52', '50']),
    ('daejeon', '+82423901000', ARRAY['30', '36', '43', '44'])
) AS v (code, phone, regions)
WHERE offices.code = v.code;
CREATE INDEX offices_serves_regions ON offices USING gin (serves_regions);

-- Opening hours per ISO weekday (1 Monday … 7 Sunday), in Korea time (Asia/Seoul); a
-- weekday without a row is closed.
CREATE TABLE office_hours (
    office_code text NOT NULL REFERENCES offices (code),
    iso_weekday smallint NOT NULL CHECK (iso_weekday BETWEEN 1 AND 7),
    opens_at time NOT NULL,
    closes_at time NOT NULL CHECK (closes_at > opens_at),
    PRIMARY KEY (office_code, iso_weekday)
);
INSERT INTO office_hours (office_code, iso_weekday, opens_at, closes_at)
SELECT code, day, '09:00', '18:00' FROM offices, generate_series(1, 5) AS day;

-- A person's request, on the phone line, that staff of their job centre call them back
-- in a window they chose (within the office's hours); staff mark it done.
CREATE TABLE staff_callback_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_code text NOT NULL REFERENCES offices (code),
    person_id bigint NOT NULL REFERENCES people (id),
    phone_e164 text NOT NULL,
    window_starts_at timestamptz NOT NULL,
    window_ends_at timestamptz NOT NULL CHECK (window_ends_at > window_starts_at),
    channel text NOT NULL DEFAULT 'phone' CHECK (channel IN ('phone')),
    requested_at timestamptz NOT NULL DEFAULT now(),
    -- When the confirming SMS reached Twilio (a mobile number only).
    confirmed_by_sms_at timestamptz,
    done_at timestamptz,
    done_by bigint REFERENCES staff (id),
    CHECK ((done_at IS NULL) = (done_by IS NULL))
);
CREATE INDEX staff_callback_requests_open ON staff_callback_requests (office_code, window_starts_at)
    WHERE done_at IS NULL;
-- One open request a person per window: pressing again answers the same request.
CREATE UNIQUE INDEX staff_callback_requests_one ON staff_callback_requests
    (person_id, window_ends_at) WHERE done_at IS NULL;
