"""Every word of the status page, as English message ids translated per request.

They live here, in Python, so that `make i18n` (which extracts from Python
only) finds them; the template gets them translated in one dict.
"""

from __future__ import annotations

from i18n import N_, translate

TEXTS: dict[str, str] = {
    "title": N_("Service status"),
    "site": N_("Ministry of Employment and Labor one-stop services"),
    "skip": N_("Skip to the main content"),
    "language": N_("Language"),
    "intro": N_(
        "How each service has been working: how fast it answered, how often it failed and "
        "how long it was down. Anyone can read this page. The figures are updated every minute."
    ),
    "now_heading": N_("Right now"),
    "operational": N_("All services are working normally."),
    "disrupted": N_("Some services have problems right now."),
    "unknown": N_("We cannot tell right now whether every service is working."),
    "as_of": N_("Figures as of {time}."),
    "korea_time": N_("{time} (Korea time)"),
    "stale": N_(
        "We cannot reach our database right now, so these figures are from {age} ago. "
        "New figures will appear when it is back."
    ),
    "no_figures": N_("We cannot show any figures right now. Please try again in a few minutes."),
    "services_heading": N_("Each service"),
    "period": N_("Period"),
    "window_24h": N_("Last 24 hours"),
    "window_7d": N_("Last 7 days"),
    "window_30d": N_("Last 30 days"),
    "current_period": N_("Showing: {period}"),
    "col_service": N_("Service"),
    "col_requests": N_("Requests"),
    "col_server": N_("Average server time"),
    "col_client": N_("Average load time on the screen"),
    "col_p95": N_("95 in 100 answered within"),
    "col_failures": N_("Failures"),
    "col_failure_rate": N_("Failure rate"),
    "col_availability": N_("Availability"),
    "col_downtime": N_("Downtime"),
    "no_traffic": N_("No traffic yet"),
    "not_measured": N_("Not measured"),
    "no_requests": N_("No requests"),
    "ms": N_("{value} ms"),
    "over_ms": N_("over {value} ms"),
    "minutes": N_("{value} min"),
    "details_heading": N_("Service by service"),
    "hourly_title": N_("Average server time by hour, last 24 hours"),
    "hourly_description": N_(
        "Bar chart of the average server time in each hour. A triangle marks an hour with "
        "downtime. The same figures are in the table below."
    ),
    "daily_title": N_("Downtime by day, last 30 days"),
    "daily_description": N_(
        "Bar chart of the minutes of downtime on each day. The same figures are in the table below."
    ),
    "show_table": N_("Show these figures as a table"),
    "col_hour": N_("Hour"),
    "col_day": N_("Day"),
    "incidents_heading": N_("Incidents"),
    "no_incidents": N_("There were no incidents in the last 90 days."),
    "ongoing": N_("Ongoing"),
    "resolved": N_("Resolved"),
    "started": N_("Started"),
    "ended": N_("Ended"),
    "duration": N_("Duration"),
    "updates": N_("Updates"),
    "less_than_a_minute": N_("less than a minute"),
    "method_heading": N_("How we measure"),
    "method_server": N_(
        "Server time runs from when a request reaches us until our answer leaves. Load time "
        "on the screen is measured by the app and the kiosks, from a tap to a finished screen."
    ),
    "method_failure": N_(
        "A failure is a request we could not answer because of a fault on our side, or that "
        "took longer than 10 seconds. A request refused because of what was sent, such as a "
        "wrong code, is not a failure."
    ),
    "method_downtime": N_(
        "A minute is downtime when our database or queue could not be reached, or when more "
        "than 5 in 100 of at least 20 requests to the service failed. We check our database and "
        "queue every minute, even when nobody is using a service."
    ),
    "method_availability": N_("Availability is the share of measured minutes without downtime."),
    "method_incident": N_(
        "An incident starts when a service keeps failing for 5 minutes in a row and ends "
        "after 10 minutes without failures."
    ),
    "machines": N_("The same figures for computers (JSON)"),
    "helpline": N_("Need help? Call the 1350 helpline."),
}

CHANNEL_NAMES: dict[str, str] = {
    "app": N_("app"),
    "kiosk": N_("kiosk"),
}


def texts(locale: str) -> dict[str, str]:
    """The page's texts in `locale`; entries with `{fields}` are filled in by the page."""
    return {key: translate(locale, message) for key, message in TEXTS.items()}
