-- Acting for someone (대리): a principal lets a proxy see their benefits, apply for
-- them or read their notices, until a date at most one year ahead. The proxy is
-- another person's account, or a counter clerk for the length of one visit (at most
-- 8 hours). Created by the principal at aal 2, or by a clerk after a matching ID
-- check of the principal at the counter. Revoked, never deleted; ends at once.
CREATE TABLE delegations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal_person_id bigint NOT NULL REFERENCES people (id),
    proxy_account_id bigint REFERENCES accounts (id),
    proxy_staff_id bigint REFERENCES staff (id),
    scopes text[] NOT NULL CHECK (
        cardinality(scopes) BETWEEN 1 AND 3
        AND scopes <@ ARRAY['view_benefits', 'apply', 'read_notifications']::text[]
    ),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    -- principal: the principal's aal 2 session; counter: a clerk, the principal present.
    created_via text NOT NULL CHECK (created_via IN ('principal', 'counter')),
    created_by text NOT NULL CHECK (created_by ~ '^(account|staff):[0-9]+$'),
    -- The matching ID check that showed the principal was at the counter.
    verification_id bigint REFERENCES identity_verifications (id),
    revoked_at timestamptz,
    revoked_by text CHECK (revoked_by ~ '^(account|staff):[0-9]+$'),
    CONSTRAINT delegations_one_proxy CHECK (num_nonnulls(proxy_account_id, proxy_staff_id) = 1),
    CONSTRAINT delegations_counter_checked CHECK (
        (created_via = 'counter') = (verification_id IS NOT NULL)
    ),
    CONSTRAINT delegations_expiry CHECK (
        expires_at > created_at AND expires_at <= created_at + interval '367 days'
    ),
    CONSTRAINT delegations_visit CHECK (
        proxy_staff_id IS NULL
        OR (created_via = 'counter' AND expires_at <= created_at + interval '8 hours')
    )
);
CREATE INDEX delegations_principal ON delegations (principal_person_id, id DESC);
CREATE INDEX delegations_proxy_account ON delegations (proxy_account_id, id DESC)
    WHERE proxy_account_id IS NOT NULL;
CREATE INDEX delegations_proxy_staff ON delegations (proxy_staff_id, id DESC)
    WHERE proxy_staff_id IS NOT NULL;
REVOKE DELETE, TRUNCATE ON delegations FROM hanchang_app;

-- What a proxy did for the principal: the principal's own record (GET /v1/me/activity).
-- Append-only, like document_views.
CREATE TABLE delegation_actions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delegation_id bigint NOT NULL REFERENCES delegations (id),
    principal_person_id bigint NOT NULL REFERENCES people (id),
    -- account:<id> or staff:<id>
    actor text NOT NULL CHECK (actor ~ '^(account|staff):[0-9]+$'),
    action text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{1,63}$'),
    subject text CHECK (length(subject) BETWEEN 1 AND 200),
    channel text NOT NULL CHECK (length(channel) BETWEEN 1 AND 30),
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delegation_actions_principal ON delegation_actions (principal_person_id, id DESC);
CREATE INDEX delegation_actions_delegation ON delegation_actions (delegation_id);

CREATE FUNCTION delegation_actions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'delegation_actions is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER delegation_actions_append_only
    BEFORE UPDATE OR DELETE ON delegation_actions
    FOR EACH ROW EXECUTE FUNCTION delegation_actions_refuse_change();
CREATE TRIGGER delegation_actions_no_truncate
    BEFORE TRUNCATE ON delegation_actions
    FOR EACH STATEMENT EXECUTE FUNCTION delegation_actions_refuse_change();
REVOKE ALL ON delegation_actions FROM hanchang_app;
GRANT SELECT, INSERT ON delegation_actions TO hanchang_app;
