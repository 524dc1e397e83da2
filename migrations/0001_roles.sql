-- The application acts as `hanchang_app` (see server/db.py): it may read and
-- write the tables it needs and nothing more. Migrations run as the owner.
DO $$
BEGIN
    CREATE ROLE hanchang_app NOLOGIN;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO hanchang_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hanchang_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO hanchang_app;
