"""The environment a test starts the app or a process with: this run's databases, a fresh
person key, small pools."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

PERSON_KEYS = "1:" + base64.b64encode(secrets.token_bytes(32)).decode()


def environment_for_tests(
    database_url: str, redis_url: str, data_dir: Path, **extra: str
) -> dict[str, str]:
    return {
        "HANCHANG_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HANCHANG_PERSON_KEYS": PERSON_KEYS,
        "HANCHANG_DATA_DIR": str(data_dir),
        "HANCHANG_DB_POOL_MIN": "1",
        "HANCHANG_DB_POOL_MAX": "5",
        "HANCHANG_API_CONCURRENCY": "3",
        "HANCHANG_METRICS_FLUSH_SECONDS": "3600",
        **extra,
    }
