-- Applications a kiosk queued while the line to the centre was down, replayed when it
-- came back (onestop/applications/kiosk_queue.py, kiosk/offline.py).

-- Idempotency keys are kept for as long as their submit says: 24 hours for the app's
-- and the counter's, at least 7 days for a kiosk's queue (a kiosk may stay offline for
-- days before it replays).
ALTER TABLE idempotency_keys ADD COLUMN expires_at timestamptz;
UPDATE idempotency_keys SET expires_at = created_at + interval '24 hours';
ALTER TABLE idempotency_keys
    ALTER COLUMN expires_at SET NOT NULL,
    ALTER COLUMN expires_at SET DEFAULT now() + interval '24 hours';
DROP INDEX idempotency_keys_created;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);

-- Each queued application the server received, once per (account, idempotency key),
-- kept for good: accepted (with the application, whose submitted_at is the server's
-- receipt, the date that counts), refused on the re-check, or not sent because the kiosk
-- was retired meanwhile. `pressed_at` is the kiosk's clock when the person pressed
-- "apply", kept beside the receipt.
CREATE TABLE kiosk_queued_applications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kiosk_id bigint NOT NULL REFERENCES kiosks (id),
    session_id uuid NOT NULL REFERENCES sessions (id),
    account_id bigint NOT NULL REFERENCES accounts (id),
    person_id bigint NOT NULL REFERENCES people (id),
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 8 AND 128),
    programme_id text NOT NULL,
    pressed_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    outcome text NOT NULL CHECK (outcome IN ('accepted', 'refused', 'kiosk_retired')),
    -- The problem type of a refusal.
    reason text,
    application_id bigint REFERENCES applications (id),
    CONSTRAINT kiosk_queued_applications_accepted CHECK (
        (outcome = 'accepted') = (application_id IS NOT NULL)),
    CONSTRAINT kiosk_queued_applications_once UNIQUE (account_id, idempotency_key)
);
CREATE INDEX kiosk_queued_applications_person ON kiosk_queued_applications (person_id);
REVOKE DELETE ON kiosk_queued_applications FROM hanchang_app;

-- The person is told of each, once, by the notification core (as of an application's
-- status changes).
ALTER TABLE notices ADD COLUMN kiosk_queue_id bigint REFERENCES kiosk_queued_applications (id);
CREATE UNIQUE INDEX notices_once_per_kiosk_queue ON notices (kiosk_queue_id)
    WHERE kiosk_queue_id IS NOT NULL;
