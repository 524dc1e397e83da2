"""`hanchang documents view ...`: an agency's look at a document inside a consent (for the demo).

The application review will call `onestop.consents.view_document` itself; this
command lets an operator show the same path by hand. The view is logged and
shows in the person's `GET /v1/me/data-access`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec

from foundation.problems import Problem
from i18n import SUPPORTED_LOCALES


def add_documents_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    documents = commands.add_parser("documents", help="documents by consent (열람승인)")
    document_commands = documents.add_subparsers(dest="documents_command", required=True)
    view = document_commands.add_parser(
        "view", help="view a document inside a live consent, as an agency does (logged)"
    )
    view.add_argument("--consent", type=int, required=True, help="the consent's id")
    view.add_argument("--viewer", required=True, help="who looks, e.g. caseworker:17")
    view.add_argument("--purpose", required=True, help="why, e.g. 구직급여 수급자격 심사")
    view.add_argument("--channel", default="cli", help="where from (default: cli)")
    view.add_argument("--lang", default="ko", choices=SUPPORTED_LOCALES, help="language of titles")


async def run_documents_command(
    args: argparse.Namespace, connect: Callable[[], Awaitable[asyncpg.Connection]]
) -> int:
    from onestop.consents import view_document
    from onestop.documents import render_document

    if not 1 <= args.consent <= 2**63 - 1:
        print(f"hanchang documents view: no consent {args.consent}", file=sys.stderr)
        return 1
    conn = await connect()
    try:
        try:
            async with conn.transaction():
                document = await view_document(
                    conn,
                    consent_id=args.consent,
                    viewer=args.viewer,
                    purpose=args.purpose,
                    channel=args.channel,
                    locale=args.lang,
                )
        except Problem as problem:
            body = problem.body(args.lang)
            reason = f" ({body['reason']})" if "reason" in body else ""
            print(
                f"hanchang documents view: {body['title']}{reason}: {body['detail']}",
                file=sys.stderr,
            )
            for error in body.get("errors", []):
                print(f"  {error['field']}: {error['detail']}", file=sys.stderr)
            return 1
        rendered = render_document(document, args.lang)
        print(msgspec.json.format(msgspec.json.encode(rendered).decode(), indent=2))
        return 0
    finally:
        await conn.close()
