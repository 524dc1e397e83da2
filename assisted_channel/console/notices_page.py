"""Words and the template of the notices on the console home (`notices.html`)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "notices_title": N_("For your attention"),
    "notice_staff_created": N_("{by} created a staff account: {name}, {role}, on {time}."),
    "notice_by_operator": N_("The operator (on the command line)"),
    "notice_staff_created_hint": N_(
        "If you did not expect this account, disable it on the staff page and tell your "
        "security officer."
    ),
    "notice_seen": N_("Mark as seen"),
}

NOTICES = """{% if notices %}<section id="notices" aria-labelledby="notices-title">
<h2 id="notices-title">{{ t.notices_title }}</h2>
<ul>
{% for n in notices %}<li id="notice-{{ n.id }}"><p>{{ n.text }}</p><p class="hint">{{ t.notice_staff_created_hint }}</p>
<form method="post" action="{{ link('/console/notices/' ~ n.id ~ '/seen') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" class="secondary" id="seen-{{ n.id }}">{{ t.notice_seen }}</button>
</form></li>
{% endfor %}</ul>
</section>{% endif %}"""

TEMPLATES: dict[str, str] = {"notices.html": NOTICES}
