-- Documents by consent (열람승인): the citizen lets a programme's agency look up
-- a document the government already holds, instead of handing in paper
-- (전자정부법 제36조, 제42조). A consent names the document type, the programme
-- that may view it, why, and until when; it can be single use. Revoking it
-- takes effect at once. The document itself is produced from `person_facts`
-- when it is viewed, never stored here (onestop/documents.py).
CREATE TABLE document_consents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    document_type text NOT NULL CHECK (document_type ~ '^[a-z][a-z0-9-]{1,63}$'),
    -- A programme id of the benefit catalog (onestop/programme_ids.py).
    grantee text NOT NULL CHECK (grantee ~ '^[a-z][a-z0-9-]{1,63}$'),
    purpose text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 200),
    single_use boolean NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    granted_by text NOT NULL,               -- account:<id> (or staff:<id> at a counter, later)
    channel text NOT NULL CHECK (length(channel) BETWEEN 1 AND 30),
    -- The first view; a single-use consent is spent once this is set.
    used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT document_consents_expiry CHECK (expires_at > granted_at),
    CONSTRAINT document_consents_used CHECK (used_at IS NULL OR used_at >= granted_at)
);

CREATE INDEX document_consents_person ON document_consents (person_id, id DESC);

-- Every look at a person's document: by an agency inside a consent, or by the
-- person themselves (consent_id NULL). Append-only, like the audit log: the
-- person's record of who saw their data must not be edited away.
CREATE TABLE document_views (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    document_type text NOT NULL,
    consent_id bigint REFERENCES document_consents (id),
    -- caseworker:<id>, programme:<id>, person:<id> (the person's own view), ...
    viewer text NOT NULL CHECK (length(viewer) BETWEEN 1 AND 200),
    purpose text NOT NULL CHECK (length(btrim(purpose)) BETWEEN 1 AND 500),
    channel text NOT NULL CHECK (length(channel) BETWEEN 1 AND 30),
    viewed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX document_views_person ON document_views (person_id, id DESC);
CREATE INDEX document_views_consent ON document_views (consent_id) WHERE consent_id IS NOT NULL;

CREATE FUNCTION document_views_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document_views is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER document_views_append_only
    BEFORE UPDATE OR DELETE ON document_views
    FOR EACH ROW EXECUTE FUNCTION document_views_refuse_change();
CREATE TRIGGER document_views_no_truncate
    BEFORE TRUNCATE ON document_views
    FOR EACH STATEMENT EXECUTE FUNCTION document_views_refuse_change();

REVOKE ALL ON document_views FROM hanchang_app;
GRANT SELECT, INSERT ON document_views TO hanchang_app;
-- Consents are revoked, never deleted: the record of what was allowed stays.
REVOKE DELETE, TRUNCATE ON document_consents FROM hanchang_app;
