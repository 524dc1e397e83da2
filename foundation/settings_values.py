"""Reading one setting from the environment: its type, its range, and one clear line
naming the variable when it is wrong (`SettingsError`). `foundation/settings.py` puts
them together into the one settings object.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

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


def audit_checkpoint_key(env: Mapping[str, str], data_dir: Path, production: bool) -> bytes:
    """The HMAC key that signs the audit log's checkpoints (foundation/audit_checkpoints.py).

    Kept out of the database on purpose: whoever can rewrite the audit log must not be
    able to sign a checkpoint that agrees with the rewrite.
    """
    key = env.get("HANCHANG_AUDIT_CHECKPOINT_KEY", "").strip()
    if not key:
        if production:
            raise SettingsError("HANCHANG_AUDIT_CHECKPOINT_KEY", "is required in production")
        key = development_secret(data_dir, "audit-checkpoint.secret", versioned=False)
    elif len(key) < MIN_OPERATOR_TOKEN_LENGTH:
        raise SettingsError(
            "HANCHANG_AUDIT_CHECKPOINT_KEY",
            f"must be at least {MIN_OPERATOR_TOKEN_LENGTH} characters "
            "(e.g. `openssl rand -base64 32`)",
        )
    return key.encode()


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


# A host as a browser writes it in an origin: ASCII (an IDN in its xn-- form), lower case.
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*")
_IPV6 = re.compile(r"[0-9a-f:.]+")
_ANDROID_ORIGIN = re.compile(r"android:apk-key-hash:[A-Za-z0-9_-]+")
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Where a browser allows WebAuthn over plain http (a secure context on this machine only).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


class _Origin(NamedTuple):
    scheme: str
    host: str
    port: int | None

    def serialised(self) -> str:
        if self.port is None or self.port == _DEFAULT_PORTS[self.scheme]:
            return f"{self.scheme}://{self.host}"
        return f"{self.scheme}://{self.host}:{self.port}"


def _web_origin(url: str, *, path_allowed: bool) -> _Origin | None:
    """The origin of an http(s) address, or None if it has none.

    A user name (`http://localhost@evil.com`), a port that is not a number
    (`http://localhost:8000.evil.com`) or, unless `path_allowed`, a path, query or fragment
    make it not an origin: nothing is guessed.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or "@" in parts.netloc:
        return None
    if not path_allowed and (parts.path not in ("", "/") or "?" in url or "#" in url):
        return None
    host = parts.hostname or ""
    if ":" in host and _IPV6.fullmatch(host):
        host = f"[{host}]"
    elif not _HOST.fullmatch(host):
        return None
    return _Origin(parts.scheme, host, port)


def webauthn_origins(raw: str, public_url: str) -> tuple[str, ...]:
    """The origins a passkey answer may come from, each compared whole as a browser writes it
    in the client data (`scheme://host[:port]`, lower case, no default port): the public
    URL's own, and those listed (https; http on this machine only; an Android app's key)."""
    own = _web_origin(public_url, path_allowed=True)
    if own is None:
        raise SettingsError("HANCHANG_PUBLIC_URL", "must be an http:// or https:// address")
    origins = [own.serialised()]
    for listed in raw.split(","):
        listed = listed.strip()
        if not listed:
            continue
        if _ANDROID_ORIGIN.fullmatch(listed):
            origins.append(listed)
            continue
        origin = _web_origin(listed, path_allowed=False)
        if origin is None or (origin.scheme == "http" and origin.host not in LOOPBACK_HOSTS):
            raise SettingsError(
                "HANCHANG_WEBAUTHN_ORIGINS",
                f"{listed!r} must be an origin: https://host[:port], "
                "http://localhost[:port] or android:apk-key-hash:<base64url>",
            )
        origins.append(origin.serialised())
    return tuple(dict.fromkeys(origins))


def relying_party_id(raw: str, public_url: str) -> str:
    """The passkeys' relying party: the public URL's host, or a parent domain of it at a dot
    boundary (WebAuthn §5.1.4's registrable-suffix rule: `example.com` covers
    `id.example.com`, never `evil-example.com`)."""
    host = (urlsplit(public_url).hostname or "localhost").lower()
    rp_id = raw.strip().lower() or host
    if not _HOST.fullmatch(rp_id) or (rp_id != host and not host.endswith("." + rp_id)):
        raise SettingsError("HANCHANG_WEBAUTHN_RP_ID", f"must be {host} or a parent domain of it")
    return rp_id


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
