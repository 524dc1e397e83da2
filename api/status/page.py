"""The status page as HTML: a view of one snapshot in the reader's language.

Server-rendered with Jinja (autoescaped), one inline style sheet, inline SVG
charts each followed by a table of the same figures, and no script: it works
without JavaScript and loads nothing from elsewhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jinja2
from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal

from api.status.charts import bar_chart
from api.status.texts import CHANNEL_NAMES, texts
from i18n import translate
from server.status import (
    KOREA,
    MENUS_BY_ID,
    WINDOWS,
    MenuFigures,
    StatusSnapshot,
    WindowFigures,
)

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


def _css() -> str:
    c = PALETTE
    return f"""
*{{box-sizing:border-box}}
html{{-webkit-text-size-adjust:100%}}
body{{margin:0;font:1.0625rem/1.6 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:{c["text"][0]};background:{c["text"][1]}}}
a{{color:{c["link"][0]};text-underline-offset:.15em}}
a:focus-visible,summary:focus-visible,[tabindex]:focus-visible{{outline:3px solid {c["text"][0]};outline-offset:2px}}
.skip{{position:absolute;left:-9999px;top:.5rem;padding:.5rem 1rem;background:{c["text"][1]};color:{c["link"][0]};font-weight:700;z-index:2}}
.skip:focus{{left:.5rem}}
.wrap{{max-width:72rem;margin:0 auto;padding:0 1rem}}
header{{background:{c["header"][1]};color:{c["header"][0]};border-bottom:4px solid {c["link"][0]}}}
header .wrap{{display:flex;flex-wrap:wrap;gap:.5rem 2rem;justify-content:space-between;align-items:center;padding-top:.75rem;padding-bottom:.75rem}}
.site{{margin:0;font-weight:700}}
nav ul{{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}}
nav a[aria-current]{{font-weight:700;text-decoration-thickness:3px}}
main{{padding-bottom:2rem}}
h1{{font-size:2rem;line-height:1.25;margin:1.5rem 0 .5rem}}
h2{{font-size:1.5rem;line-height:1.3;margin:2.5rem 0 .75rem}}
h3{{font-size:1.25rem;margin:2rem 0 .5rem}}
h4{{font-size:1.0625rem;margin:1.25rem 0 .5rem}}
.banner{{padding:1rem 1.25rem;border-left:.5rem solid;font-weight:700;margin:.5rem 0}}
.banner.operational{{color:{c["ok"][0]};background:{c["ok"][1]}}}
.banner.disrupted,.notice{{color:{c["bad"][0]};background:{c["bad"][1]}}}
.banner.unknown{{color:{c["unknown"][0]};background:{c["unknown"][1]}}}
.notice{{padding:.75rem 1rem;border-left:.5rem solid}}
.muted{{color:{c["muted"][0]}}}
.table-scroll{{overflow-x:auto;margin:.5rem 0 1rem}}
table{{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}}
caption{{text-align:left;font-weight:700;padding:.25rem 0}}
th,td{{border:1px solid #767676;padding:.4rem .6rem;text-align:right;vertical-align:top}}
th[scope=row],td.text{{text-align:left}}
thead th{{background:{c["table_head"][1]};color:{c["table_head"][0]}}}
details{{margin:.5rem 0 1.5rem}}
summary{{cursor:pointer;color:{c["link"][0]};text-decoration:underline}}
.chart-scroll{{overflow-x:auto}}
.chart{{display:block;max-width:48rem;min-width:36rem;height:auto}}
.summary tbody th,.summary td{{white-space:nowrap}}
.summary thead th{{min-width:6rem}}
.summary td:nth-child(4){{white-space:normal;min-width:12rem}}
dl.facts{{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}}
dl.facts dt{{font-weight:700}}
dl.facts dd{{margin:0}}
.incident{{border-top:1px solid #767676;padding-top:.5rem}}
.notes{{padding-left:1.25rem}}
footer{{border-top:1px solid #767676;padding:1rem 0 2rem}}
"""


TEMPLATE = """<!doctype html>
<html lang="{{ locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t.title }} · {{ t.site }}</title>
<meta name="description" content="{{ t.intro }}">
<link rel="alternate" type="application/json" href="/status.json">
<style>{{ css }}</style>
</head>
<body>
<a class="skip" href="#main">{{ t.skip }}</a>
<header>
<div class="wrap">
<p class="site">{{ t.site }}</p>
<nav aria-label="{{ t.language }}">
<ul>
{% for link in languages %}<li><a href="{{ link.href }}" lang="{{ link.locale }}" hreflang="{{ link.locale }}"{% if link.current %} aria-current="page"{% endif %}>{{ link.label }}</a></li>
{% endfor %}</ul>
</nav>
</div>
</header>
<main id="main" tabindex="-1">
<div class="wrap">
<h1>{{ t.title }}</h1>
<p>{{ t.intro }}</p>

<section aria-labelledby="now">
<h2 id="now">{{ t.now_heading }}</h2>
{% if view %}
<p class="banner {{ view.status }}" role="status">{{ view.status_text }}</p>
<p>{{ view.as_of }}</p>
{% if view.stale_text %}<p class="notice" role="alert">{{ view.stale_text }}</p>{% endif %}
{% else %}
<p class="notice" role="alert">{{ t.no_figures }}</p>
{% endif %}
</section>

{% if view %}
<section aria-labelledby="services">
<h2 id="services">{{ t.services_heading }}</h2>
<nav aria-label="{{ t.period }}">
<ul>
{% for link in view.windows %}<li><a href="{{ link.href }}"{% if link.current %} aria-current="page"{% endif %}>{{ link.label }}</a></li>
{% endfor %}</ul>
</nav>
<div class="table-scroll" role="region" aria-labelledby="summary-caption" tabindex="0">
<table class="summary">
<caption id="summary-caption">{{ view.period_caption }}</caption>
<thead><tr>
<th scope="col">{{ t.col_service }}</th>
<th scope="col">{{ t.col_requests }}</th>
<th scope="col">{{ t.col_server }}</th>
<th scope="col">{{ t.col_client }}</th>
<th scope="col">{{ t.col_p95 }}</th>
<th scope="col">{{ t.col_failures }}</th>
<th scope="col">{{ t.col_failure_rate }}</th>
<th scope="col">{{ t.col_availability }}</th>
<th scope="col">{{ t.col_downtime }}</th>
</tr></thead>
<tbody>
{% for row in view.rows %}<tr id="row-{{ row.id }}">
<th scope="row">{{ row.name }}</th>
{% if row.cells %}{% for cell in row.cells %}<td>{{ cell }}</td>{% endfor %}
{% else %}<td class="text" colspan="8">{{ t.no_traffic }}</td>{% endif %}
</tr>
{% endfor %}</tbody>
</table>
</div>
</section>

<section aria-labelledby="incidents">
<h2 id="incidents">{{ t.incidents_heading }}</h2>
{% for incident in view.incidents %}
<article class="incident" aria-labelledby="incident-{{ incident.id }}">
<h3 id="incident-{{ incident.id }}">{{ incident.name }}: {{ incident.state }}</h3>
<dl class="facts">
<dt>{{ t.started }}</dt><dd>{{ incident.started }}</dd>
{% if incident.ended %}<dt>{{ t.ended }}</dt><dd>{{ incident.ended }}</dd>{% endif %}
<dt>{{ t.duration }}</dt><dd>{{ incident.duration }}</dd>
</dl>
{% if incident.notes %}
<h4>{{ t.updates }}</h4>
<ul class="notes">
{% for note in incident.notes %}<li><time datetime="{{ note.iso }}">{{ note.when }}</time>: <span{% if note.lang != locale %} lang="{{ note.lang }}"{% endif %}>{{ note.text }}</span></li>
{% endfor %}</ul>
{% endif %}
</article>
{% else %}
<p>{{ t.no_incidents }}</p>
{% endfor %}
</section>

<section aria-labelledby="details">
<h2 id="details">{{ t.details_heading }}</h2>
{% for menu in view.details %}
<section aria-labelledby="menu-{{ menu.id }}">
<h3 id="menu-{{ menu.id }}">{{ menu.name }}</h3>
<p class="muted">{{ menu.description }}</p>
<h4 id="hourly-{{ menu.id }}">{{ t.hourly_title }}</h4>
<p id="hourly-description-{{ menu.id }}" class="muted">{{ t.hourly_description }}</p>
<div class="chart-scroll" role="region" aria-labelledby="hourly-{{ menu.id }}" tabindex="0">{{ menu.hourly_chart }}</div>
<details>
<summary>{{ t.show_table }}</summary>
<div class="table-scroll" role="region" aria-labelledby="hourly-caption-{{ menu.id }}" tabindex="0">
<table>
<caption id="hourly-caption-{{ menu.id }}">{{ menu.name }}: {{ t.hourly_title }}</caption>
<thead><tr><th scope="col">{{ t.col_hour }}</th><th scope="col">{{ t.col_requests }}</th><th scope="col">{{ t.col_server }}</th><th scope="col">{{ t.col_failures }}</th><th scope="col">{{ t.col_downtime }}</th></tr></thead>
<tbody>
{% for hour in menu.hours %}<tr><th scope="row">{{ hour.label }}</th><td>{{ hour.requests }}</td><td>{{ hour.average }}</td><td>{{ hour.failures }}</td><td>{{ hour.downtime }}</td></tr>
{% endfor %}</tbody>
</table>
</div>
</details>
<h4 id="daily-{{ menu.id }}">{{ t.daily_title }}</h4>
<p id="daily-description-{{ menu.id }}" class="muted">{{ t.daily_description }}</p>
<div class="chart-scroll" role="region" aria-labelledby="daily-{{ menu.id }}" tabindex="0">{{ menu.daily_chart }}</div>
<details>
<summary>{{ t.show_table }}</summary>
<div class="table-scroll" role="region" aria-labelledby="daily-caption-{{ menu.id }}" tabindex="0">
<table>
<caption id="daily-caption-{{ menu.id }}">{{ menu.name }}: {{ t.daily_title }}</caption>
<thead><tr><th scope="col">{{ t.col_day }}</th><th scope="col">{{ t.col_requests }}</th><th scope="col">{{ t.col_availability }}</th><th scope="col">{{ t.col_downtime }}</th></tr></thead>
<tbody>
{% for day in menu.days %}<tr><th scope="row">{{ day.label }}</th><td>{{ day.requests }}</td><td>{{ day.availability }}</td><td>{{ day.downtime }}</td></tr>
{% endfor %}</tbody>
</table>
</div>
</details>
</section>
{% endfor %}
</section>
{% endif %}

<section aria-labelledby="method">
<h2 id="method">{{ t.method_heading }}</h2>
<ul>
<li>{{ t.method_server }}</li>
<li>{{ t.method_failure }}</li>
<li>{{ t.method_downtime }}</li>
<li>{{ t.method_availability }}</li>
<li>{{ t.method_incident }}</li>
</ul>
</section>
</div>
</main>
<footer>
<div class="wrap">
<p><a href="/status.json">{{ t.machines }}</a></p>
<p>{{ t.helpline }}</p>
</div>
</footer>
</body>
</html>
"""

_environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_template = _environment.from_string(TEMPLATE)
LANGUAGES: tuple[tuple[str, str], ...] = (("ko", "한국어"), ("en", "English"))


def _count(value: int, locale: str) -> str:
    return str(format_decimal(value, format="#,##0", locale=locale))


def _ms(value: float | None, t: dict[str, str], locale: str) -> str:
    if value is None:
        return "–"
    shown = format_decimal(value, format="#,##0" if value >= 10 else "0.#", locale=locale)
    return t["ms"].format(value=shown)


def _percent(value: float | None, locale: str) -> str:
    if value is None:
        return "–"
    return str(format_decimal(value, format="0.##", locale=locale)) + "%"


def _minutes(value: int, t: dict[str, str], locale: str) -> str:
    return t["minutes"].format(value=_count(value, locale))


def duration_text(minutes: int, locale: str, t: dict[str, str]) -> str:
    """'1 hour 25 minutes' / '1시간 25분'; each part exact (threshold 1 keeps 59 minutes as such)."""
    if minutes < 1:
        return t["less_than_a_minute"]
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        format_timedelta(delta, threshold=1, locale=locale)
        for delta, amount in (
            (timedelta(days=days), days),
            (timedelta(hours=hours), hours),
            (timedelta(minutes=mins), mins),
        )
        if amount
    ]
    return " ".join(parts)


def _when(moment: datetime, t: dict[str, str], locale: str) -> str:
    return t["korea_time"].format(
        time=format_datetime(moment, "yyyy-MM-dd HH:mm", tzinfo=KOREA, locale=locale)
    )


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
    hour_labels = [
        format_datetime(point.start, "HH:mm", tzinfo=KOREA, locale=locale) for point in menu.hourly
    ]
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
    return _template.render(
        locale=locale,
        t=t,
        css=_css(),
        view=view,
        languages=[
            {"locale": code, "label": label, "href": _link(code, window), "current": code == locale}
            for code, label in LANGUAGES
        ],
    )
