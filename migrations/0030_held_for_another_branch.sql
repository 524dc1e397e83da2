-- Held for a migration of another branch (issue 16's second part takes 0031; the branches
-- of the kiosk shell and its services take 0028 to 0030). Drop this file when that
-- branch is merged: its own 0030 file takes the number.
SELECT 1;
