"""Words of the console's benefits page (`templates/acting.html`): a clerk acting for the
person during the visit sees their benefits and applies for them."""

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
    "act_add_bank_title": N_("Add the person's bank account"),
    "act_add_bank_hint": N_(
        "We ask the bank whose name the account is in. It must be the person's own name."
    ),
    "act_bank_code": N_("Bank"),
    "act_account_number": N_("Account number"),
    "act_add_bank_submit": N_("Check with the bank and add"),
    "act_bank_added": N_(
        "The account is checked and added. A replacement account can be used from the next day."
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
