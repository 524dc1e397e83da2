"""A PIN: six digits, as every channel takes it (`Pin`, `PinRequest`), and which PINs are
too easy to guess: refused when a PIN is set, with the reason in the person's language
(a message id)."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Annotated

import msgspec

from i18n import N_

Pin = Annotated[
    str,
    msgspec.Meta(
        min_length=6,
        max_length=6,
        pattern=r"^[0-9]{6}$",
        examples=["493028"],
        extra={"invalid": N_("Enter a PIN of 6 digits.")},
    ),
]


class PinRequest(msgspec.Struct, kw_only=True):
    pin: Pin


SAME_DIGIT = N_("Do not use one digit over and over, like 111111.")
IN_ORDER = N_("Do not use digits in order, like 123456 or 654321.")
PATTERN = N_("Do not use a simple pattern, like 121212, 123123 or 135791.")
BIRTH_DATE = N_("Do not use your birth date.")
COMMON = N_("Many people use this PIN. Choose another one.")

# Common 6-digit PINs the rules below do not already catch: keypad columns,
# diagonals and rows, and mirrored runs (Wang et al., "Understanding Human-Chosen
# PINs", 2017, top 6-digit PINs).
COMMON_PINS = frozenset(
    {
        "123321",
        "321123",
        "654456",
        "456654",
        "147258",
        "258369",
        "147369",
        "369258",
        "741852",
        "852963",
        "963852",
        "159357",
        "159753",
        "357159",
        "753951",
        "789456",
        "456123",
        "321654",
        "147852",
        "102030",
        "100100",
        "520131",
        "520520",
        "131313",
        "142536",
        "951753",
        "258456",
        "852456",
    }
)


def _constant_step(digits: str) -> int | None:
    """The step (mod 10) between each digit and the next, when it is always the same."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return steps.pop() if len(steps) == 1 else None


def weak_pin_reason(pin: str, birth_date: date) -> str | None:
    """Why a PIN is too easy to guess (a message id), or None.

    - one digit repeated: 000000, 777777;
    - digits in order up or down, wrapping past 9 as on a keypad: 123456,
      654321, 890123, 098765;
    - simple patterns: any other constant step (135791, 246802), a pair or
      triple repeated (121212, 581581), doubled digits in a run (112233, 998877);
    - the birth date: any PIN containing MMDD (0517xx, x0517x, 900517 =
      YYMMDD, 051790 = MMDDYY), DDMMYY (170590, the order on many foreign
      residents' documents) and YYYYMM (199005);
    - a short list of the commonest PINs these rules miss (`COMMON_PINS`).
    """
    step = _constant_step(pin)
    if step == 0:
        return SAME_DIGIT
    if step in (1, 9):
        return IN_ORDER
    if step is not None or pin[:2] * 3 == pin or pin[:3] * 2 == pin:
        return PATTERN
    if pin[0::2] == pin[1::2] and _constant_step(pin[0::2]) is not None:
        return PATTERN
    mmdd = f"{birth_date:%m%d}"
    if mmdd in pin or pin in (f"{birth_date:%d%m%y}", f"{birth_date:%Y%m}"):
        return BIRTH_DATE
    if pin in COMMON_PINS:
        return COMMON
    return None
