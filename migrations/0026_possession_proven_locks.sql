-- Only wrong PINs entered after possession was proven (an SMS or app code in the
-- session, a card at an enrolled kiosk, a call we placed to a registered phone)
-- count towards an account's lock now, and only at 100 (auth/accounts.py). The
-- 10-minute lock is gone: anyone who knew a phone number could set it off.
-- Counts kept under the old rule counted anybody's failures: they start again.
-- Locks until a counter visit stay, since a clerk checks the person anyway.
ALTER TABLE accounts DROP COLUMN locked_until;
UPDATE accounts SET consecutive_failures = 0
WHERE consecutive_failures <> 0 AND hard_locked_at IS NULL;

-- An SMS recovery code unlocks the app's PIN at most 3 times in 24 hours
-- (auth/app_pin_unlocks.py): the challenges that did are marked, as card unlocks are
-- counted by their challenges (0022).
ALTER TABLE sms_challenges ADD COLUMN unlocked_app_pin boolean NOT NULL DEFAULT false;
CREATE INDEX sms_challenges_app_pin_unlocks ON sms_challenges (account_id, consumed_at)
    WHERE unlocked_app_pin;
