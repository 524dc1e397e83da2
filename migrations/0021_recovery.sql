-- Recovery at the counter that needs a second person (the two-person rule):
-- revoking every authenticator of a person, or changing their phone of record.
-- A staff member asks, with a reason, after a matching ID check; a supervisor or
-- administrator of the same office, not the one who asked, approves or refuses.
-- Only an approval runs the action, in the same transaction.
CREATE TABLE recovery_requests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    account_id bigint NOT NULL REFERENCES accounts (id),
    action text NOT NULL CHECK (action IN ('revoke_all_authenticators', 'change_phone_of_record')),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    -- E.164; only for a change of the phone of record.
    new_phone_e164 text CHECK (new_phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    verification_id bigint NOT NULL REFERENCES identity_verifications (id),
    office_code text NOT NULL REFERENCES offices (code),
    requested_by bigint NOT NULL REFERENCES staff (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
    decided_by bigint REFERENCES staff (id),
    decided_at timestamptz,
    decision_reason text CHECK (length(decision_reason) BETWEEN 1 AND 500),
    CHECK ((action = 'change_phone_of_record') = (new_phone_e164 IS NOT NULL)),
    CHECK ((status = 'pending') = (decided_by IS NULL AND decided_at IS NULL)),
    -- The second person is a second person, whatever the code above says.
    CHECK (decided_by IS DISTINCT FROM requested_by)
);
CREATE INDEX recovery_requests_office ON recovery_requests (office_code, status, requested_at);
CREATE INDEX recovery_requests_person ON recovery_requests (person_id);
