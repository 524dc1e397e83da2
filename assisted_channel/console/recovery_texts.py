"""Words of the recovery pages: a person's PIN, locks and authenticators at the counter
(`templates/rec_recovery.html`), and the supervisors' approvals (`templates/rec_approvals.html`).

Strings only: texts.py merges them with the other parts of the console.
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
