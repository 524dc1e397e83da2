-- Which delivery job a dispatcher claimed a notice for, and when
-- (notifications/notices.py claim_due_notices, notifications/jobs.py sweep_deliveries).
--
-- The dispatcher claims a batch, commits, then enqueues the job for it. A worker killed
-- between the two left the batch `sending` with no job to send it; the sweep could only
-- guess from the notice's age. With the job's id on the claim, the sweep sees that no
-- such job is queued or running, and hands the batch back within two minutes.
ALTER TABLE notices ADD COLUMN claimed_at timestamptz, ADD COLUMN claim_job text;
CREATE INDEX notices_open_claims ON notices (claimed_at) WHERE state = 'sending';
