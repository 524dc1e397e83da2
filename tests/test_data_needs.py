"""The committed data-needs report is what the rules generate, and covers every criterion."""

from __future__ import annotations

from pathlib import Path

from onestop.rules import RULES
from onestop.rules.report import REPORT_PATH, data_needs_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_the_committed_report_is_current() -> None:
    committed = (ROOT / REPORT_PATH).read_text(encoding="utf-8")
    assert committed == data_needs_markdown(), (
        "docs/data-needs.md is out of date: run `hanchang report data-needs` and commit it"
    )


def test_every_criterion_reads_at_least_one_data_item_with_its_legal_basis() -> None:
    for rule in RULES.values():
        for version in rule.versions:
            for criterion in version.criteria:
                items = criterion.data_items()
                assert items, f"{rule.programme_id}/{criterion.id} reads no data"
                assert all(item.legal_basis and item.holder for item in items)
                # A criterion that reads unlinked data says what is missing.
                if criterion.needs_unlinked_data():
                    assert any(item.missing for item in items)
