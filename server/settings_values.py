"""Reading one setting from the environment: its type, its range, and one clear line
naming the variable when it is wrong (`SettingsError`). `server/settings.py` puts
them together into the one settings object.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Mapping
from pathlib import Path

import msgspec


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


def whole_number(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(name, f"must be between {low} and {high}, got {value}")
    return value


def positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(name, f"must be greater than 0, got {value}")
    return value


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """Zero or more seconds."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise SettingsError(name, f"must be 0 or more, got {value}")
    return value


def boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(name, f"must be true or false, got {raw!r}")


def url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], required: bool) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        if required:
            raise SettingsError(name, "is required in production")
        return ""
    if not raw.startswith(tuple(f"{s}://" for s in schemes)):
        raise SettingsError(name, f"must start with {' or '.join(s + '://' for s in schemes)}")
    return raw


class _ServiceAccount(msgspec.Struct, kw_only=True):
    type: str
    project_id: str
    private_key: str
    client_email: str
    token_uri: str


def fcm_credentials(env: Mapping[str, str], production: bool) -> str:
    """The service-account path, checked now so that a bad one stops start-up, not the first push."""
    name = "HANCHANG_FCM_CREDENTIALS"
    raw = env.get(name, "").strip()
    if not raw:
        if production:
            raise SettingsError(name, "is required in production")
        return ""
    path = Path(raw)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SettingsError(name, f"cannot read {raw}: {exc.strerror or exc}") from None
    try:
        account = msgspec.json.decode(content, type=_ServiceAccount)
    except msgspec.DecodeError:
        raise SettingsError(
            name, f"{raw} is not a service-account JSON (project_id, private_key, ...)"
        ) from None
    if account.type != "service_account" or not account.project_id:
        raise SettingsError(name, f"{raw} is not a service-account key of a Firebase project")
    return str(path)


def development_secret(data_dir: Path, name: str, *, versioned: bool = True) -> str:
    """A random secret made on first start and kept with the local data (never in the repo).

    Versioned secrets look like `1:<base64>`; others are a bare URL-safe token.
    """
    path = data_dir / name
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        secret = (
            "1:" + base64.b64encode(secrets.token_bytes(32)).decode()
            if versioned
            else secrets.token_urlsafe(32)
        )
        path.write_text(secret + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


# 32 bytes of randomness take 43 characters in URL-safe base64, 44 in base64.
MIN_OPERATOR_TOKEN_LENGTH = 32


def operator_token(env: Mapping[str, str], data_dir: Path, production: bool) -> str:
    token = env.get("HANCHANG_OPERATOR_TOKEN", "").strip()
    if not token:
        if production:
            raise SettingsError("HANCHANG_OPERATOR_TOKEN", "is required in production")
        return development_secret(data_dir, "operator-token.secret", versioned=False)
    if len(token) < MIN_OPERATOR_TOKEN_LENGTH:
        raise SettingsError(
            "HANCHANG_OPERATOR_TOKEN",
            f"must be at least {MIN_OPERATOR_TOKEN_LENGTH} characters "
            "(e.g. `openssl rand -base64 32`)",
        )
    if not token.isascii() or not token.isprintable() or " " in token:
        raise SettingsError("HANCHANG_OPERATOR_TOKEN", "must be printable ASCII without spaces")
    return token


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    """Comma-separated addresses and CIDR blocks (`10.0.0.0/8, 192.168.1.7, ::1`); none if unset."""
    found: list[Network] = []
    for part in env.get(name, "").split(","):
        text = part.strip()
        if not text:
            continue
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise SettingsError(
                name, f"{text!r} is not an address or a CIDR block such as 10.0.0.0/8"
            ) from None
    return tuple(found)


def webauthn_origins(raw: str, public_url: str) -> tuple[str, ...]:
    origins = [public_url]
    for origin in raw.split(","):
        origin = origin.strip().rstrip("/")
        if not origin:
            continue
        if not origin.startswith(("https://", "http://localhost", "android:apk-key-hash:")):
            raise SettingsError(
                "HANCHANG_WEBAUTHN_ORIGINS",
                f"{origin!r} must be https://..., http://localhost... or android:apk-key-hash:...",
            )
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


class PersonKeySettings(msgspec.Struct, frozen=True, kw_only=True):
    """Secrets for the standard person key (HMAC-SHA256 of a registration number).

    `keys` maps a key version to its secret; `current_version` signs new keys.
    Older versions stay readable until every person is re-keyed.
    """

    keys: dict[int, bytes]
    current_version: int


def parse_person_keys(raw: str, variable: str = "HANCHANG_PERSON_KEYS") -> PersonKeySettings:
    """Parse `"2:<base64 secret>,1:<base64 secret>"`; the first entry is current."""
    keys: dict[int, bytes] = {}
    current: int | None = None
    for part in raw.split(","):
        version_text, sep, secret_text = part.strip().partition(":")
        if not sep or not version_text.isdigit():
            raise SettingsError(variable, "must look like '2:<base64 secret>,1:<base64 secret>'")
        try:
            secret = base64.b64decode(secret_text, validate=True)
        except ValueError:
            raise SettingsError(variable, f"key version {version_text} is not base64") from None
        if len(secret) < 32:
            raise SettingsError(variable, f"key version {version_text} must be at least 32 bytes")
        version = int(version_text)
        keys[version] = secret
        if current is None:
            current = version
    assert current is not None
    return PersonKeySettings(keys=keys, current_version=current)
