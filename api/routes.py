"""Every JSON API route, collected for the app (one line per feature module)."""

from __future__ import annotations

from typing import Any

from api import (
    access_cards,
    admin_data_quality,
    admin_notifications,
    applications,
    auth_enrollment,
    auth_passkeys,
    auth_phone,
    auth_pin,
    auth_recovery,
    auth_sessions,
    auth_sms,
    auth_totp,
    bank_accounts,
    card_unlock,
    consents,
    console_acting,
    console_auth,
    console_counter,
    console_recovery,
    console_staff,
    delegations,
    dev,
    dev_passkeys,
    devices,
    eligibility,
    inbox,
    notification_preferences,
    services,
    twilio_status,
)
from api.health import healthz, readyz
from api.problems import problem_page
from api.status import ROUTES as STATUS_ROUTES
from assisted_channel.console import ROUTES as CONSOLE_PAGES

ROUTE_HANDLERS: list[Any] = [
    healthz,
    readyz,
    problem_page,
    *auth_sms.ROUTES,
    *auth_sessions.ROUTES,
    *auth_passkeys.ROUTES,
    *auth_totp.ROUTES,
    *auth_pin.ROUTES,
    *auth_phone.ROUTES,
    *auth_recovery.ROUTES,
    *consents.ROUTES,
    *services.ROUTES,
    *applications.ROUTES,
    *bank_accounts.ROUTES,
    *dev.ROUTES,
    *dev_passkeys.ROUTES,
    *eligibility.ROUTES,
    *STATUS_ROUTES,
    *admin_data_quality.ROUTES,
    *devices.ROUTES,
    *inbox.ROUTES,
    *notification_preferences.ROUTES,
    *admin_notifications.ROUTES,
    *twilio_status.ROUTES,
    *console_auth.ROUTES,
    *console_counter.ROUTES,
    *console_acting.ROUTES,
    *console_recovery.ROUTES,
    *console_staff.ROUTES,
    *auth_enrollment.ROUTES,
    *access_cards.ROUTES,
    *card_unlock.ROUTES,
    *delegations.ROUTES,
    *CONSOLE_PAGES,
]
