"""Korea's time zone: where a day, a month and the quiet hours begin for the people we serve.

Korea keeps one offset all year (UTC+9, no summer time). SQL says `'Asia/Seoul'`
where it needs the same rule (`TIME_ZONE`).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TIME_ZONE = "Asia/Seoul"
KOREA = ZoneInfo(TIME_ZONE)


def korea_now() -> datetime:
    """Now, in Korea time."""
    return datetime.now(KOREA)
