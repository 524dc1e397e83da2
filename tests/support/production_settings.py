"""Every variable a production start needs, each with a value its checks accept."""

from __future__ import annotations

import base64

KEYS = "1:" + base64.b64encode(b"k" * 32).decode()
PRODUCTION = {
    "HANCHANG_ENV": "production",
    "DATABASE_URL": "postgresql://app@db/hanchang",
    "REDIS_URL": "redis://cache:6379/0",
    "HANCHANG_PERSON_KEYS": KEYS,
    "HANCHANG_PUBLIC_URL": "https://hanchang.moel.go.kr",
    "HANCHANG_DATA_KEYS": "1:" + base64.b64encode(b"d" * 32).decode(),
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_FROM_NUMBER": "+15005550006",
    "HANCHANG_OPERATOR_TOKEN": "o" * 43,
    "HANCHANG_AUDIT_CHECKPOINT_KEY": "a" * 43,
}
