-- Only wrong PINs entered after possession was proven (an SMS or app code in the
-- session, a card at an enrolled kiosk, a call we placed to a registered phone)
-- count towards an account's lock now, and only at 100 (auth/accounts.py). The
-- 10-minute lock is gone: anyone who knew a phone number could set it off.
-- Counts kept under the old rule counted anybody's failures: they start again.
-- Locks until a counter visit stay, since a clerk checks the person anyway.
ALTER TABLE accounts DROP COLUMN locked_until;
UPDATE accounts SET consecutive_failures = 0
WHERE consecutive_failures <> 0 AND hard_locked_at IS NULL;

