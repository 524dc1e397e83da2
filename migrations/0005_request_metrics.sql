-- Per-minute request metrics per route, written in batches by the metrics
-- middleware (server/metrics.py). `buckets` counts requests per fixed latency
-- bucket; the upper bounds, in milliseconds, are
-- 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 and +infinity.
CREATE TABLE request_metrics_minute (
    minute timestamptz NOT NULL,
    method text NOT NULL,
    route text NOT NULL,
    requests integer NOT NULL CHECK (requests >= 0),
    client_errors integer NOT NULL CHECK (client_errors >= 0),
    failures integer NOT NULL CHECK (failures >= 0),
    duration_ms_sum double precision NOT NULL,
    buckets integer[] NOT NULL CHECK (cardinality(buckets) = 12),
    PRIMARY KEY (minute, method, route)
);
