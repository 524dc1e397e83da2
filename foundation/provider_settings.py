"""The settings of the outside services (Twilio, FCM, the open-banking network): one section
each of `Settings` (foundation/settings.py reads them from the environment)."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from foundation.settings_values import SettingsError, positive_number, url


class TwilioSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Twilio for SMS and voice codes. Without an account SID, messages go to the local outbox."""

    account_sid: str = ""
    auth_token: str = ""
    from_number: str = ""
    # Sign-in codes and security alerts go from a sender of their own, so that they never
    # queue behind bulk notices at Twilio either: a Messaging Service SID (MG...) or a
    # number. Empty: `from_number`.
    codes_from: str = ""
    # Bulk notices per second, over all workers (a shared pace in Redis): under Twilio's
    # rate for the bulk sender, so that a burst never trips its limits.
    bulk_per_second: float = 30.0
    # Only for tests and local fakes: where the SDK's requests go instead of api.twilio.com.
    api_base_url: str = ""
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid)

    @property
    def codes_sender(self) -> str:
        return self.codes_from or self.from_number


class FcmSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Firebase Cloud Messaging for push. Without credentials, pushes go to the local outbox."""

    # Path to the service-account JSON of the Firebase project (never in the repo).
    credentials: str = ""
    # Only for tests and local fakes: where FCM requests go instead of fcm.googleapis.com.
    api_base_url: str = ""
    # firebase-admin waits 120 s by default; a push that slow is worth less than a retry later.
    timeout_s: float = 10.0
    # Bulk pushes per second over all workers (FCM allows 600,000 a minute per project).
    bulk_per_second: float = 500.0

    @property
    def enabled(self) -> bool:
        return bool(self.credentials)


class OpenBankingSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The open-banking network (금융결제원 오픈뱅킹) for the account-holder inquiry.

    Without a base URL the inquiry refuses (503); `hanchang run` starts a local fake and
    points this at it (server/fake_bank.py).
    """

    base_url: str = ""
    client_id: str = ""
    client_secret: str = ""
    # 이용기관코드: the first 10 characters of every `bank_tran_id` we send.
    institution_code: str = ""
    # A person waits at a screen (or a clerk at the counter) while the bank answers.
    timeout_s: float = 5.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url)


def open_banking_settings(env: Mapping[str, str], production: bool) -> OpenBankingSettings:
    """With a base URL, the client's credentials and institution code are required; the
    secret comes from the environment only. Production speaks to the network over https."""
    base_url = url(
        env, "OPEN_BANKING_API_BASE_URL", ("https",) if production else ("http", "https"), False
    ).rstrip("/")
    settings = OpenBankingSettings(
        base_url=base_url,
        client_id=env.get("OPEN_BANKING_CLIENT_ID", "").strip(),
        client_secret=env.get("OPEN_BANKING_CLIENT_SECRET", "").strip(),
        institution_code=env.get("OPEN_BANKING_INSTITUTION_CODE", "").strip(),
        timeout_s=positive_number(env, "OPEN_BANKING_TIMEOUT_SECONDS", 5.0),
    )
    if base_url:
        for name, value in (
            ("OPEN_BANKING_CLIENT_ID", settings.client_id),
            ("OPEN_BANKING_CLIENT_SECRET", settings.client_secret),
            ("OPEN_BANKING_INSTITUTION_CODE", settings.institution_code),
        ):
            if not value:
                raise SettingsError(name, "is required when OPEN_BANKING_API_BASE_URL is set")
        code = settings.institution_code
        if len(code) != 10 or not code.isascii() or not code.isalnum():
            raise SettingsError(
                "OPEN_BANKING_INSTITUTION_CODE", "must be the 10-character 이용기관코드"
            )
    return settings
