-- "Call staff" at a kiosk (kiosk/help.py, auth/kiosk_devices.py: call_staff_to_kiosk):
-- a notice on the console of every live staff member of the kiosk's office, about the
-- kiosk, until they mark it seen. A help request is about a kiosk, not a staff member.
ALTER TABLE staff_notices DROP CONSTRAINT staff_notices_kind_check;
ALTER TABLE staff_notices ALTER COLUMN about_staff_id DROP NOT NULL;
ALTER TABLE staff_notices ADD COLUMN about_kiosk_id bigint REFERENCES kiosks (id);
ALTER TABLE staff_notices ADD CONSTRAINT staff_notices_kind_check CHECK (
    (kind = 'staff_created' AND about_staff_id IS NOT NULL AND about_kiosk_id IS NULL)
    OR (kind = 'kiosk_help' AND about_kiosk_id IS NOT NULL AND about_staff_id IS NULL)
);
-- A person pressing the button twice is one call: the kiosk's latest call is looked up.
CREATE INDEX staff_notices_kiosk_help ON staff_notices (about_kiosk_id, created_at)
    WHERE kind = 'kiosk_help';
