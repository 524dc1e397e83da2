"""Typed settings read from the environment, in sections, cached once per process.

Development (`make run`, `make test`) works with no variable set: the embedded
PostgreSQL and Redis fill in the URLs and a random development secret is kept
under `./.hanchang/`. In production (`HANCHANG_ENV=production`) every required
value must be given, and a wrong or missing one stops start-up with one line
naming the variable.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    # The role the application acts as. It owns nothing and cannot UPDATE or
    # DELETE the audit log; migrations run as the connecting (owner) role.
    app_role: str = "hanchang_app"
    pool_min_size: int = 2
    # The API process's pool; it serves `HttpSettings.concurrency` requests at once, and
    # each request holds at most one connection (server/db.py refuses a second).
    pool_max_size: int = 10
    statement_timeout_ms: int = 15_000
    # How long a request or job waits for a free connection before it gives up (503).
    acquire_timeout_s: float = 10.0


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str


DEFAULT_API_CONCURRENCY = 8
DEFAULT_WORKER_MAX_JOBS = 10
DEFAULT_INTERACTIVE_MAX_JOBS = 4


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8000
    # What people open. WebAuthn accepts `localhost` as a relying party, never a bare IP.
    public_url: str = "http://localhost:8000"
    # Requests holding a transaction at once in one API process; more wait their turn, up
    # to the acquire timeout, then get 503. The pool has a connection for each, plus
    # `BACKGROUND_CONNECTIONS`.
    concurrency: int = DEFAULT_API_CONCURRENCY


# Connections an API process holds outside requests: the metrics writer and the status
# page's snapshot, one each.
BACKGROUND_CONNECTIONS = 2


class WorkerSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The two job workers: bulk (notices, scans, crons) and interactive (codes, alerts).

    Each job holds at most one pooled connection at a time, so a worker's pool has
    exactly `max_jobs` connections: one per job that can run at once.
    """

    max_jobs: int = DEFAULT_WORKER_MAX_JOBS
    interactive_max_jobs: int = DEFAULT_INTERACTIVE_MAX_JOBS


class NotificationSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Quiet hours (21:00-08:00 Korea time unless the person chose otherwise). Off only for
    # tests of the whole system, which must not depend on the time of day.
    quiet_hours: bool = True
    # How long after a provider call's timeout a send in doubt is looked up (Twilio's
    # lists of messages and calls lag a little behind a send).
    ambiguous_grace_s: float = 30.0


class PersonKeySettings(msgspec.Struct, frozen=True, kw_only=True):
    """Secrets for the standard person key (HMAC-SHA256 of a registration number).

    `keys` maps a key version to its secret; `current_version` signs new keys.
    Older versions stay readable until every person is re-keyed.
    """

    keys: dict[int, bytes]
    current_version: int


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Sign-in: WebAuthn relying party, token lifetimes, and the key that encrypts secrets at rest."""

    rp_id: str
    rp_name: str
    # Web origins and Android app origins (`android:apk-key-hash:<base64url sha256>`).
    allowed_origins: tuple[str, ...]
    # AES-256-GCM keys by version for secrets at rest (TOTP seeds, codes in job payloads).
    data_keys: dict[int, bytes]
    current_data_key: int
    # Anonymous sign-in attempts per client address per minute (all methods).
    sign_in_per_address_per_minute: int = 60
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 30


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


class _ServiceAccount(msgspec.Struct, kw_only=True):
    type: str
    project_id: str
    private_key: str
    client_email: str
    token_uri: str


def _fcm_credentials(env: Mapping[str, str], production: bool) -> str:
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


class OperatorSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Operator plumbing (`/v1/admin/...`) until staff accounts with roles arrive.

    One shared bearer token; the admin routes compare it in constant time.
    """

    token: str


class MetricsSettings(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool = True
    flush_interval_s: float = 5.0


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment
    data_dir: Path
    database: DatabaseSettings
    redis: RedisSettings
    http: HttpSettings
    person_key: PersonKeySettings
    auth: AuthSettings
    twilio: TwilioSettings
    fcm: FcmSettings
    operator: OperatorSettings
    metrics: MetricsSettings
    worker: WorkerSettings
    notifications: NotificationSettings

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
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


def _float(env: Mapping[str, str], name: str, default: float) -> float:
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


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
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


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(name, f"must be true or false, got {raw!r}")


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], required: bool) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        if required:
            raise SettingsError(name, "is required in production")
        return ""
    if not raw.startswith(tuple(f"{s}://" for s in schemes)):
        raise SettingsError(name, f"must start with {' or '.join(s + '://' for s in schemes)}")
    return raw


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


def _development_secret(data_dir: Path, name: str, *, versioned: bool = True) -> str:
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


def _operator_token(env: Mapping[str, str], data_dir: Path, production: bool) -> str:
    token = env.get("HANCHANG_OPERATOR_TOKEN", "").strip()
    if not token:
        if production:
            raise SettingsError("HANCHANG_OPERATOR_TOKEN", "is required in production")
        return _development_secret(data_dir, "operator-token.secret", versioned=False)
    if len(token) < MIN_OPERATOR_TOKEN_LENGTH:
        raise SettingsError(
            "HANCHANG_OPERATOR_TOKEN",
            f"must be at least {MIN_OPERATOR_TOKEN_LENGTH} characters "
            "(e.g. `openssl rand -base64 32`)",
        )
    if not token.isascii() or not token.isprintable() or " " in token:
        raise SettingsError("HANCHANG_OPERATOR_TOKEN", "must be printable ASCII without spaces")
    return token


def _development_person_keys(data_dir: Path) -> PersonKeySettings:
    return parse_person_keys(
        _development_secret(data_dir, "person-key.secret"),
        variable=str(data_dir / "person-key.secret"),
    )


def _origins(raw: str, public_url: str) -> tuple[str, ...]:
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


def data_dir_of(env: Mapping[str, str]) -> Path:
    """The local data folder: embedded servers, development secrets, `running.json`."""
    return Path(env.get("HANCHANG_DATA_DIR") or PROJECT_ROOT / ".hanchang")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment)."""
    env = os.environ if env is None else env
    environment = env.get("HANCHANG_ENV", "development").strip() or "development"
    if environment not in ENVIRONMENTS:
        raise SettingsError("HANCHANG_ENV", f"must be one of {', '.join(ENVIRONMENTS)}")
    production = environment == "production"
    data_dir = data_dir_of(env)

    database_url = _url(env, "DATABASE_URL", ("postgresql", "postgres"), production)
    redis_url = _url(env, "REDIS_URL", ("redis", "rediss", "unix"), production)

    raw_keys = env.get("HANCHANG_PERSON_KEYS", "").strip()
    if raw_keys:
        person_key = parse_person_keys(raw_keys)
    elif production:
        raise SettingsError("HANCHANG_PERSON_KEYS", "is required in production")
    else:
        person_key = _development_person_keys(data_dir)

    port = _int(env, "HANCHANG_PORT", 8000, low=1, high=65535)
    public_url = env.get("HANCHANG_PUBLIC_URL", "").strip() or f"http://localhost:{port}"
    if production and not public_url.startswith("https://"):
        raise SettingsError("HANCHANG_PUBLIC_URL", "must be an https:// address in production")

    raw_data_keys = env.get("HANCHANG_DATA_KEYS", "").strip()
    if not raw_data_keys and production:
        raise SettingsError("HANCHANG_DATA_KEYS", "is required in production")
    data_keys = parse_person_keys(
        raw_data_keys or _development_secret(data_dir, "data-key.secret"), "HANCHANG_DATA_KEYS"
    )
    if any(len(key) != 32 for key in data_keys.keys.values()):
        raise SettingsError("HANCHANG_DATA_KEYS", "each key must be exactly 32 bytes (AES-256)")
    public_host = urlsplit(public_url).hostname or "localhost"
    rp_id = env.get("HANCHANG_WEBAUTHN_RP_ID", "").strip() or public_host
    if not public_host.endswith(rp_id):
        raise SettingsError(
            "HANCHANG_WEBAUTHN_RP_ID", f"must be {public_host} or a parent domain of it"
        )

    database, http, worker = _concurrency(env, database_url, port, public_url)

    twilio_sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    twilio = TwilioSettings(
        account_sid=twilio_sid,
        auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip(),
        from_number=env.get("TWILIO_FROM_NUMBER", "").strip(),
        codes_from=env.get("TWILIO_CODES_FROM", "").strip(),
        bulk_per_second=_float(env, "HANCHANG_TWILIO_BULK_PER_SECOND", 30.0),
        api_base_url=env.get("TWILIO_API_BASE_URL", "").strip().rstrip("/"),
        timeout_s=_float(env, "TWILIO_TIMEOUT_SECONDS", 10.0),
    )
    if twilio_sid:
        for name, value in (
            ("TWILIO_AUTH_TOKEN", twilio.auth_token),
            ("TWILIO_FROM_NUMBER", twilio.from_number),
        ):
            if not value:
                raise SettingsError(name, "is required when TWILIO_ACCOUNT_SID is set")
    elif production:
        raise SettingsError("TWILIO_ACCOUNT_SID", "is required in production")

    quiet_hours = _bool(env, "HANCHANG_QUIET_HOURS", True)
    if production and not quiet_hours:
        raise SettingsError("HANCHANG_QUIET_HOURS", "cannot be turned off in production")

    return Settings(
        env=environment,
        data_dir=data_dir,
        database=database,
        redis=RedisSettings(url=redis_url),
        http=http,
        person_key=person_key,
        auth=AuthSettings(
            rp_id=rp_id,
            rp_name=env.get("HANCHANG_WEBAUTHN_RP_NAME", "").strip() or "한 창구",
            allowed_origins=_origins(
                env.get("HANCHANG_WEBAUTHN_ORIGINS", ""), public_url.rstrip("/")
            ),
            data_keys=data_keys.keys,
            current_data_key=data_keys.current_version,
            access_token_seconds=_int(env, "HANCHANG_ACCESS_TOKEN_SECONDS", 900, low=60, high=3600),
            refresh_token_days=_int(env, "HANCHANG_REFRESH_TOKEN_DAYS", 30, low=1, high=90),
            sign_in_per_address_per_minute=_int(
                env, "HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE", 60, low=1, high=1_000_000
            ),
        ),
        twilio=twilio,
        fcm=FcmSettings(
            credentials=_fcm_credentials(env, production),
            api_base_url=_url(env, "FCM_API_BASE_URL", ("http", "https"), False).rstrip("/"),
            timeout_s=_float(env, "HANCHANG_FCM_TIMEOUT_S", 10.0),
            bulk_per_second=_float(env, "HANCHANG_FCM_BULK_PER_SECOND", 500.0),
        ),
        operator=OperatorSettings(token=_operator_token(env, data_dir, production)),
        metrics=MetricsSettings(
            enabled=_bool(env, "HANCHANG_METRICS_ENABLED", True),
            flush_interval_s=_float(env, "HANCHANG_METRICS_FLUSH_SECONDS", 5.0),
        ),
        worker=worker,
        notifications=NotificationSettings(
            quiet_hours=quiet_hours,
            ambiguous_grace_s=_seconds(env, "HANCHANG_AMBIGUOUS_GRACE_SECONDS", 30.0),
        ),
    )


def _concurrency(
    env: Mapping[str, str], database_url: str, port: int, public_url: str
) -> tuple[DatabaseSettings, HttpSettings, WorkerSettings]:
    """Pools sized from the concurrency they serve; a pool too small for it refuses to start.

    A request holds one connection for its transaction, and the API process keeps
    `BACKGROUND_CONNECTIONS` more: a pool with fewer connections than that makes requests
    wait on each other until the acquire timeout. The workers' pools are not settings:
    they are `max_jobs` each (see server/worker.py).
    """
    concurrency = _int(env, "HANCHANG_API_CONCURRENCY", DEFAULT_API_CONCURRENCY, low=1, high=1000)
    needed = concurrency + BACKGROUND_CONNECTIONS
    pool_max = _int(env, "HANCHANG_DB_POOL_MAX", needed, low=1, high=1000)
    if pool_max < needed:
        raise SettingsError(
            "HANCHANG_DB_POOL_MAX",
            f"is {pool_max}, but HANCHANG_API_CONCURRENCY is {concurrency}: the pool needs "
            f"at least {needed} (a connection per request, and {BACKGROUND_CONNECTIONS} for "
            "the metrics writer and the status snapshot)",
        )
    database = DatabaseSettings(
        url=database_url,
        app_role=env.get("HANCHANG_DB_APP_ROLE", "hanchang_app").strip(),
        pool_min_size=min(_int(env, "HANCHANG_DB_POOL_MIN", 2, low=0, high=100), pool_max),
        pool_max_size=pool_max,
        statement_timeout_ms=_int(
            env, "HANCHANG_DB_STATEMENT_TIMEOUT_MS", 15_000, low=100, high=3_600_000
        ),
        acquire_timeout_s=_float(env, "HANCHANG_DB_ACQUIRE_TIMEOUT_SECONDS", 10.0),
    )
    http = HttpSettings(
        host=env.get("HANCHANG_HOST", "127.0.0.1").strip() or "127.0.0.1",
        port=port,
        public_url=public_url.rstrip("/"),
        concurrency=concurrency,
    )
    worker = WorkerSettings(
        max_jobs=_int(env, "HANCHANG_WORKER_MAX_JOBS", DEFAULT_WORKER_MAX_JOBS, low=1, high=200),
        interactive_max_jobs=_int(
            env,
            "HANCHANG_INTERACTIVE_MAX_JOBS",
            DEFAULT_INTERACTIVE_MAX_JOBS,
            low=1,
            high=200,
        ),
    )
    return database, http, worker


@functools.cache
def get_settings() -> Settings:
    """The one settings object of this process (entry points only; code takes it as an argument)."""
    return load_settings()
