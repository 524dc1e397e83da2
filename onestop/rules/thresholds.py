"""The figures of the law that rules compare with, read from the benefit catalog.

A rule never writes a figure the law sets (180 days, age 69, 60 percent of the
median income, 12 months): it names the catalog's dated figure, so a change of
law is one edit in `onestop/catalog/` — the new value with the date it holds
from — and an answer for an earlier day uses the figure in force on that day.
"""

from __future__ import annotations

from onestop.catalog import PROGRAMMES
from onestop.rules.expr import Arith, Expr, Lit, Threshold


def threshold(programme_id: str, figure_id: str) -> Threshold:
    """The catalog's figure `figure_id` of `programme_id` (a KeyError names a missing one)."""
    for figure in PROGRAMMES[programme_id].figures:
        if figure.id == figure_id:
            return Threshold(programme_id, figure)
    raise KeyError(f"{programme_id} has no figure {figure_id!r} in the catalog")


def negative(count: Expr) -> Expr:
    """`-count`, for a number of months or days before a date."""
    return Arith("*", Lit(-1), count)
