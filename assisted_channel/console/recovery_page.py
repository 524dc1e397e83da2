"""Words and templates of the recovery pages: a person's PIN, locks and authenticators
at the counter (`rec_recovery.html`), and the supervisors' approvals (`rec_approvals.html`).

Strings only: texts.py and templates.py merge them with the other parts of the console.
"""

from __future__ import annotations

from i18n import N_

TEXTS: dict[str, str] = {
    "rec_title": N_("PIN, locks and authenticators"),
    "rec_summary_title": N_("How this person signs in"),
    "rec_phone_of_record": N_("Phone of record"),
    "rec_account": N_("Account"),
    "rec_no_account": N_("No account yet. It is made when the ID matches at the counter."),
    "rec_assurance": N_("Identity confirmed"),
    "rec_assurance_remote": N_("Online only"),
    "rec_assurance_in_person": N_("In person at a counter"),
    "rec_pin": N_("PIN"),
    "rec_pin_set": N_("Set on {time}"),
    "rec_pin_none": N_("No PIN"),
    "rec_app_pin": N_("PIN in the app"),
    "rec_pin_locked": N_("Locked after 5 wrong PINs"),
    "rec_wrong_pins": N_("Not locked ({count} wrong PINs)"),
    "rec_sign_in_lock": N_("Sign-in lock"),
    "rec_hard_locked": N_("Locked since {time} after 100 wrong PINs in a row"),
    "rec_not_locked": N_("Not locked ({count} wrong PINs in a row)"),
    "rec_totp": N_("Authenticator app (TOTP)"),
    "rec_on": N_("On"),
    "rec_off": N_("Off"),
    "rec_passkeys": N_("Passkeys"),
    "rec_passkey_name": N_("Name"),
    "rec_created": N_("Registered"),
    "rec_last_used": N_("Last used"),
    "rec_never": N_("Never"),
    "rec_no_passkeys": N_("No passkeys."),
    "rec_card": N_("Access card"),
    "rec_card_number": N_("Card number"),
    "rec_issued": N_("Issued"),
    "rec_state": N_("State"),
    "rec_no_card": N_("No access card in use."),
    "rec_phones": N_("Registered phones"),
    "rec_number": N_("Number"),
    "rec_no_phones": N_("No registered phones."),
    "rec_check_first": N_(
        "Check the person's ID first. These actions need a matching ID check "
        "in the last 30 minutes."
    ),
    "rec_go_check": N_("Go to the ID check"),
    "rec_matched_at": N_("The ID matched at {time}."),
    "rec_actions_title": N_("Help at the counter"),
    "rec_reason": N_("Reason"),
    "rec_reason_hint": N_("It is kept in the audit trail. Up to {count} characters."),
    "rec_reset_pin_title": N_("Reset the PIN"),
    "rec_reset_pin_hint": N_(
        "The PIN is forgotten, and the wrong PINs on the card and phones are cleared. "
        "The person sets a new PIN with an SMS code or an enrollment code."
    ),
    "rec_unlock_title": N_("Unlock sign-in"),
    "rec_unlock_hint": N_("Lifts the lock after 100 wrong PINs in a row."),
    "rec_unlock_card_title": N_("Unlock the access card"),
    "rec_unlock_card_hint": N_("Clears the card's wrong PINs and its lock."),
    "rec_revoke_title": N_("Revoke one authenticator"),
    "rec_revoke_hint": N_(
        "Write the reason, then press the button of the one to revoke. "
        "The sessions it may have started end too."
    ),
    "rec_revoke_passkey": N_("Revoke the passkey {name}"),
    "rec_revoke_totp": N_("Turn off the authenticator app"),
    "rec_revoke_card": N_("Revoke the access card"),
    "rec_revoke_phone": N_("Remove the phone {phone}"),
    "rec_nothing_to_revoke": N_("There is nothing to revoke."),
    "rec_ask_title": N_("Ask a supervisor"),
    "rec_ask_hint": N_(
        "These need a second person: a supervisor or administrator of this job centre "
        "approves them. Nothing changes until then."
    ),
    "rec_revoke_all_hint": N_(
        "Passkeys, the authenticator app, recovery codes, the access card, registered phones "
        "and every session. The PIN stays."
    ),
    "rec_new_phone": N_("New phone number"),
    "rec_new_phone_hint": N_("For example 010-1234-5678"),
    "rec_ask_button": N_("Ask for approval"),
    "rec_requests_title": N_("Requests for this person"),
    "rec_no_requests": N_("No requests."),
    "rec_action_revoke_all_authenticators": N_("Revoke every authenticator"),
    "rec_action_change_phone_of_record": N_("Change the phone of record"),
    "rec_status_pending": N_("Waiting for approval"),
    "rec_status_approved": N_("Approved"),
    "rec_status_refused": N_("Refused"),
    "rec_status_expired": N_("Expired"),
    "rec_col_request": N_("Request"),
    "rec_col_person": N_("Person"),
    "rec_col_asked_by": N_("Asked by"),
    "rec_col_asked_at": N_("Asked at"),
    "rec_col_new_phone": N_("New phone"),
    "rec_col_decided_by": N_("Decided by"),
    "rec_col_decided_at": N_("Decided at"),
    "rec_col_decision_reason": N_("Reason for the decision"),
    "rec_done_reset_pin": N_("The PIN is reset. The person can set a new PIN now."),
    "rec_done_unlock": N_("Sign-in is unlocked."),
    "rec_done_unlock_card": N_("The access card is unlocked."),
    "rec_done_revoke": N_("It is revoked. The sessions it may have started have ended."),
    "rec_done_request": N_(
        "The request is sent. A supervisor or administrator of this job centre must approve it."
    ),
    "rec_done_request_region": N_(
        "The request is sent. No supervisor of this job centre can be the second person "
        "for it, so it was offered to the other job centres in the same region. One of "
        "their supervisors must approve it."
    ),
    "rec_done_request_nobody": N_(
        "The request is sent, but no supervisor of this job centre or region can approve "
        "it now: each is the person who asked, or was created by them or with them in the "
        "last 30 days. Ask your regional office for help; the request expires in 8 hours."
    ),
    "rec_col_office": N_("Job centre"),
    "rec_offered_note": N_(
        "Offered to your region: nobody at {office} can be the second person for it."
    ),
    "rec_done_approve": N_("Approved. The action is done."),
    "rec_done_refuse": N_("Refused. Nothing changed."),
    "rec_approvals_title": N_("Requests waiting for approval"),
    "rec_approvals_intro": N_(
        "Requests from your job centre, and those the other job centres of your region "
        "could not approve themselves. You cannot decide on a request you made yourself, "
        "nor on one from someone who created your account or whose account you created "
        "in the last 30 days."
    ),
    "rec_no_pending": N_("No requests are waiting."),
    "rec_decided_title": N_("Recently decided"),
    "rec_no_decided": N_("Nothing decided yet."),
    "rec_approve": N_("Approve"),
    "rec_refuse": N_("Refuse"),
    "rec_refuse_reason": N_("Reason for refusing"),
    "rec_expired_note": N_("This request has expired. The person must ask again at the counter."),
    "rec_bad_reason": N_("Write the reason, up to {count} characters."),
    "rec_bad_phone": N_("Enter a phone number like 010-1234-5678."),
}

# A reason field: its id is the key of its error, so the list at the top links to it.
_REASON = """{% macro reason_field(id, label) -%}
<label for="{{ id }}">{{ label }} <span class="hint" id="{{ id }}-hint">{{ t.rec_reason_hint.format(count=reason_max) }}</span></label>
{% if errors.get(id) %}<p class="error" id="{{ id }}-error">{{ errors.get(id) }}</p>{% endif %}
<input id="{{ id }}" name="reason" value="{{ form.get(id, '') }}" maxlength="{{ reason_max }}" autocomplete="off" required aria-describedby="{{ id }}-hint{% if errors.get(id) %} {{ id }}-error{% endif %}"{% if errors.get(id) %} aria-invalid="true"{% endif %}>
{%- endmacro %}"""

_MESSAGES = """{% if done %}<p class="notice" role="status" id="done">{{ done }}</p>{% endif %}
{% if refusal %}<div class="problem" role="alert" id="refusal"><p><strong>{{ refusal.title }}</strong></p><p>{{ refusal.detail }}</p></div>{% endif %}
{% include "errors.html" %}"""

_CSRF = '<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">'

RECOVERY = (
    '{% extends "layout.html" %}\n'
    + _REASON
    + """
{% block content %}
<p><a href="{{ link('/console/people/' ~ s.person_id) }}">{{ t.back_to_person }}</a>{% if is_supervisor %} · <a href="{{ link('/console/approvals') }}">{{ t.link_approvals }}</a>{% endif %}</p>
"""
    + _MESSAGES
    + """
<h2>{{ t.rec_summary_title }}</h2>
<table>
<tr><th scope="row">{{ t.name }}</th><td id="person-name">{{ s.name }}</td></tr>
<tr><th scope="row">{{ t.rec_phone_of_record }}</th><td>{{ s.phone_masked or t.no_phone }}</td></tr>
{% set a = s.account %}{% if a %}
<tr><th scope="row">{{ t.rec_assurance }}</th><td>{{ t['rec_assurance_' ~ a.assurance] }}</td></tr>
<tr><th scope="row">{{ t.rec_pin }}</th><td id="pin-state">{% if a.has_pin %}{{ t.rec_pin_set.format(time=when(a.pin_set_at)) }}{% else %}{{ t.rec_pin_none }}{% endif %}</td></tr>
<tr><th scope="row">{{ t.rec_app_pin }}</th><td id="app-pin-state">{% if a.app_pin_locked %}{{ t.rec_pin_locked }}{% else %}{{ t.rec_wrong_pins.format(count=a.app_pin_failures) }}{% endif %}</td></tr>
<tr><th scope="row">{{ t.rec_sign_in_lock }}</th><td id="lock-state">{% if a.hard_locked_at %}{{ t.rec_hard_locked.format(time=when(a.hard_locked_at)) }}{% else %}{{ t.rec_not_locked.format(count=a.consecutive_failures) }}{% endif %}</td></tr>
<tr><th scope="row">{{ t.rec_totp }}</th><td id="totp-state">{{ t.rec_on if a.totp_enabled else t.rec_off }}</td></tr>
{% else %}
<tr><th scope="row">{{ t.rec_account }}</th><td>{{ t.rec_no_account }}</td></tr>
{% endif %}
</table>
<h3>{{ t.rec_passkeys }}</h3>
{% if s.passkeys %}<table id="passkeys"><thead><tr><th scope="col">{{ t.rec_passkey_name }}</th><th scope="col">{{ t.rec_created }}</th><th scope="col">{{ t.rec_last_used }}</th></tr></thead><tbody>
{% for p in s.passkeys %}<tr><td>{{ p.name }}</td><td>{{ when(p.created_at) }}</td><td>{{ when(p.last_used_at) if p.last_used_at else t.rec_never }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>{{ t.rec_no_passkeys }}</p>{% endif %}
<h3>{{ t.rec_card }}</h3>
{% if s.card %}<table id="card"><tr><th scope="row">{{ t.rec_card_number }}</th><td>{{ s.card.id }}</td></tr>
<tr><th scope="row">{{ t.rec_issued }}</th><td>{{ when(s.card.issued_at) }}</td></tr>
<tr><th scope="row">{{ t.rec_state }}</th><td id="card-state">{% if s.card.locked %}{{ t.rec_pin_locked }}{% else %}{{ t.rec_wrong_pins.format(count=s.card.pin_failures) }}{% endif %}</td></tr></table>
{% else %}<p>{{ t.rec_no_card }}</p>{% endif %}
<h3>{{ t.rec_phones }}</h3>
{% if s.phones %}<table id="phones"><thead><tr><th scope="col">{{ t.rec_number }}</th><th scope="col">{{ t.rec_created }}</th><th scope="col">{{ t.rec_state }}</th></tr></thead><tbody>
{% for p in s.phones %}<tr><td>{{ p.phone_masked }}</td><td>{{ when(p.registered_at) }}</td><td>{% if p.locked %}{{ t.rec_pin_locked }}{% else %}{{ t.rec_wrong_pins.format(count=p.pin_failures) }}{% endif %}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>{{ t.rec_no_phones }}</p>{% endif %}

{% if not s.recent_match_at %}
<div class="problem" id="check-first"><p>{{ t.rec_check_first }}</p>
<p><a href="{{ link('/console/people/' ~ s.person_id) }}">{{ t.rec_go_check }}</a></p></div>
{% else %}
<h2>{{ t.rec_actions_title }}</h2>
<p id="match-state">{{ t.rec_matched_at.format(time=when(s.recent_match_at)) }}</p>
{% set base = '/console/people/' ~ s.person_id ~ '/recovery/' %}
<form method="post" action="{{ link(base ~ 'reset-pin') }}" aria-labelledby="reset-pin-title">
"""
    + _CSRF
    + """
<h3 id="reset-pin-title">{{ t.rec_reset_pin_title }}</h3>
<p class="hint">{{ t.rec_reset_pin_hint }}</p>
{{ reason_field('reason-reset-pin', t.rec_reason) }}
<div><button type="submit" id="reset-pin">{{ t.rec_reset_pin_title }}</button></div>
</form>
<form method="post" action="{{ link(base ~ 'unlock') }}" aria-labelledby="unlock-title">
"""
    + _CSRF
    + """
<h3 id="unlock-title">{{ t.rec_unlock_title }}</h3>
<p class="hint">{{ t.rec_unlock_hint }}</p>
{{ reason_field('reason-unlock', t.rec_reason) }}
<div><button type="submit" id="unlock">{{ t.rec_unlock_title }}</button></div>
</form>
{% if s.card %}<form method="post" action="{{ link(base ~ 'unlock-card') }}" aria-labelledby="unlock-card-title">
"""
    + _CSRF
    + """
<input type="hidden" name="card_id" value="{{ s.card.id }}">
<h3 id="unlock-card-title">{{ t.rec_unlock_card_title }}</h3>
<p class="hint">{{ t.rec_unlock_card_hint }}</p>
{{ reason_field('reason-unlock-card', t.rec_reason) }}
<div><button type="submit" id="unlock-card">{{ t.rec_unlock_card_title }}</button></div>
</form>{% endif %}
<form method="post" action="{{ link(base ~ 'revoke') }}" aria-labelledby="revoke-title">
"""
    + _CSRF
    + """
<h3 id="revoke-title">{{ t.rec_revoke_title }}</h3>
{% if revocable %}<p class="hint">{{ t.rec_revoke_hint }}</p>
{{ reason_field('reason-revoke', t.rec_reason) }}
<ul>{% for item, label in revocable %}<li><button type="submit" class="secondary" name="item" value="{{ item }}" id="revoke-{{ item | replace(':', '-') }}">{{ label }}</button></li>{% endfor %}</ul>
{% else %}<p>{{ t.rec_nothing_to_revoke }}</p>{% endif %}
</form>
<h2>{{ t.rec_ask_title }}</h2>
<p>{{ t.rec_ask_hint }}</p>
<form method="post" action="{{ link(base ~ 'request') }}" aria-labelledby="revoke-all-title">
"""
    + _CSRF
    + """
<input type="hidden" name="action" value="revoke_all_authenticators">
<h3 id="revoke-all-title">{{ t.rec_action_revoke_all_authenticators }}</h3>
<p class="hint">{{ t.rec_revoke_all_hint }}</p>
{{ reason_field('reason-revoke-all', t.rec_reason) }}
<div><button type="submit" id="ask-revoke-all">{{ t.rec_ask_button }}</button></div>
</form>
<form method="post" action="{{ link(base ~ 'request') }}" aria-labelledby="change-phone-title">
"""
    + _CSRF
    + """
<input type="hidden" name="action" value="change_phone_of_record">
<h3 id="change-phone-title">{{ t.rec_action_change_phone_of_record }}</h3>
<label for="new-phone">{{ t.rec_new_phone }} <span class="hint" id="new-phone-hint">{{ t.rec_new_phone_hint }}</span></label>
{% if errors.get('new-phone') %}<p class="error" id="new-phone-error">{{ errors.get('new-phone') }}</p>{% endif %}
<input id="new-phone" name="new_phone" value="{{ form.get('new-phone', '') }}" inputmode="tel" maxlength="30" autocomplete="off" required aria-describedby="new-phone-hint{% if errors.get('new-phone') %} new-phone-error{% endif %}"{% if errors.get('new-phone') %} aria-invalid="true"{% endif %}>
{{ reason_field('reason-change-phone', t.rec_reason) }}
<div><button type="submit" id="ask-change-phone">{{ t.rec_ask_button }}</button></div>
</form>
{% endif %}
<h2>{{ t.rec_requests_title }}</h2>
{% if s.requests %}<table id="requests"><thead><tr><th scope="col">{{ t.rec_col_request }}</th><th scope="col">{{ t.rec_reason }}</th><th scope="col">{{ t.rec_col_asked_by }}</th><th scope="col">{{ t.rec_col_asked_at }}</th><th scope="col">{{ t.rec_state }}</th></tr></thead><tbody>
{% for r in s.requests %}<tr><td>{{ t['rec_action_' ~ r.action] }}{% if r.new_phone_masked %} ({{ r.new_phone_masked }}){% endif %}</td><td>{{ r.reason }}</td><td>{{ r.requested_by_name }}</td><td>{{ when(r.requested_at) }}</td><td>{{ t['rec_status_' ~ ('expired' if r.expired else r.status)] }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>{{ t.rec_no_requests }}</p>{% endif %}
{% endblock %}
"""
)

APPROVALS = (
    '{% extends "layout.html" %}\n'
    + _REASON
    + """
{% block content %}
"""
    + _MESSAGES
    + """
{% if queue is not none %}
<p>{{ t.rec_approvals_intro }}</p>
{% if queue.pending %}{% for r in queue.pending %}
<section id="request-{{ r.id }}" aria-labelledby="request-{{ r.id }}-title">
<h2 id="request-{{ r.id }}-title">{{ t['rec_action_' ~ r.action] }}: {{ r.person_name }}</h2>
<table>
<tr><th scope="row">{{ t.rec_col_person }}</th><td><a href="{{ link('/console/people/' ~ r.person_id) }}">{{ r.person_name }}</a></td></tr>
<tr><th scope="row">{{ t.rec_reason }}</th><td>{{ r.reason }}</td></tr>
<tr><th scope="row">{{ t.rec_col_asked_by }}</th><td>{{ r.requested_by_name }}</td></tr>
<tr><th scope="row">{{ t.rec_col_asked_at }}</th><td>{{ when(r.requested_at) }}</td></tr>
{% if r.new_phone_masked %}<tr><th scope="row">{{ t.rec_col_new_phone }}</th><td>{{ r.new_phone_masked }}</td></tr>{% endif %}
{% if r.offered_to_region %}<tr><th scope="row">{{ t.rec_col_office }}</th><td>{{ t.rec_offered_note.format(office=office_names.get(r.office_code, r.office_code)) }}</td></tr>{% endif %}
</table>
{% if r.expired %}<p class="problem">{{ t.rec_expired_note }}</p>{% else %}
<form method="post" action="{{ link('/console/approvals/' ~ r.id ~ '/approve') }}">
"""
    + _CSRF
    + """
<button type="submit" id="approve-{{ r.id }}" aria-describedby="request-{{ r.id }}-title">{{ t.rec_approve }}</button>
</form>
<form method="post" action="{{ link('/console/approvals/' ~ r.id ~ '/refuse') }}">
"""
    + _CSRF
    + """
{{ reason_field('refuse-reason-' ~ r.id, t.rec_refuse_reason) }}
<div><button type="submit" class="secondary" id="refuse-{{ r.id }}" aria-describedby="request-{{ r.id }}-title">{{ t.rec_refuse }}</button></div>
</form>
{% endif %}
</section>
{% endfor %}{% else %}<p id="none-pending">{{ t.rec_no_pending }}</p>{% endif %}
<h2>{{ t.rec_decided_title }}</h2>
{% if queue.decided %}<table id="decided"><thead><tr><th scope="col">{{ t.rec_col_person }}</th><th scope="col">{{ t.rec_col_request }}</th><th scope="col">{{ t.rec_col_asked_by }}</th><th scope="col">{{ t.rec_state }}</th><th scope="col">{{ t.rec_col_decided_by }}</th><th scope="col">{{ t.rec_col_decided_at }}</th><th scope="col">{{ t.rec_col_decision_reason }}</th></tr></thead><tbody>
{% for r in queue.decided %}<tr id="decided-{{ r.id }}"><td><a href="{{ link('/console/people/' ~ r.person_id) }}">{{ r.person_name }}</a></td><td>{{ t['rec_action_' ~ r.action] }}</td><td>{{ r.requested_by_name }}</td><td>{{ t['rec_status_' ~ r.status] }}</td><td>{{ r.decided_by_name or '' }}</td><td>{{ when(r.decided_at) if r.decided_at else '' }}</td><td>{{ r.decision_reason or '' }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>{{ t.rec_no_decided }}</p>{% endif %}
{% endif %}
{% endblock %}
"""
)

TEMPLATES: dict[str, str] = {
    "rec_recovery.html": RECOVERY,
    "rec_approvals.html": APPROVALS,
}
