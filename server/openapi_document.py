"""Print the API's OpenAPI document (what `/schema/openapi.json` serves), keys sorted:
Litestar's, made true by server/openapi_truth.py.

`docs/openapi.json` is this output, committed: the app team reads it, and a test
fails when the served document drifts from it. After an intended change:

    .venv/bin/python -m server.openapi_document > docs/openapi.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

import msgspec

from foundation.settings import load_settings


def openapi_document() -> dict[str, Any]:
    from server.app import create_app
    from server.openapi_truth import made_true

    with tempfile.TemporaryDirectory() as data_dir:
        # The document depends on no setting but these being readable.
        settings = load_settings({"HANCHANG_DATA_DIR": data_dir})
        app = create_app(settings)
        # Examples are our Structs: as the served document writes them.
        document: dict[str, Any] = msgspec.json.decode(
            msgspec.json.encode(made_true(app.openapi_schema.to_schema(), app))
        )
    return document


if __name__ == "__main__":
    json.dump(openapi_document(), sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
