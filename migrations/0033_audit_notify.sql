-- Each commit that adds audit rows wakes the bulk worker, which anchors the log's new
-- head in Redis at once (server/audit_anchor.py) rather than at the next minute's
-- checkpoint. A NOTIFY is delivered only when its transaction commits; notices alike
-- within one transaction are delivered once.
CREATE FUNCTION audit_log_notify_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hanchang_audit', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_notify
    AFTER INSERT ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_notify_commit();
