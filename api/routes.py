"""The routes of the app's API channel, collected for server/app.py (one line per feature
module). The other channels export their own."""

from __future__ import annotations

from typing import Any

from api import (
    admin_data_quality,
    admin_notifications,
    applications,
    auth_enrollment,
    auth_passkeys,
    auth_pin,
    auth_recovery,
    auth_sessions,
    auth_sms,
    auth_totp,
    bank_accounts,
    consents,
    delegations,
    dev,
    dev_passkeys,
    devices,
    eligibility,
    inbox,
    language,
    notification_preferences,
    operator_metrics,
    services,
    twilio_status,
)
from api.health import healthz, readyz
from api.problems import problem_page

ROUTE_HANDLERS: list[Any] = [
    healthz,
    readyz,
    problem_page,
    *auth_sms.ROUTES,
    *auth_sessions.ROUTES,
    *auth_passkeys.ROUTES,
    *auth_totp.ROUTES,
    *auth_pin.ROUTES,
    *auth_recovery.ROUTES,
    *consents.ROUTES,
    *services.ROUTES,
    *applications.ROUTES,
    *bank_accounts.ROUTES,
    *dev.ROUTES,
    *dev_passkeys.ROUTES,
    *eligibility.ROUTES,
    *admin_data_quality.ROUTES,
    *devices.ROUTES,
    *inbox.ROUTES,
    *notification_preferences.ROUTES,
    *language.ROUTES,
    *admin_notifications.ROUTES,
    *operator_metrics.ROUTES,
    *twilio_status.ROUTES,
    *auth_enrollment.ROUTES,
    *delegations.ROUTES,
]
