-- Delivery states that tell the truth (notifications/delivery.py).
--
-- `provider_call_at`: set and committed just before the provider is called. A
-- `sending` row without it never reached the provider, so it is retried; one with
-- it may have, so it becomes `ambiguous` and is resolved by asking the provider.
-- `claimed_by`: the arq job that claimed the row. When arq runs the same job again
-- (its worker died), that job takes its own unfinished claims back at once.
-- `inbox`: a push that may or may not have reached the phone (FCM cannot be asked),
-- resolved by leaving the notice in the person's inbox, which is idempotent.
ALTER TABLE notice_deliveries ADD COLUMN provider_call_at timestamptz;
ALTER TABLE notice_deliveries ADD COLUMN claimed_by text;
-- The SMS text's SHA-256, to recognise it among the messages the provider lists.
ALTER TABLE notice_deliveries ADD COLUMN body_sha256 bytea;
ALTER TABLE notice_deliveries DROP CONSTRAINT notice_deliveries_state_check;
ALTER TABLE notice_deliveries ADD CONSTRAINT notice_deliveries_state_check CHECK (state IN (
    'created', 'sending', 'sent', 'delivered', 'temporary_failure',
    'permanent_failure', 'technical_failure', 'ambiguous', 'inbox'));
-- The sweep and the resolver look for these few rows among millions.
CREATE INDEX notice_deliveries_unsettled ON notice_deliveries (updated_at)
    WHERE state IN ('sending', 'ambiguous');
