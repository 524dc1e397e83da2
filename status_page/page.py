"""The status page as HTML: a view of one snapshot in the reader's language.

Server-rendered with Jinja (autoescaped) from `templates/page.html`: one inline
style sheet, inline SVG charts each followed by a table of the same figures, and
no script: it works without JavaScript and loads nothing from elsewhere. The app
finds the template as `status/page.html` (server/app.py composes the channels'
template folders).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jinja2
from litestar.template import TemplateEngineProtocol, TemplateProtocol

from i18n import LANGUAGES as TABLE_OF_LANGUAGES
from i18n import translate
from i18n.formatting import format_datetime, format_duration, format_number, format_time
from service_status import (
    KOREA,
    MENUS_BY_ID,
    WINDOWS,
    MenuFigures,
    StatusSnapshot,
    WindowFigures,
)
from status_page.charts import bar_chart
from status_page.texts import CHANNEL_NAMES, texts

# The page's templates, for the app's template engine.
TEMPLATES = jinja2.PackageLoader("status_page")
# Foreground and background pairs, each at least 7:1 (WCAG 2.2 AAA; a test checks).
PALETTE: dict[str, tuple[str, str]] = {
    "text": ("#1a1a1a", "#ffffff"),
    "link": ("#0b3d91", "#ffffff"),
    "muted": ("#3d3d3d", "#ffffff"),
    "header": ("#1a1a1a", "#f2f4f8"),
    "ok": ("#0a4a25", "#e8f4ec"),
    "bad": ("#7a0c0c", "#fbeaea"),
    "unknown": ("#3d3d3d", "#f0f0f0"),
    "table_head": ("#1a1a1a", "#e6eaf2"),
}


# Every language we have a catalog for, each in its own name (i18n/languages.py).
LANGUAGES: tuple[tuple[str, str], ...] = tuple(
    (language.code, language.name) for language in TABLE_OF_LANGUAGES
)


def _count(value: int, locale: str) -> str:
    return format_number(locale, value, "#,##0")


def _ms(value: float | None, t: dict[str, str], locale: str) -> str:
    if value is None:
        return "–"
    shown = format_number(locale, value, "#,##0" if value >= 10 else "0.#")
    return t["ms"].format(value=shown)


def _percent(value: float | None, locale: str) -> str:
    if value is None:
        return "–"
    return format_number(locale, value, "0.##") + "%"


def _minutes(value: int, t: dict[str, str], locale: str) -> str:
    return t["minutes"].format(value=_count(value, locale))


def duration_text(minutes: int, locale: str, t: dict[str, str]) -> str:
    """'1 hour 25 minutes' / '1시간 25분'; each part exact (threshold 1 keeps 59 minutes as such)."""
    if minutes < 1:
        return t["less_than_a_minute"]
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        format_duration(locale, delta)
        for delta, amount in (
            (timedelta(days=days), days),
            (timedelta(hours=hours), hours),
            (timedelta(minutes=mins), mins),
        )
        if amount
    ]
    return " ".join(parts)


def _when(moment: datetime, t: dict[str, str], locale: str) -> str:
    return t["korea_time"].format(time=format_datetime(locale, moment, KOREA))


def _link(locale: str, window: str) -> str:
    params = {"lang": locale}
    if window != WINDOWS[0][0]:
        params["window"] = window
    return "/status?" + urlencode(params)


def _summary_cells(figures: WindowFigures, t: dict[str, str], locale: str) -> list[str]:
    if figures.requests:
        server = _ms(figures.average_ms, t, locale)
        p95 = (
            t["over_ms"].format(value=_count(int(figures.p95_ms or 0), locale))
            if figures.p95_beyond_scale
            else _ms(figures.p95_ms, t, locale)
        )
        failure_rate = _percent(figures.failure_rate_percent, locale)
    else:
        server = p95 = t["no_requests"]
        failure_rate = "–"
    if figures.client_loads:
        channels = ", ".join(
            f"{translate(locale, CHANNEL_NAMES.get(c.channel, c.channel))} {_ms(c.average_ms, t, locale)}"
            for c in figures.client_channels
        )
        client = f"{_ms(figures.client_average_ms, t, locale)} ({channels})"
    else:
        client = "–"
    availability = (
        _percent(figures.availability_percent, locale)
        if figures.availability_percent is not None
        else t["not_measured"]
    )
    return [
        _count(figures.requests, locale),
        server,
        client,
        p95,
        _count(figures.failures, locale),
        failure_rate,
        availability,
        _minutes(figures.downtime_minutes, t, locale),
    ]


def _menu_detail(menu: MenuFigures, t: dict[str, str], locale: str) -> dict[str, Any]:
    hour_labels = [format_time(locale, point.start, KOREA) for point in menu.hourly]
    day_labels = [point.date[5:].replace("-", "/") for point in menu.daily]
    return {
        "id": menu.id,
        "name": menu.names.get(locale, menu.id),
        "description": translate(locale, MENUS_BY_ID[menu.id].description),
        "hourly_chart": bar_chart(
            chart_id=f"hourly-chart-{menu.id}",
            title=f"{menu.names.get(locale, menu.id)}: {t['hourly_title']}",
            description_id=f"hourly-description-{menu.id}",
            values=[point.average_ms for point in menu.hourly],
            labels=hour_labels,
            marks=[point.downtime_minutes > 0 for point in menu.hourly],
            unit="ms",
            label_every=3,
        ),
        "hours": [
            {
                "label": label,
                "requests": _count(point.requests, locale),
                "average": _ms(point.average_ms, t, locale),
                "failures": _count(point.failures, locale),
                "downtime": _minutes(point.downtime_minutes, t, locale),
            }
            for label, point in zip(hour_labels, menu.hourly, strict=True)
        ],
        "daily_chart": bar_chart(
            chart_id=f"daily-chart-{menu.id}",
            title=f"{menu.names.get(locale, menu.id)}: {t['daily_title']}",
            description_id=f"daily-description-{menu.id}",
            values=[float(point.downtime_minutes) for point in menu.daily],
            labels=day_labels,
            marks=[],
            unit=t["minutes"].format(value="").strip(),
            label_every=5,
        ),
        "days": [
            {
                "label": point.date,
                "requests": _count(point.requests, locale),
                "availability": _percent(point.availability_percent, locale)
                if point.availability_percent is not None
                else t["not_measured"],
                "downtime": _minutes(point.downtime_minutes, t, locale),
            }
            for point in menu.daily
        ],
    }


def _view(
    snapshot: StatusSnapshot,
    *,
    stale: bool,
    now: datetime,
    window: str,
    t: dict[str, str],
    locale: str,
) -> dict[str, Any]:
    labels = {name: t[f"window_{name}"] for name, _ in WINDOWS}
    age_minutes = int((now - snapshot.generated_at).total_seconds() // 60)
    rows = []
    for menu in snapshot.menus:
        figures = menu.windows.get(window) if menu.windows else None
        rows.append(
            {
                "id": menu.id,
                "name": menu.names.get(locale, menu.id),
                "cells": _summary_cells(figures, t, locale) if figures else None,
            }
        )
    incidents = []
    for incident in snapshot.incidents:
        notes = []
        for note in incident.notes:
            lang = locale if locale in note.text else "ko"
            notes.append(
                {
                    "iso": note.written_at.isoformat(),
                    "when": _when(note.written_at, t, locale),
                    "lang": lang,
                    "text": note.text.get(lang, ""),
                }
            )
        incidents.append(
            {
                "id": incident.id,
                "name": incident.names.get(locale, incident.menu),
                "state": t["ongoing"] if incident.ongoing else t["resolved"],
                "started": _when(incident.started_at, t, locale),
                "ended": _when(incident.ended_at, t, locale) if incident.ended_at else None,
                "duration": duration_text(incident.duration_minutes, locale, t),
                "notes": notes,
            }
        )
    return {
        "status": snapshot.status,
        "status_text": t[snapshot.status],
        "as_of": t["as_of"].format(time=_when(snapshot.generated_at, t, locale)),
        "stale_text": t["stale"].format(age=duration_text(age_minutes, locale, t))
        if stale
        else None,
        "windows": [
            {"href": _link(locale, name), "label": labels[name], "current": name == window}
            for name, _ in WINDOWS
        ],
        "period_caption": t["current_period"].format(period=labels[window]),
        "rows": rows,
        "incidents": incidents,
        "details": [_menu_detail(menu, t, locale) for menu in snapshot.menus if menu.has_traffic],
    }


def render_status_page(
    templates: TemplateEngineProtocol[TemplateProtocol, Any],
    snapshot: StatusSnapshot | None,
    *,
    stale: bool,
    now: datetime,
    window: str,
    locale: str,
) -> str:
    t = texts(locale)
    view = (
        _view(snapshot, stale=stale, now=now, window=window, t=t, locale=locale)
        if snapshot
        else None
    )
    return templates.get_template("status/page.html").render(
        locale=locale,
        t=t,
        palette=PALETTE,
        view=view,
        languages=[
            {"locale": code, "label": label, "href": _link(code, window), "current": code == locale}
            for code, label in LANGUAGES
        ],
    )
