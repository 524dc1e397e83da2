-- Proactive notices and their deliveries (push, SMS, voice, letter), the
-- devices that receive push, and each person's notification preferences.

ALTER TABLE dev_outbox DROP CONSTRAINT dev_outbox_channel_check;
ALTER TABLE dev_outbox ADD CONSTRAINT dev_outbox_channel_check
    CHECK (channel IN ('sms', 'voice', 'bank', 'push'));

-- The app's FCM registration tokens. A token FCM calls UNREGISTERED is retired.
CREATE TABLE devices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    person_id bigint NOT NULL REFERENCES people (id),
    fcm_token text NOT NULL CHECK (length(fcm_token) BETWEEN 20 AND 4096),
    platform text NOT NULL CHECK (platform IN ('android', 'ios', 'web')),
    locale text NOT NULL CHECK (locale ~ '^[a-z]{2,3}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz,
    retired_reason text CHECK (retired_reason IN ('removed', 'unregistered', 'replaced')),
    CONSTRAINT devices_token_unique UNIQUE (fcm_token)
);
CREATE INDEX devices_live_person ON devices (person_id) WHERE retired_at IS NULL;

CREATE TABLE notification_preferences (
    person_id bigint PRIMARY KEY REFERENCES people (id),
    -- Korea-time hours; nothing that is not urgent is sent from quiet_from to quiet_until.
    quiet_from smallint NOT NULL DEFAULT 21 CHECK (quiet_from BETWEEN 0 AND 23),
    quiet_until smallint NOT NULL DEFAULT 8 CHECK (quiet_until BETWEEN 0 AND 23),
    -- Programmes whose (not legally required) notices the person does not want.
    opted_out_programmes text[] NOT NULL DEFAULT '{}',
    -- No notices that are not legally required at all ("marketing-like").
    opted_out_of_offers boolean NOT NULL DEFAULT false,
    -- The channel to try first when the person has it (else push, SMS, voice, letter).
    preferred_channel text CHECK (preferred_channel IN ('push', 'sms', 'voice', 'letter')),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One notice per (person, programme, eligibility period): the unique index is
-- what makes "told once" hold even when a job runs twice.
CREATE TABLE notices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id bigint NOT NULL REFERENCES people (id),
    kind text NOT NULL CHECK (kind IN ('benefit', 'application_status', 'account')),
    programme_id text,
    period_key text,
    application_event_id bigint REFERENCES application_events (id),
    -- The application status, or what happened to the account, for the message.
    topic text,
    legally_required boolean NOT NULL DEFAULT false,
    urgent boolean NOT NULL DEFAULT false,
    locale text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Quiet hours: not sent before this (spread over the morning).
    send_after timestamptz NOT NULL DEFAULT now(),
    -- inbox_only: opted out or nothing to send on; the notice still reaches the inbox.
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'delivered', 'failed', 'inbox_only')),
    read_at timestamptz,
    CONSTRAINT notices_benefit_shape CHECK (
        kind <> 'benefit' OR (programme_id IS NOT NULL AND period_key IS NOT NULL))
);
CREATE UNIQUE INDEX notices_once_per_period ON notices (person_id, programme_id, period_key)
    WHERE kind = 'benefit';
CREATE UNIQUE INDEX notices_once_per_event ON notices (application_event_id)
    WHERE application_event_id IS NOT NULL;
CREATE INDEX notices_person ON notices (person_id, id);
CREATE INDEX notices_due ON notices (send_after) WHERE state = 'pending';

-- Delivery on one channel: created → sending → sent → delivered, or
-- temporary_failure (retried with backoff), permanent_failure, technical_failure.
-- `ambiguous` is a send with no answer (a timeout): never resent on that channel.
CREATE TABLE notice_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id bigint NOT NULL REFERENCES notices (id),
    channel text NOT NULL CHECK (channel IN ('push', 'sms', 'voice', 'letter')),
    state text NOT NULL DEFAULT 'created' CHECK (state IN (
        'created', 'sending', 'sent', 'delivered', 'temporary_failure',
        'permanent_failure', 'technical_failure', 'ambiguous')),
    attempts smallint NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    device_id bigint REFERENCES devices (id),
    -- FCM message name or Twilio SID: how receipts find the row.
    provider_ref text,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notice_deliveries_once_per_channel UNIQUE (notice_id, channel)
);
CREATE INDEX notice_deliveries_provider_ref ON notice_deliveries (provider_ref)
    WHERE provider_ref IS NOT NULL;
CREATE INDEX notice_deliveries_retry ON notice_deliveries (next_attempt_at)
    WHERE state = 'temporary_failure';

-- Letters queued for printing; a daily job writes them to var/letters/.
CREATE TABLE letters (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id bigint NOT NULL UNIQUE REFERENCES notices (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    printed_on date
);

-- How far a periodic job has read an append-only table (e.g. the last person fact
-- whose person was re-evaluated).
CREATE TABLE job_watermarks (
    name text PRIMARY KEY,
    value bigint NOT NULL
);
