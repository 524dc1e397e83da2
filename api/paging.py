"""The two query parameters of every page of a list, as the OpenAPI document states them.

`limit` is 1 to 100 (20 by default) and `before` is an item id (1 up to PostgreSQL's
`bigint`): the core checks both and answers 400 naming each in the person's words
(`check_page`); these types only say so in the document.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

MAX_PAGE = 100
MAX_ID = 2**63 - 1

PageLimit = Annotated[
    int, QueryParameter(name="limit", schema_extra={"minimum": 1, "maximum": MAX_PAGE})
]
PageBefore = Annotated[
    int | None, QueryParameter(name="before", schema_extra={"minimum": 1, "maximum": MAX_ID})
]
