"""Words and templates of the console's help pages for one person: registered phones,
people acting for them, and their audit trail (phones.py, delegations.py, audit.py).

Strings only: texts.py and templates.py merge these into the console's.
"""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "as_back": N_("Back to the person"),
    "as_refused_title": N_("This cannot be done now"),
    "as_check_id": N_("Check the ID document"),
    "as_when": N_("When"),
    "as_what": N_("What"),
    "as_who": N_("Who"),
    "as_office": N_("Office"),
    "as_channel": N_("Channel"),
    "as_reason": N_("Reason"),
    # Registered phones
    "as_phones_title": N_("Registered phones"),
    "as_phones_intro": N_(
        "A call from a registered number, with the person's PIN, signs in on the phone line. "
        "Landlines work too."
    ),
    "as_phones_listed": N_("Numbers in use"),
    "as_no_phones": N_("No number is registered."),
    "as_number": N_("Phone number"),
    "as_number_hint": N_("For example 02-1234-5678 or 010-1234-5678"),
    "as_registered": N_("Registered"),
    "as_registered_at": N_("{time}, {office}"),
    "as_state": N_("State"),
    "as_in_use": N_("In use"),
    "as_locked_since": N_("Locked after 5 wrong PINs ({time})"),
    "as_actions": N_("Actions"),
    "as_unlock": N_("Unlock"),
    "as_unlock_number": N_("Unlock {number}"),
    "as_remove": N_("Remove"),
    "as_remove_number": N_("Remove {number}"),
    "as_register_title": N_("Register a number"),
    "as_register": N_("Register the number"),
    "as_done_registered": N_("The number is registered. The person can now call from it."),
    "as_done_removed": N_("The number is removed. Calls from it no longer sign in."),
    "as_done_unlocked": N_("The number is unlocked. The person can enter the PIN again."),
    # Acting for the person
    "as_delegations_title": N_("People acting for this person"),
    "as_delegations_listed": N_("Who may act for this person now"),
    "as_no_delegations": N_("Nobody may act for this person."),
    "as_proxy": N_("Who acts"),
    "as_scopes": N_("What they may do"),
    "as_until": N_("Until"),
    "as_created": N_("Set up"),
    "as_created_counter": N_("{time}, at the counter of {office}"),
    "as_created_app": N_("{time}, by the person in the app"),
    "as_visit_me": N_("You, for this visit"),
    "as_visit_clerk": N_("{name} (clerk), for this visit"),
    "as_revoke": N_("End"),
    "as_revoke_for": N_("End acting for this person: {name}"),
    "as_scope_view_benefits": N_("See their benefits"),
    "as_scope_apply": N_("Apply for benefits for them"),
    "as_scope_read_notifications": N_("Read their notices"),
    "as_create_title": N_("Let someone act for this person"),
    "as_create_intro": N_(
        "The person is here and agrees. Read the helper's name and birth date from their "
        "ID document."
    ),
    "as_need_check": N_(
        "First check this person's ID document. Acting for someone can be set up here only "
        "within 8 hours of a matching check."
    ),
    "as_proxy_kind": N_("Who will act for the person"),
    "as_proxy_person": N_("Another person"),
    "as_proxy_me": N_("Me, for this visit (up to 8 hours)"),
    "as_proxy_name": N_("Helper's name"),
    "as_proxy_birth_date": N_("Helper's birth date"),
    "as_until_hint": N_(
        "The last day. At most 1 year from today. Not used when you act for this visit."
    ),
    "as_create": N_("Save"),
    "as_bad_scopes": N_("Choose at least one thing they may do."),
    "as_done_created": N_("Saved. The helper can act for the person from now on."),
    "as_done_revoked": N_("Ended. They can no longer act for the person."),
    "as_activity_title": N_("What helpers did recently"),
    "as_no_activity": N_("Nothing yet."),
    # Audit trail
    "as_audit_title": N_("Audit trail"),
    "as_audit_intro": N_(
        "Newest first, at most 200 rows. Times are Korea time. Opening this page is recorded too."
    ),
    "as_audit_empty": N_("Nothing is recorded yet."),
    "as_channel_counter": N_("Counter"),
    "as_channel_app": N_("App"),
    "as_channel_phone": N_("Phone"),
    "as_channel_kiosk": N_("Kiosk"),
    "as_channel_api": N_("Open API"),
    "as_channel_cli": N_("Administration command"),
    "as_action_counter_identity_verified": N_("ID document checked"),
    "as_action_counter_person_opened": N_("Opened at the counter"),
    "as_action_counter_people_searched": N_("People searched"),
    "as_action_counter_sign_in_summary_viewed": N_("How they sign in viewed"),
    "as_action_counter_phones_viewed": N_("Registered phones viewed"),
    "as_action_counter_delegations_viewed": N_("Helpers viewed"),
    "as_action_delegation_bank_accounts_viewed": N_("A helper saw the bank accounts"),
    "as_action_staff_signed_in": N_("Signed in to the console"),
    "as_action_staff_signed_out": N_("Signed out of the console"),
    "as_action_staff_created": N_("Staff account created"),
    "as_action_staff_access_report_viewed": N_("Monthly access review read"),
    "as_action_counter_audit_trail_viewed": N_("Audit trail viewed"),
    "as_action_counter_enrollment_code_issued": N_("Enrollment code issued"),
    "as_action_auth_enrollment_code_redeemed": N_("Enrollment code used"),
    "as_action_auth_account_created": N_("Account created"),
    "as_action_auth_card_issued": N_("Access card issued"),
    "as_action_auth_card_revoked": N_("Access card stopped"),
    "as_action_auth_card_unlocked": N_("Access card unlocked"),
    "as_action_auth_card_signed_in": N_("Signed in with the access card"),
    "as_action_auth_card_refused": N_("Access card refused"),
    "as_action_auth_pin_set": N_("PIN set"),
    "as_action_auth_pin_changed": N_("PIN changed"),
    "as_action_auth_pin_credential_locked": N_("Locked after wrong PINs"),
    "as_action_counter_pin_reset": N_("PIN reset at the counter"),
    "as_action_auth_account_locked": N_("Account locked for a while"),
    "as_action_auth_account_locked_until_counter": N_("Account locked until a counter visit"),
    "as_action_auth_account_unlocked": N_("Account unlocked"),
    "as_action_delegation_created": N_("Acting for the person set up"),
    "as_action_delegation_revoked": N_("Acting for the person ended"),
    "as_action_delegation_eligibility_viewed": N_("A helper saw the benefits"),
    "as_action_delegation_inbox_read": N_("A helper read the notices"),
    "as_action_delegation_application_submitted": N_("A helper applied"),
    "as_action_counter_recovery_requested": N_("Recovery requested"),
    "as_action_counter_recovery_approved": N_("Recovery approved"),
    "as_action_counter_recovery_refused": N_("Recovery refused"),
    "as_action_counter_recovery_decision_refused": N_("Recovery decision not allowed"),
    "as_action_counter_all_authenticators_revoked": N_("Every way to sign in removed"),
    "as_action_counter_authenticator_revoked": N_("A way to sign in removed"),
    "as_action_counter_phone_of_record_changed": N_("Phone of record changed"),
    "as_action_auth_phone_registered": N_("Phone registered"),
    "as_action_auth_phone_removed": N_("Phone removed"),
    "as_action_auth_phone_unlocked": N_("Phone unlocked"),
    "as_action_auth_phone_signed_in": N_("Signed in by phone"),
    "as_action_auth_phone_callback_placed": N_("Called back to confirm"),
    "as_action_auth_sign_in_succeeded": N_("Signed in"),
    "as_action_auth_sign_in_failed": N_("Sign-in failed"),
    "as_action_auth_session_stepped_up": N_("Sign-in confirmed again"),
    "as_action_auth_logout": N_("Signed out"),
    "as_action_auth_logout_all": N_("Signed out everywhere"),
    "as_action_auth_passkey_added": N_("Passkey added"),
    "as_action_auth_passkey_deleted": N_("Passkey removed"),
    "as_action_auth_totp_confirmed": N_("Authenticator app added"),
    "as_action_auth_totp_removed": N_("Authenticator app removed"),
}

_FIELD = """{% if errors.get(name) %}<p class="error" id="{{ name }}-error">{{ errors.get(name) }}</p>{% endif %}"""

PERSON_HEAD = """<table>
<tr><th scope="row">{{ t.name }}</th><td id="person-name">{{ person.name }}</td></tr>
<tr><th scope="row">{{ t.birth_date }}</th><td>{{ person.birth_date }}</td></tr>
{% if matched_text %}<tr><th scope="row">{{ t.as_check_id }}</th><td id="match-state">{{ matched_text }}</td></tr>{% endif %}
</table>
<p><a href="{{ link('/console/people/' ~ person.id) }}">{{ t.as_back }}</a></p>
{% if done %}<p class="notice" role="status" id="done">{{ done }}</p>{% endif %}
{% if refusal %}<div class="problem" role="alert" id="refusal" tabindex="-1"><p><strong>{{ refusal.title }}</strong></p><p>{{ refusal.detail }}</p></div>{% endif %}
"""

PHONES = (
    """{% extends "layout.html" %}
{% block content %}
{% include "as_person_head.html" %}
<p>{{ t.as_phones_intro }}</p>
<h2>{{ t.as_phones_listed }}</h2>
{% if phones %}<table><thead><tr><th scope="col">{{ t.as_number }}</th><th scope="col">{{ t.as_registered }}</th><th scope="col">{{ t.as_state }}</th><th scope="col">{{ t.as_actions }}</th></tr></thead><tbody>
{% for phone in phones %}<tr id="phone-{{ phone.id }}"><td>{{ phone.number }}</td><td>{{ phone.registered }}</td>
<td>{% if phone.locked %}<strong class="error">{{ phone.locked }}</strong>{% else %}{{ t.as_in_use }}{% endif %}</td>
<td>{% if phone.locked %}<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/phones/' ~ phone.id ~ '/unlock') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" id="unlock-{{ phone.id }}" aria-label="{{ t.as_unlock_number.format(number=phone.number) }}">{{ t.as_unlock }}</button>
</form>{% endif %}
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/phones/' ~ phone.id ~ '/remove') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" class="secondary" id="remove-{{ phone.id }}" aria-label="{{ t.as_remove_number.format(number=phone.number) }}">{{ t.as_remove }}</button>
</form></td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{{ t.as_no_phones }}</p>{% endif %}
<h2>{{ t.as_register_title }}</h2>
{% include "errors.html" %}
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/phones') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
{% set name = "number" %}
<label for="number">{{ t.as_number }} <span class="hint" id="number-hint">{{ t.as_number_hint }}</span></label>
"""
    + _FIELD
    + """
<input id="number" name="number" value="{{ form.get('number', '') }}" inputmode="tel" maxlength="32" autocomplete="off" required aria-describedby="number-hint{% if errors.get('number') %} number-error{% endif %}"{% if errors.get(name) %} aria-invalid="true"{% endif %}>
<div><button type="submit" id="register">{{ t.as_register }}</button></div>
</form>
{% endblock %}
"""
)

DELEGATIONS = (
    """{% extends "layout.html" %}
{% block content %}
{% include "as_person_head.html" %}
<h2>{{ t.as_delegations_listed }}</h2>
{% if delegations %}<table><thead><tr><th scope="col">{{ t.as_proxy }}</th><th scope="col">{{ t.as_scopes }}</th><th scope="col">{{ t.as_until }}</th><th scope="col">{{ t.as_created }}</th><th scope="col">{{ t.as_actions }}</th></tr></thead><tbody>
{% for d in delegations %}<tr id="delegation-{{ d.id }}"><td>{{ d.proxy }}</td><td><ul>{% for scope in d.scopes %}<li>{{ scope }}</li>{% endfor %}</ul></td><td>{{ d.until }}</td><td>{{ d.created }}</td>
<td><form method="post" action="{{ link('/console/people/' ~ person.id ~ '/delegations/' ~ d.id ~ '/revoke') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" class="secondary" id="revoke-{{ d.id }}" aria-label="{{ t.as_revoke_for.format(name=d.proxy) }}">{{ t.as_revoke }}</button>
</form></td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{{ t.as_no_delegations }}</p>{% endif %}
<h2>{{ t.as_create_title }}</h2>
{% if person.matched_at %}
{% include "errors.html" %}
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/delegations') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<p>{{ t.as_create_intro }}</p>
{% set name = "proxy_kind" %}
<fieldset class="radio" id="proxy_kind"><legend>{{ t.as_proxy_kind }}</legend>
"""
    + _FIELD
    + """
<div><input type="radio" id="proxy-person" name="proxy_kind" value="person"{% if form.get('proxy_kind', 'person') == 'person' %} checked{% endif %}><label for="proxy-person">{{ t.as_proxy_person }}</label></div>
<div><input type="radio" id="proxy-me" name="proxy_kind" value="me"{% if form.get('proxy_kind') == 'me' %} checked{% endif %}><label for="proxy-me">{{ t.as_proxy_me }}</label></div>
</fieldset>
{% set name = "proxy_name" %}
<label for="proxy_name">{{ t.as_proxy_name }}</label>
"""
    + _FIELD
    + """
<input id="proxy_name" name="proxy_name" value="{{ form.get('proxy_name', '') }}" maxlength="100" autocomplete="off"{% if errors.get('proxy_name') %} aria-describedby="proxy_name-error"{% endif %}{% if errors.get(name) %} aria-invalid="true"{% endif %}>
{% set name = "proxy_birth_date" %}
<label for="proxy_birth_date">{{ t.as_proxy_birth_date }} <span class="hint" id="proxy-birth-hint">{{ t.birth_date_hint }}</span></label>
"""
    + _FIELD
    + """
<input id="proxy_birth_date" name="proxy_birth_date" value="{{ form.get('proxy_birth_date', '') }}" inputmode="numeric" autocomplete="off" aria-describedby="proxy-birth-hint{% if errors.get('proxy_birth_date') %} proxy_birth_date-error{% endif %}"{% if errors.get(name) %} aria-invalid="true"{% endif %}>
{% set name = "scopes" %}
<fieldset id="scopes"><legend>{{ t.as_scopes }}</legend>
"""
    + _FIELD
    + """
{% for value, label in scopes %}<div class="radio"><input type="checkbox" id="scope-{{ value }}" name="scope_{{ value }}" value="on"{% if form.get('scope_' ~ value) %} checked{% endif %}><label for="scope-{{ value }}">{{ label }}</label></div>{% endfor %}
</fieldset>
{% set name = "until" %}
<label for="until">{{ t.as_until }} <span class="hint" id="until-hint">{{ t.as_until_hint }}</span></label>
"""
    + _FIELD
    + """
<input id="until" name="until" type="date" value="{{ form.get('until', default_until) }}" min="{{ today }}" max="{{ max_until }}" aria-describedby="until-hint{% if errors.get('until') %} until-error{% endif %}"{% if errors.get(name) %} aria-invalid="true"{% endif %}>
<div><button type="submit" id="create">{{ t.as_create }}</button></div>
</form>
{% else %}
<p class="problem" id="need-check">{{ t.as_need_check }} <a href="{{ link('/console/people/' ~ person.id) }}">{{ t.as_check_id }}</a></p>
{% endif %}
<h2>{{ t.as_activity_title }}</h2>
{% if activity %}<table><thead><tr><th scope="col">{{ t.as_when }}</th><th scope="col">{{ t.as_what }}</th><th scope="col">{{ t.as_who }}</th><th scope="col">{{ t.as_channel }}</th></tr></thead><tbody>
{% for a in activity %}<tr><td>{{ a.when }}</td><td>{{ a.what }}</td><td>{{ a.who }}</td><td>{{ a.channel }}</td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{{ t.as_no_activity }}</p>{% endif %}
{% endblock %}
"""
)

AUDIT = """{% extends "layout.html" %}
{% block content %}
{% include "as_person_head.html" %}
<p>{{ t.as_audit_intro }}</p>
{% if entries %}<table id="audit"><thead><tr><th scope="col">{{ t.as_when }}</th><th scope="col">{{ t.as_what }}</th><th scope="col">{{ t.as_who }}</th><th scope="col">{{ t.as_office }}</th><th scope="col">{{ t.as_channel }}</th><th scope="col">{{ t.as_reason }}</th></tr></thead><tbody>
{% for e in entries %}<tr><td>{{ e.when }}</td><td>{{ e.what }}</td><td>{{ e.who }}</td><td>{{ e.office }}</td><td>{{ e.channel }}</td><td>{{ e.reason }}</td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{{ t.as_audit_empty }}</p>{% endif %}
{% endblock %}
"""

REFUSED = """{% extends "layout.html" %}
{% block content %}
<div class="problem" role="alert" id="refusal" tabindex="-1"><p><strong>{{ refusal.title }}</strong></p><p>{{ refusal.detail }}</p></div>
<p><a href="{{ back }}">{{ t.as_back }}</a></p>
{% endblock %}
"""

TEMPLATES: dict[str, str] = {
    "as_person_head.html": PERSON_HEAD,
    "as_phones.html": PHONES,
    "as_delegations.html": DELEGATIONS,
    "as_audit.html": AUDIT,
    "as_refused.html": REFUSED,
}
