"""Words and template of the console's benefits page: a clerk acting for the person
during the visit sees their benefits and applies for them."""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "act_title": N_("Benefits and applying"),
    "act_link": N_("See benefits and apply for this person"),
    "act_needed": N_(
        "You can see this person's benefits only if they let you act for them during this "
        "visit. Set it up on the page of people acting for them."
    ),
    "act_programme": N_("Programme"),
    "act_status": N_("Answer"),
    "act_status_eligible": N_("Eligible"),
    "act_status_not_eligible": N_("Not eligible"),
    "act_status_unknown": N_("Not sure: a caseworker checks"),
    "act_apply_title": N_("Apply for this person"),
    "act_apply_needed": N_("To apply, the person must also let you apply for them."),
    "act_no_bank": N_(
        "The person has no verified bank account. They add one in the app, or the "
        "caseworker helps them."
    ),
    "act_bank": N_("Bank account for the payment"),
    "act_contact": N_("How we contact the person about it"),
    "act_contact_push": N_("App notification"),
    "act_contact_sms": N_("Text message"),
    "act_contact_voice": N_("Phone call"),
    "act_contact_letter": N_("Letter"),
    "act_confirm": N_("The person checked the form with me and confirms it is right."),
    "act_confirm_needed": N_("Read the form with the person and tick the box."),
    "act_submit": N_("Apply now"),
    "act_applied": N_("The application is in. Its number is {number}."),
}

ACTING = """{% extends "layout.html" %}
{% block content %}
<p><a href="{{ link('/console/people/' ~ person.id) }}">{{ t.back_to_person }}</a></p>
<p id="person-name"><strong>{{ person.name }}</strong> ({{ person.birth_date }})</p>
{% if applied %}<p class="notice" role="status" id="applied">{{ t.act_applied.format(number=applied) }}</p>{% endif %}
{% if programmes is none %}<p class="problem" id="act-needed">{{ t.act_needed }}</p>
{% else %}
<table><thead><tr><th scope="col">{{ t.act_programme }}</th><th scope="col">{{ t.act_status }}</th></tr></thead><tbody>
{% for p in programmes %}<tr><td>{{ p.name }}<br><span class="hint">{{ p.summary }}</span></td><td>{{ t['act_status_' ~ p.status] }}</td></tr>{% endfor %}
</tbody></table>
<h2>{{ t.act_apply_title }}</h2>
{% if banks is none %}<p id="apply-needed">{{ t.act_apply_needed }}</p>
{% elif not banks %}<p id="no-bank">{{ t.act_no_bank }}</p>
{% else %}
{% include "errors.html" %}
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/apply') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<input type="hidden" name="key" value="{{ key }}">
<label for="programme_id">{{ t.act_programme }}</label>
<select id="programme_id" name="programme_id" required>
{% for p in programmes %}<option value="{{ p.programme_id }}"{% if p.programme_id == form.get('programme_id') %} selected{% endif %}>{{ p.name }} – {{ t['act_status_' ~ p.status] }}</option>{% endfor %}
</select>
<label for="bank_account_id">{{ t.act_bank }}</label>
<select id="bank_account_id" name="bank_account_id" required>
{% for b in banks %}<option value="{{ b.id }}">{{ b.bank }} ****{{ b.number_last4 }}</option>{% endfor %}
</select>
<label for="contact_preference">{{ t.act_contact }}</label>
<select id="contact_preference" name="contact_preference">
{% for value in contacts %}<option value="{{ value }}"{% if value == form.get('contact_preference', 'letter') %} selected{% endif %}>{{ t['act_contact_' ~ value] }}</option>{% endfor %}
</select>
<div class="radio" id="confirmed">
{% if errors.get('confirmed') %}<p class="error">{{ errors.get('confirmed') }}</p>{% endif %}
<input type="checkbox" id="confirm" name="confirmed" value="yes"{% if errors.get('confirmed') %} aria-invalid="true"{% endif %}><label for="confirm">{{ t.act_confirm }}</label></div>
<div><button type="submit" id="apply">{{ t.act_submit }}</button></div>
</form>
{% endif %}
{% endif %}
{% endblock %}
"""

TEMPLATES: dict[str, str] = {"acting.html": ACTING}
