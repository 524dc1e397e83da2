"""Settings: safe defaults for development, one clear line for a bad production value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from foundation.settings import SettingsError, load_settings
from tests.support.fakes.fcm import write_service_account
from tests.support.production_settings import PRODUCTION


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every production variable, with a service-account file for FCM."""
    account = write_service_account(
        tmp_path_factory.mktemp("fcm") / "service-account.json",
        "https://oauth2.googleapis.com/token",
    )
    return {**PRODUCTION, "HANCHANG_FCM_CREDENTIALS": str(account)}


def test_development_needs_nothing(tmp_path: Path) -> None:
    settings = load_settings({"HANCHANG_DATA_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.http.public_url == "http://localhost:8000"
    assert settings.auth.rp_id == "localhost"
    assert not settings.twilio.enabled
    assert not settings.fcm.enabled
    assert settings.person_key.current_version == 1
    # The development secret is made once and kept, never committed.
    secret_file = tmp_path / "person-key.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert load_settings({"HANCHANG_DATA_DIR": str(tmp_path)}).person_key == settings.person_key
    # So is the operator token for /v1/admin.
    token_file = tmp_path / "operator-token.secret"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert settings.operator.token == token_file.read_text().strip()
    assert len(settings.operator.token) >= 32
    assert load_settings({"HANCHANG_DATA_DIR": str(tmp_path)}).operator == settings.operator


def test_production_with_everything_loads(production: dict[str, str]) -> None:
    settings = load_settings(production)
    assert settings.is_production
    assert settings.database.url == "postgresql://app@db/hanchang"
    assert settings.auth.rp_id == "hanchang.moel.go.kr"
    assert settings.auth.allowed_origins == ("https://hanchang.moel.go.kr",)
    assert settings.fcm.enabled
    assert settings.fcm.timeout_s == 10.0
    android = load_settings(
        {
            **production,
            "HANCHANG_WEBAUTHN_ORIGINS": "android:apk-key-hash:abc, https://m.moel.go.kr",
        }
    )
    assert android.auth.allowed_origins == (
        "https://hanchang.moel.go.kr",
        "android:apk-key-hash:abc",
        "https://m.moel.go.kr",
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", ""),
        ("DATABASE_URL", "mysql://nope"),
        ("REDIS_URL", ""),
        ("HANCHANG_PERSON_KEYS", ""),
        ("HANCHANG_PERSON_KEYS", "1:c2hvcnQ="),
        ("HANCHANG_PUBLIC_URL", "http://plain.example"),
        ("HANCHANG_PORT", "eighty"),
        ("HANCHANG_PORT", "70000"),
        ("HANCHANG_METRICS_ENABLED", "maybe"),
        ("HANCHANG_ENV", "staging"),
        ("HANCHANG_DATA_KEYS", ""),
        ("TWILIO_ACCOUNT_SID", ""),
        ("TWILIO_FROM_NUMBER", ""),
        ("HANCHANG_WEBAUTHN_RP_ID", "example.com"),
        ("HANCHANG_WEBAUTHN_ORIGINS", "http://evil.example"),
        ("HANCHANG_OPERATOR_TOKEN", ""),
        ("HANCHANG_OPERATOR_TOKEN", "short"),
        ("HANCHANG_OPERATOR_TOKEN", "o" * 20 + " " + "o" * 20),
        ("HANCHANG_OPERATOR_TOKEN", "토큰" * 20),
        ("HANCHANG_AUDIT_CHECKPOINT_KEY", ""),
        ("HANCHANG_AUDIT_CHECKPOINT_KEY", "short"),
        ("HANCHANG_FCM_CREDENTIALS", ""),
        ("HANCHANG_FCM_CREDENTIALS", "/nonexistent/service-account.json"),
        ("HANCHANG_FCM_CREDENTIALS", "/etc/passwd"),
        ("HANCHANG_FCM_TIMEOUT_S", "0"),
        ("FCM_API_BASE_URL", "fcm.local:8080"),
    ],
)
def test_production_refuses_a_bad_value_naming_it(
    production: dict[str, str], variable: str, value: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**production, variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")


@pytest.mark.parametrize(
    ("public_url", "rp_id", "allowed"),
    [
        ("https://hanchang.moel.go.kr", "hanchang.moel.go.kr", True),
        ("https://hanchang.moel.go.kr", "moel.go.kr", True),
        ("https://hanchang.moel.go.kr", "MOEL.go.kr", True),
        ("https://evil-example.com", "example.com", False),
        ("https://hanchangmoel.go.kr", "moel.go.kr", False),
        ("https://hanchang.moel.go.kr", ".moel.go.kr", False),
        ("https://hanchang.moel.go.kr", "hanchang.moel.go.kr.evil.com", False),
        ("https://moel.go.kr", "hanchang.moel.go.kr", False),
    ],
)
def test_the_relying_party_is_the_host_or_a_parent_domain_at_a_dot(
    production: dict[str, str], public_url: str, rp_id: str, allowed: bool
) -> None:
    env = {**production, "HANCHANG_PUBLIC_URL": public_url, "HANCHANG_WEBAUTHN_RP_ID": rp_id}
    if allowed:
        assert load_settings(env).auth.rp_id == rp_id.lower()
        return
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.variable == "HANCHANG_WEBAUTHN_RP_ID"


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost.evil.com",
        "http://localhost:8000.evil.com",
        "http://localhost@evil.com",
        "http://localhostevil.com",
        "http://evil.example",
        "https://m.moel.go.kr/login",
        "https://m.moel.go.kr?x=1",
        "https://user@m.moel.go.kr",
        "https://",
        "https://m.moel.go.kr:99999",
        "ftp://m.moel.go.kr",
        "android:apk-key-hash:",
    ],
)
def test_an_origin_that_is_not_exactly_one_is_refused(tmp_path: Path, origin: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"HANCHANG_DATA_DIR": str(tmp_path), "HANCHANG_WEBAUTHN_ORIGINS": origin})
    assert caught.value.variable == "HANCHANG_WEBAUTHN_ORIGINS"


def test_origins_are_compared_as_a_browser_writes_them(tmp_path: Path) -> None:
    """Scheme, host and port, lower case, the default port left out (the URL Standard's
    serialisation, which a browser puts in the client data)."""
    settings = load_settings(
        {
            "HANCHANG_DATA_DIR": str(tmp_path),
            "HANCHANG_PUBLIC_URL": "http://LocalHost:8000/",
            "HANCHANG_WEBAUTHN_ORIGINS": "http://localhost:3000, https://M.moel.go.kr:443/, "
            "http://127.0.0.1:8000",
        }
    )
    assert settings.auth.allowed_origins == (
        "http://localhost:8000",
        "http://localhost:3000",
        "https://m.moel.go.kr",
        "http://127.0.0.1:8000",
    )
    behind_a_path = load_settings(
        {"HANCHANG_DATA_DIR": str(tmp_path), "HANCHANG_PUBLIC_URL": "http://localhost:8000/app"}
    )
    assert behind_a_path.auth.allowed_origins == ("http://localhost:8000",)


def test_start_up_stops_with_one_line(production: dict[str, str]) -> None:
    env = {**production, "DATABASE_URL": "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hanchang: setting DATABASE_URL: is required in production"
    ]


def test_a_pool_too_small_for_its_concurrency_refuses_to_start(tmp_path: Path) -> None:
    base = {"HANCHANG_DATA_DIR": str(tmp_path)}
    default = load_settings(base)
    assert default.http.concurrency == 8 and default.database.pool_max_size == 10
    sized = load_settings({**base, "HANCHANG_API_CONCURRENCY": "20"})
    assert sized.database.pool_max_size == 22
    with pytest.raises(SettingsError) as refused:
        load_settings({**base, "HANCHANG_API_CONCURRENCY": "20", "HANCHANG_DB_POOL_MAX": "10"})
    assert refused.value.variable == "HANCHANG_DB_POOL_MAX"
    assert "HANCHANG_API_CONCURRENCY" in str(refused.value) and "\n" not in str(refused.value)


def test_quiet_hours_stay_on_in_production(production: dict[str, str]) -> None:
    assert load_settings(production).notifications.quiet_hours
    with pytest.raises(SettingsError) as refused:
        load_settings({**production, "HANCHANG_QUIET_HOURS": "false"})
    assert refused.value.variable == "HANCHANG_QUIET_HOURS"
