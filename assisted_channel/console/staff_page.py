"""Words and templates of the console's staff page (administrators of a job centre)."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "staff_title": N_("Staff of this job centre"),
    "staff_link": N_("Manage the staff"),
    "staff_passkey": N_("Passkey"),
    "staff_passkey_yes": N_("Passkey registered"),
    "staff_passkey_no": N_("Not yet: the link was not used"),
    "staff_last_sign_in": N_("Last sign-in"),
    "staff_never": N_("Never"),
    "staff_state": N_("State"),
    "staff_live": N_("Active"),
    "staff_disabled": N_("Disabled"),
    "staff_disable": N_("Disable {name}"),
    "staff_disabled_done": N_("{name} is disabled. Their console sessions have ended."),
    "staff_new_title": N_("Add a staff member"),
    "staff_create": N_("Create and get the link"),
    "staff_bad_name": N_("Enter the name, 1 to {count} characters."),
    "staff_link_title": N_("Enrollment link"),
    "staff_link_intro": N_(
        "Give this link to {name}. It works once, within 24 hours, to register a passkey "
        "on their computer or security key. It is shown only now."
    ),
    "staff_back": N_("Back to the staff list"),
}

STAFF = """{% extends "layout.html" %}
{% block content %}
{% if disabled_name %}<p class="notice" role="status" id="staff-done">{{ t.staff_disabled_done.format(name=disabled_name) }}</p>{% endif %}
<table><thead><tr><th scope="col">{{ t.name }}</th><th scope="col">{{ t.role }}</th><th scope="col">{{ t.staff_passkey }}</th><th scope="col">{{ t.staff_last_sign_in }}</th><th scope="col">{{ t.staff_state }}</th></tr></thead><tbody>
{% for member in members %}<tr><td>{{ member.name }}</td><td>{{ t['role_' ~ member.role] }}</td>
<td>{{ t.staff_passkey_yes if member.passkeys else t.staff_passkey_no }}</td>
<td>{{ member.last_signed_in or t.staff_never }}</td>
<td>{% if member.disabled %}{{ t.staff_disabled }}{% else %}{{ t.staff_live }}{% if member.id != self_id %}
<form method="post" action="{{ link('/console/staff/' ~ member.id ~ '/disable') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" class="secondary" id="disable-{{ member.id }}">{{ t.staff_disable.format(name=member.name) }}</button>
</form>{% endif %}{% endif %}</td></tr>
{% endfor %}
</tbody></table>
<h2>{{ t.staff_new_title }}</h2>
{% include "errors.html" %}
<form method="post" action="{{ link('/console/staff') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<label for="name">{{ t.name }}</label>
{% if errors.get('name') %}<p class="error" id="name-error">{{ errors.get('name') }}</p>{% endif %}
<input id="name" name="name" value="{{ form.get('name', '') }}" maxlength="64" autocomplete="off" required{% if errors.get('name') %} aria-invalid="true" aria-describedby="name-error"{% endif %}>
<label for="role">{{ t.role }}</label>
{% if errors.get('role') %}<p class="error" id="role-error">{{ errors.get('role') }}</p>{% endif %}
<select id="role" name="role">
{% for role in roles %}<option value="{{ role }}"{% if role == form.get('role', 'clerk') %} selected{% endif %}>{{ t['role_' ~ role] }}</option>{% endfor %}
</select>
<div><button type="submit" id="create-staff">{{ t.staff_create }}</button></div>
</form>
{% endblock %}
"""

STAFF_LINK = """{% extends "layout.html" %}
{% block content %}
<p>{{ t.staff_link_intro.format(name=name) }}</p>
<p class="code" id="enrollment-link"><a href="{{ enrollment_link }}">{{ enrollment_link }}</a></p>
<p><a href="{{ link('/console/staff') }}">{{ t.staff_back }}</a></p>
{% endblock %}
"""

TEMPLATES: dict[str, str] = {"staff.html": STAFF, "staff_link.html": STAFF_LINK}
