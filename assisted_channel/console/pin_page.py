"""Words and template of the console's PIN page, where the person types their first PIN."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "pin_title": N_("Set the PIN"),
    "pin_link": N_("Let the person set their PIN now"),
    "pin_intro": N_(
        "Turn the keypad to the person. They type a PIN of 6 digits twice. "
        "Do not look and do not type it for them."
    ),
    "pin_rules": N_("Avoid repeated or consecutive digits and the birth date."),
    "pin_new": N_("New PIN (6 digits)"),
    "pin_again": N_("The same PIN again"),
    "pin_save": N_("Save the PIN"),
    "pin_bad_format": N_("Enter exactly 6 digits."),
    "pin_not_same": N_("The two PINs are not the same. Type them again."),
    "pin_done": N_("The PIN is saved. The person can now use it with the access card."),
}

PIN = """{% extends "layout.html" %}
{% block content %}
<p><a href="{{ link('/console/people/' ~ person.id) }}">{{ t.back_to_person }}</a></p>
<table>
<tr><th scope="row">{{ t.name }}</th><td id="person-name">{{ person.name }}</td></tr>
<tr><th scope="row">{{ t.birth_date }}</th><td>{{ person.birth_date }}</td></tr>
</table>
{% if done %}<p class="notice" role="status" id="pin-done">{{ t.pin_done }}</p>
{% elif refusal %}<p class="problem" role="alert" id="pin-refused"><strong>{{ refusal.title }}</strong> {{ refusal.detail }}</p>
{% else %}
{% include "errors.html" %}
<p>{{ t.pin_intro }}</p>
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/pin') }}" autocomplete="off">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<label for="pin">{{ t.pin_new }} <span class="hint" id="pin-hint">{{ t.pin_rules }}</span></label>
{% if errors.get('pin') %}<p class="error" id="pin-error">{{ errors.get('pin') }}</p>{% endif %}
<input id="pin" name="pin" type="password" inputmode="numeric" maxlength="6" autocomplete="off" required aria-describedby="pin-hint{% if errors.get('pin') %} pin-error{% endif %}"{% if errors.get('pin') %} aria-invalid="true"{% endif %}>
<label for="pin_again">{{ t.pin_again }}</label>
{% if errors.get('pin_again') %}<p class="error" id="pin-again-error">{{ errors.get('pin_again') }}</p>{% endif %}
<input id="pin_again" name="pin_again" type="password" inputmode="numeric" maxlength="6" autocomplete="off" required{% if errors.get('pin_again') %} aria-invalid="true" aria-describedby="pin-again-error"{% endif %}>
<div><button type="submit" id="save-pin">{{ t.pin_save }}</button></div>
</form>
{% endif %}
{% endblock %}
"""

TEMPLATES: dict[str, str] = {"pin.html": PIN}
