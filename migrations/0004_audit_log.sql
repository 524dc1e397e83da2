-- Append-only audit log. Each row carries the SHA-256 of the previous row's
-- hash and its own content (server/audit.py computes it), so `hanchang audit
-- verify` detects a changed, removed or inserted row. The application role
-- may only read and insert; a trigger refuses changes even from the owner.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    subject text,
    office text,
    channel text,
    reason text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash bytea NOT NULL CHECK (length(prev_hash) = 32),
    row_hash bytea NOT NULL UNIQUE CHECK (length(row_hash) = 32)
);

CREATE INDEX audit_log_subject ON audit_log (subject, id) WHERE subject IS NOT NULL;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

REVOKE ALL ON audit_log FROM hanchang_app;
GRANT SELECT, INSERT ON audit_log TO hanchang_app;
