"""Typed settings read from the environment, in sections, cached once per process.

Development (`make run`, `make test`) works with no variable set: the embedded
PostgreSQL and Redis fill in the URLs and a random development secret is kept
under `./.hanchang/`. In production (`HANCHANG_ENV=production`) every required
value must be given, and a wrong or missing one stops start-up with one line
naming the variable.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

from foundation.log_lines import LogFormat, log_format_of
from foundation.provider_settings import (
    FcmSettings,
    OpenBankingSettings,
    TwilioSettings,
    open_banking_settings,
)
from foundation.settings_values import (
    Network,
    audit_checkpoint_key,
    boolean,
    development_secret,
    fcm_credentials,
    networks,
    operator_token,
    positive_number,
    relying_party_id,
    seconds,
    url,
    webauthn_origins,
    whole_number,
)
from foundation.settings_values import (
    PersonKeySettings as PersonKeySettings,
)
from foundation.settings_values import (
    SettingsError as SettingsError,
)
from foundation.settings_values import (
    parse_person_keys as parse_person_keys,
)

Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    # The role the application acts as. It owns nothing and cannot UPDATE or
    # DELETE the audit log; migrations run as the connecting (owner) role.
    app_role: str = "hanchang_app"
    pool_min_size: int = 2
    # The API process's pool; it serves `HttpSettings.concurrency` requests at once, and
    # each request holds at most one connection (foundation/db.py refuses a second).
    pool_max_size: int = 10
    statement_timeout_ms: int = 15_000
    # How long a request or job waits for a free connection before it gives up (503).
    acquire_timeout_s: float = 10.0
    # Client-side bounds for a server that is gone or frozen (SIGSTOP, a dead host): the
    # server's own statement_timeout cannot fire then. Opening a connection (TCP and
    # PostgreSQL's start-up) gives up after `connect_timeout_s`; any one command after
    # `command_timeout_s`, longer than statement_timeout so that a slow query is still
    # the server's to cancel. Either answers 503 (foundation/errors.py).
    connect_timeout_s: float = 5.0
    command_timeout_s: float = 20.0


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    # Opening a connection, and waiting for any one reply, on a Redis that is gone or frozen.
    connect_timeout_s: float = 2.0
    timeout_s: float = 5.0


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
    # Reverse proxies whose `X-Forwarded-For` names the client (foundation/client_address.py);
    # none by default: the client is the direct peer.
    trusted_proxies: tuple[Network, ...] = ()


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

    @property
    def limit_key(self) -> bytes:
        """The key of the rate limits' Redis keys (auth/limits.py), derived from the current
        data key: a key names a phone number or an address only to someone who holds it."""
        key = self.data_keys[self.current_data_key]
        return hmac.new(key, b"hanchang:rate-limit-keys", hashlib.sha256).digest()


class OperatorSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Operator plumbing (`/v1/admin/...`) until staff accounts with roles arrive.

    One shared bearer token; the admin routes compare it in constant time.
    """

    token: str


class AuditSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The audit log's checkpoints: its head, signed every minute outside the database."""

    # HMAC-SHA256 key (HANCHANG_AUDIT_CHECKPOINT_KEY); never stored in the database.
    checkpoint_key: bytes
    # Append-only JSON lines; in production a write-once store (docs/deploy.md).
    checkpoint_file: Path


class MetricsSettings(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool = True
    flush_interval_s: float = 5.0


class LogSettings(msgspec.Struct, frozen=True, kw_only=True):
    """`HANCHANG_LOG_FORMAT`: `json` (one object a line) or `text` (foundation/log_lines.py)."""

    format: LogFormat = "text"


class TracingSettings(msgspec.Struct, frozen=True, kw_only=True):
    """OpenTelemetry traces (server/tracing.py), on when an OTLP endpoint is set, by the
    standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as given) or
    `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` added); `OTEL_SDK_DISABLED=true` turns
    them off. Empty: no tracing, and nothing of it on the request path."""

    traces_endpoint: str = ""
    service_name: str = "hanchang-api"

    @property
    def enabled(self) -> bool:
        return bool(self.traces_endpoint)


def tracing_settings(env: Mapping[str, str]) -> TracingSettings:
    service_name = env.get("OTEL_SERVICE_NAME", "").strip() or "hanchang-api"
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return TracingSettings(service_name=service_name)
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if not endpoint:
        base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        endpoint = base.rstrip("/") + "/v1/traces" if base else ""
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise SettingsError(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            f"must be an http:// or https:// address, got {endpoint!r}",
        )
    return TracingSettings(traces_endpoint=endpoint, service_name=service_name)


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
    open_banking: OpenBankingSettings
    operator: OperatorSettings
    audit: AuditSettings
    metrics: MetricsSettings
    worker: WorkerSettings
    notifications: NotificationSettings
    log: LogSettings = LogSettings()
    tracing: TracingSettings = TracingSettings()

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def _development_person_keys(data_dir: Path) -> PersonKeySettings:
    return parse_person_keys(
        development_secret(data_dir, "person-key.secret"),
        variable=str(data_dir / "person-key.secret"),
    )


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

    database_url = url(env, "DATABASE_URL", ("postgresql", "postgres"), production)
    redis_url = url(env, "REDIS_URL", ("redis", "rediss", "unix"), production)

    raw_keys = env.get("HANCHANG_PERSON_KEYS", "").strip()
    if raw_keys:
        person_key = parse_person_keys(raw_keys)
    elif production:
        raise SettingsError("HANCHANG_PERSON_KEYS", "is required in production")
    else:
        person_key = _development_person_keys(data_dir)

    port = whole_number(env, "HANCHANG_PORT", 8000, low=1, high=65535)
    public_url = env.get("HANCHANG_PUBLIC_URL", "").strip() or f"http://localhost:{port}"
    if production and not public_url.startswith("https://"):
        raise SettingsError("HANCHANG_PUBLIC_URL", "must be an https:// address in production")

    raw_data_keys = env.get("HANCHANG_DATA_KEYS", "").strip()
    if not raw_data_keys and production:
        raise SettingsError("HANCHANG_DATA_KEYS", "is required in production")
    data_keys = parse_person_keys(
        raw_data_keys or development_secret(data_dir, "data-key.secret"), "HANCHANG_DATA_KEYS"
    )
    if any(len(key) != 32 for key in data_keys.keys.values()):
        raise SettingsError("HANCHANG_DATA_KEYS", "each key must be exactly 32 bytes (AES-256)")
    allowed_origins = webauthn_origins(env.get("HANCHANG_WEBAUTHN_ORIGINS", ""), public_url)
    rp_id = relying_party_id(env.get("HANCHANG_WEBAUTHN_RP_ID", ""), public_url)

    database, http, worker = _concurrency(env, database_url, port, public_url)

    twilio_sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    twilio = TwilioSettings(
        account_sid=twilio_sid,
        # Without a Twilio account in development (`make run`), webhooks are signed with a
        # local token so that `hanchang phone call` can drive the phone line as Twilio would.
        auth_token=env.get("TWILIO_AUTH_TOKEN", "").strip()
        or (
            development_secret(data_dir, "twilio-webhook.secret", versioned=False)
            if environment == "development" and not twilio_sid
            else ""
        ),
        from_number=env.get("TWILIO_FROM_NUMBER", "").strip(),
        codes_from=env.get("TWILIO_CODES_FROM", "").strip(),
        bulk_per_second=positive_number(env, "HANCHANG_TWILIO_BULK_PER_SECOND", 30.0),
        api_base_url=env.get("TWILIO_API_BASE_URL", "").strip().rstrip("/"),
        timeout_s=positive_number(env, "TWILIO_TIMEOUT_SECONDS", 10.0),
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

    open_banking = open_banking_settings(env, production)

    quiet_hours = boolean(env, "HANCHANG_QUIET_HOURS", True)
    if production and not quiet_hours:
        raise SettingsError("HANCHANG_QUIET_HOURS", "cannot be turned off in production")

    return Settings(
        env=environment,
        data_dir=data_dir,
        database=database,
        redis=RedisSettings(
            url=redis_url,
            connect_timeout_s=positive_number(env, "HANCHANG_REDIS_CONNECT_TIMEOUT_SECONDS", 2.0),
            timeout_s=positive_number(env, "HANCHANG_REDIS_TIMEOUT_SECONDS", 5.0),
        ),
        http=http,
        person_key=person_key,
        auth=AuthSettings(
            rp_id=rp_id,
            rp_name=env.get("HANCHANG_WEBAUTHN_RP_NAME", "").strip() or "한 창구",
            allowed_origins=allowed_origins,
            data_keys=data_keys.keys,
            current_data_key=data_keys.current_version,
            access_token_seconds=whole_number(
                env, "HANCHANG_ACCESS_TOKEN_SECONDS", 900, low=60, high=3600
            ),
            refresh_token_days=whole_number(env, "HANCHANG_REFRESH_TOKEN_DAYS", 30, low=1, high=90),
            sign_in_per_address_per_minute=whole_number(
                env, "HANCHANG_SIGN_IN_PER_ADDRESS_PER_MINUTE", 60, low=1, high=1_000_000
            ),
        ),
        twilio=twilio,
        fcm=FcmSettings(
            credentials=fcm_credentials(env, production),
            api_base_url=url(env, "FCM_API_BASE_URL", ("http", "https"), False).rstrip("/"),
            timeout_s=positive_number(env, "HANCHANG_FCM_TIMEOUT_S", 10.0),
            bulk_per_second=positive_number(env, "HANCHANG_FCM_BULK_PER_SECOND", 500.0),
        ),
        open_banking=open_banking,
        operator=OperatorSettings(token=operator_token(env, data_dir, production)),
        audit=AuditSettings(
            checkpoint_key=audit_checkpoint_key(env, data_dir, production),
            checkpoint_file=Path(
                env.get("HANCHANG_AUDIT_CHECKPOINT_FILE", "").strip()
                or data_dir / "audit-checkpoints.jsonl"
            ),
        ),
        metrics=MetricsSettings(
            enabled=boolean(env, "HANCHANG_METRICS_ENABLED", True),
            flush_interval_s=positive_number(env, "HANCHANG_METRICS_FLUSH_SECONDS", 5.0),
        ),
        worker=worker,
        notifications=NotificationSettings(
            quiet_hours=quiet_hours,
            ambiguous_grace_s=seconds(env, "HANCHANG_AMBIGUOUS_GRACE_SECONDS", 30.0),
        ),
        log=LogSettings(format=log_format_of(env)),
        tracing=tracing_settings(env),
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
    concurrency = whole_number(
        env, "HANCHANG_API_CONCURRENCY", DEFAULT_API_CONCURRENCY, low=1, high=1000
    )
    needed = concurrency + BACKGROUND_CONNECTIONS
    pool_max = whole_number(env, "HANCHANG_DB_POOL_MAX", needed, low=1, high=1000)
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
        pool_min_size=min(whole_number(env, "HANCHANG_DB_POOL_MIN", 2, low=0, high=100), pool_max),
        pool_max_size=pool_max,
        statement_timeout_ms=whole_number(
            env, "HANCHANG_DB_STATEMENT_TIMEOUT_MS", 15_000, low=100, high=3_600_000
        ),
        acquire_timeout_s=positive_number(env, "HANCHANG_DB_ACQUIRE_TIMEOUT_SECONDS", 10.0),
        connect_timeout_s=positive_number(env, "HANCHANG_DB_CONNECT_TIMEOUT_SECONDS", 5.0),
        command_timeout_s=positive_number(env, "HANCHANG_DB_COMMAND_TIMEOUT_SECONDS", 20.0),
    )
    http = HttpSettings(
        host=env.get("HANCHANG_HOST", "127.0.0.1").strip() or "127.0.0.1",
        port=port,
        public_url=public_url.rstrip("/"),
        concurrency=concurrency,
        trusted_proxies=networks(env, "HANCHANG_TRUSTED_PROXIES"),
    )
    worker = WorkerSettings(
        max_jobs=whole_number(
            env, "HANCHANG_WORKER_MAX_JOBS", DEFAULT_WORKER_MAX_JOBS, low=1, high=200
        ),
        interactive_max_jobs=whole_number(
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
