-- Issue 13: the two-person rule asks for two people, not two accounts of one; staff
-- access records say from where.

-- The region each job centre serves: the 시도 code people.region_code uses. A request
-- an office cannot approve itself is offered to the other job centres of its region.
ALTER TABLE offices ADD COLUMN region_code text CHECK (region_code ~ '^[0-9]{2}$');
UPDATE offices SET region_code = CASE code
    WHEN 'seoul' THEN '11'
    WHEN 'seoul-gangnam' THEN '11'
    WHEN 'busan' THEN '26'
    WHEN 'daegu' THEN '27'
    WHEN 'incheon' THEN '28'
    WHEN 'gwangju' THEN '29'
    WHEN 'daejeon' THEN '30'
END;
-- An office added without its region stops the migration here, on purpose.
ALTER TABLE offices ALTER COLUMN region_code SET NOT NULL;
CREATE INDEX offices_region ON offices (region_code);

-- Every role a staff member was given, and by whom: at creation and at any later
-- change. `granted_by` is NULL when the operator did it on the command line. Someone
-- an account brought in during the last 30 days cannot be its second person.
CREATE TABLE staff_role_grants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff (id),
    role text NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    granted_by bigint REFERENCES staff (id),
    granted_at timestamptz NOT NULL DEFAULT now(),
    CHECK (granted_by IS DISTINCT FROM staff_id)
);
CREATE INDEX staff_role_grants_staff ON staff_role_grants (staff_id, granted_at);

-- Accounts made before this migration: who made them is in the audit log.
INSERT INTO staff_role_grants (staff_id, role, granted_by, granted_at)
SELECT s.id, s.role,
       (SELECT substr(a.actor, 7)::bigint FROM audit_log a
        WHERE a.action = 'staff.created' AND a.subject = 'staff:' || s.id
          AND a.actor ~ '^staff:[0-9]{1,18}$'
        ORDER BY a.id LIMIT 1),
       s.created_at
FROM staff s
ORDER BY s.id;

ALTER TABLE recovery_requests
    ADD COLUMN offered_to_region boolean NOT NULL DEFAULT false;
CREATE INDEX recovery_requests_region ON recovery_requests (status, requested_at)
    WHERE offered_to_region;

-- What a staff member is told on their console home until they mark it seen: today,
-- that an administrator of their office (or region) created a staff account.
CREATE TABLE staff_notices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id bigint NOT NULL REFERENCES staff (id),
    kind text NOT NULL CHECK (kind IN ('staff_created')),
    about_staff_id bigint NOT NULL REFERENCES staff (id),
    -- NULL: the operator, on the command line.
    by_staff_id bigint REFERENCES staff (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz
);
CREATE INDEX staff_notices_unseen ON staff_notices (staff_id, id) WHERE seen_at IS NULL;

-- Where a console request came from (the client address, server/audit.py): with the
-- actor, time, subject and action, the access record of staff who process personal
-- data (개인정보의 안전성 확보조치 기준 제8조). Adding a nullable column changes no row.
ALTER TABLE audit_log ADD COLUMN source_address text
    CHECK (length(source_address) BETWEEN 1 AND 100);
-- The supervisors' monthly review reads staff rows by time.
CREATE INDEX audit_log_staff_time ON audit_log (occurred_at) WHERE actor LIKE 'staff:%';
