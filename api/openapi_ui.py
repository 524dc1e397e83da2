"""The API's reading room, `/schema/swagger`, whole without the internet.

Litestar's Swagger page loads Swagger UI's script, style sheet and icon from a
CDN; a closed network shows a blank page. We serve them ourselves from the
`swagger-ui-py` package, whose `static/` folder is the official `swagger-ui-dist`
build (Swagger UI 5, which reads OpenAPI 3.1), under `/schema/swagger-assets/`,
outside the OpenAPI document.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

ASSETS_PATH = "/schema/swagger-assets"
ASSETS_DIRECTORY = Path(str(files("swagger_ui") / "static"))

SWAGGER_ASSETS = create_static_files_router(
    path=ASSETS_PATH,
    directories=[ASSETS_DIRECTORY],
    name="swagger-assets",
    include_in_schema=False,
)

SWAGGER_PAGE = SwaggerRenderPlugin(
    js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
    css_url=f"{ASSETS_PATH}/swagger-ui.css",
    standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
    favicon=f'<link rel="icon" type="image/png" href="{ASSETS_PATH}/favicon-32x32.png">',
)
