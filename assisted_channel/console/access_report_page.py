"""Words and template of the monthly access review (`/console/access-report`)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "ar_title": N_("Monthly access review"),
    "ar_link": N_("Monthly access review"),
    "ar_intro": N_(
        "What the staff of this job centre did with people's records in {month} (Korea "
        "time), from the audit log. Look into every flag: ask the staff member, and tell "
        "the security officer about anything that was not work. Opening this page is "
        "recorded too."
    ),
    "ar_month": N_("Month"),
    "ar_month_hint": N_("For example 2026-11"),
    "ar_show": N_("Show"),
    "ar_bad_month": N_("Choose a month like 2026-11."),
    "ar_staff": N_("Staff member"),
    "ar_people": N_("People opened"),
    "ar_busiest_day": N_("Most in one day"),
    "ar_after_hours": N_("Outside office hours"),
    "ar_outside_region": N_("People from another region"),
    "ar_addresses": N_("From (addresses)"),
    "ar_actions": N_("What they did"),
    "ar_flags": N_("To look into"),
    "ar_none": N_("Nothing"),
    "ar_nobody": N_("No staff member of this job centre used the console this month."),
    "ar_flag_many_people": N_("Opened more than {count} people's records in one day"),
    "ar_flag_after_hours": N_("Opened records outside weekdays 08:00 to 20:00"),
    "ar_flag_outside_region": N_("Most people opened live outside this job centre's region"),
    "ar_back": N_("Back to the console home"),
}

REPORT = """{% extends "layout.html" %}
{% block content %}
<form method="get" action="/console/access-report">
{% if locale_param %}<input type="hidden" name="lang" value="{{ locale_param }}">{% endif %}
<label for="month">{{ t.ar_month }} <span class="hint" id="month-hint">{{ t.ar_month_hint }}</span></label>
{% if month_error %}<p class="error" id="month-error">{{ month_error }}</p>{% endif %}
<input id="month" name="month" value="{{ month }}" maxlength="7" inputmode="numeric" autocomplete="off" aria-describedby="month-hint{% if month_error %} month-error{% endif %}"{% if month_error %} aria-invalid="true"{% endif %}>
<div><button type="submit">{{ t.ar_show }}</button></div>
</form>
{% if rows is not none %}
<p>{{ t.ar_intro.format(month=month) }}</p>
{% if rows %}<table id="report"><thead><tr><th scope="col">{{ t.ar_staff }}</th><th scope="col">{{ t.ar_people }}</th><th scope="col">{{ t.ar_busiest_day }}</th><th scope="col">{{ t.ar_after_hours }}</th><th scope="col">{{ t.ar_outside_region }}</th><th scope="col">{{ t.ar_addresses }}</th><th scope="col">{{ t.ar_actions }}</th><th scope="col">{{ t.ar_flags }}</th></tr></thead><tbody>
{% for r in rows %}<tr id="staff-{{ r.id }}"><th scope="row">{{ r.name }} ({{ r.role }})</th><td>{{ r.people }}</td><td>{{ r.busiest_day }}</td><td>{{ r.after_hours }}</td><td>{{ r.outside_region }}</td><td>{{ r.addresses }}</td>
<td><ul>{% for what, times in r.actions %}<li>{{ what }}: {{ times }}</li>{% endfor %}</ul></td>
<td>{% if r.flags %}<ul class="error">{% for flag in r.flags %}<li>{{ flag }}</li>{% endfor %}</ul>{% else %}{{ t.ar_none }}{% endif %}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p>{{ t.ar_nobody }}</p>{% endif %}
{% endif %}
<p><a href="{{ link('/console') }}">{{ t.ar_back }}</a></p>
{% endblock %}
"""

TEMPLATES: dict[str, str] = {"access_report.html": REPORT}
