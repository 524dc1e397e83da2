"""Data quality of the linked data: ranges, missing facts, stale facts, sources that disagree.

Each check is one set-based statement over the whole population (`checks.py`); a report
runs them all and gives, per check, how many facts or people it found and up to five
person ids to look at (`report.py`). `hanchang data-quality` prints it, and operators read
the same figures at `GET /v1/admin/data-quality`.
"""

from onestop.data_quality.checks import (
    CHECKS,
    CHECKS_BY_ID,
    REFRESH_PERIODS,
    DataQualityCheck,
)
from onestop.data_quality.report import (
    CachedReport,
    CheckFigure,
    DataQualityReport,
    data_quality_report,
    localized_report,
)

__all__ = [
    "CHECKS",
    "CHECKS_BY_ID",
    "REFRESH_PERIODS",
    "CachedReport",
    "CheckFigure",
    "DataQualityCheck",
    "DataQualityReport",
    "data_quality_report",
    "localized_report",
]
