"""The single ID: who a person is, how they and the staff who serve them sign in.

Its sub-packages hold the two realms beside the citizens' own: `auth.staff` (staff
accounts, their passkeys and console sessions) and `auth.counter` (what happens at the
counter). They load first: modules here (auth/access_cards.py,
auth/enrollment_codes.py) use auth/counter/identity_checks.py, and the counter's face
imports modules that use them.
"""

from __future__ import annotations

from auth import counter, staff

__all__ = ["counter", "staff"]
