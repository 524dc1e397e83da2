-- A placeholder: 0024 belongs to work on another branch, and numbering may have no
-- gaps. Delete this file when that branch's 0024 is merged.
SELECT 1;
