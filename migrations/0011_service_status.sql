-- The public status page (server/status/): readiness probed every minute,
-- client-side screen-load beacons, rollups by hour and day per menu, and
-- incidents with public notes. Minute tables keep 2 days, hourly rollups 90
-- days, daily rollups 2 years; the `roll_up_status_metrics` job prunes them.
-- Latency buckets have the same bounds as `request_metrics_minute.buckets`.

-- Element-wise sum of latency histograms (bigint: a day of a busy menu passes 2^31).
CREATE FUNCTION status_bucket_add(a bigint[], b bigint[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(
        SELECT x + y FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i
    )
$$;

CREATE AGGREGATE status_bucket_sum(bigint[]) (
    SFUNC = status_bucket_add,
    STYPE = bigint[],
    COMBINEFUNC = status_bucket_add,
    PARALLEL = SAFE
);

-- One row per minute the readiness probe ran (PostgreSQL and Redis answered or not).
CREATE TABLE status_readiness_minute (
    minute timestamptz PRIMARY KEY CHECK (minute = date_trunc('minute', minute)),
    postgresql_ok boolean NOT NULL,
    redis_ok boolean NOT NULL
);

-- Screen-load beacons from the app and kiosks, added up per minute; nothing
-- about who sent them (no account, no address, no device).
CREATE TABLE status_screen_load_minute (
    minute timestamptz NOT NULL CHECK (minute = date_trunc('minute', minute)),
    menu text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('app', 'kiosk')),
    loads bigint NOT NULL CHECK (loads > 0),
    load_ms_sum double precision NOT NULL CHECK (load_ms_sum >= 0),
    buckets bigint[] NOT NULL CHECK (cardinality(buckets) = 12),
    PRIMARY KEY (minute, menu, channel)
);

-- Request figures per menu and hour ('hour') or Korean calendar day ('day').
-- failing_minutes: minutes the menu failed more than 5% of at least 20
-- requests while readiness did not fail; unprobed_minutes: minutes with
-- traffic but no readiness probe (see server/status/figures.py).
CREATE TABLE status_menu_rollup (
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    period_start timestamptz NOT NULL,
    menu text NOT NULL,
    requests bigint NOT NULL,
    client_errors bigint NOT NULL,
    failures bigint NOT NULL,
    duration_ms_sum double precision NOT NULL,
    buckets bigint[] NOT NULL CHECK (cardinality(buckets) = 12),
    failing_minutes integer NOT NULL,
    unprobed_minutes integer NOT NULL,
    PRIMARY KEY (grain, period_start, menu)
);

CREATE TABLE status_readiness_rollup (
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    period_start timestamptz NOT NULL,
    probed_minutes integer NOT NULL,
    down_minutes integer NOT NULL,
    PRIMARY KEY (grain, period_start)
);

CREATE TABLE status_screen_load_rollup (
    grain text NOT NULL CHECK (grain IN ('hour', 'day')),
    period_start timestamptz NOT NULL,
    menu text NOT NULL,
    channel text NOT NULL,
    loads bigint NOT NULL,
    load_ms_sum double precision NOT NULL,
    buckets bigint[] NOT NULL CHECK (cardinality(buckets) = 12),
    PRIMARY KEY (grain, period_start, menu, channel)
);

-- How far each status job has got: 'hour' and 'day' rollups are complete
-- before `through`; 'incidents' has evaluated every minute before it.
CREATE TABLE status_marks (
    name text PRIMARY KEY CHECK (name IN ('hour', 'day', 'incidents')),
    through timestamptz NOT NULL
);

-- An incident: a menu failing (or, for menu 'all', readiness failing) for 5
-- minutes in a row; it ends after 10 healthy minutes. Kept for good.
CREATE TABLE status_incidents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    menu text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz,
    CHECK (ended_at IS NULL OR ended_at > started_at),
    UNIQUE (menu, started_at)
);
CREATE UNIQUE INDEX status_incidents_one_open ON status_incidents (menu) WHERE ended_at IS NULL;
CREATE INDEX status_incidents_recent ON status_incidents (started_at DESC);

-- What operators tell the public about an incident (`hanchang status note`).
CREATE TABLE status_incident_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id bigint NOT NULL REFERENCES status_incidents (id),
    written_at timestamptz NOT NULL DEFAULT now(),
    text_ko text NOT NULL CHECK (length(text_ko) BETWEEN 1 AND 2000),
    text_en text CHECK (text_en IS NULL OR length(text_en) BETWEEN 1 AND 2000)
);
CREATE INDEX status_incident_notes_incident ON status_incident_notes (incident_id, written_at);
