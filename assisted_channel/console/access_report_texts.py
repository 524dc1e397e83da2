"""Words of the monthly access review (`/console/access-report`, `templates/access_report.html`)."""

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
