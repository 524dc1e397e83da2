"""Managing kiosks: an administrator gets a one-time enrolment code, lists their office's
kiosks and retires one, on the console page `/console/kiosks`, in its JSON
(`/console/api/kiosks`) and with `hanchang kiosk code|list|retire`. Clerks are kept out;
a kiosk of another office cannot be retired; a retired kiosk is refused at once."""

from __future__ import annotations

import argparse
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest

from server.kiosk_cli import add_kiosk_commands, run_kiosk_command
from tests.support.console_pages import csrf_of, page, post_form
from tests.support.kiosk_devices import KioskKey, enrol, signed_get
from tests.support.staff import Client, as_, signed_in

CODE = re.compile(r'<p class="code" id="enrolment-code">([0-9A-Z-]{19})</p>')


@pytest.fixture(autouse=True)
async def no_cookies(client: Client) -> AsyncIterator[None]:
    client.cookies.clear()
    yield


async def kiosk_cli(database_url: str, *words: str) -> int:
    parser = argparse.ArgumentParser()
    add_kiosk_commands(parser.add_subparsers(dest="command"))

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(database_url)

    return await run_kiosk_command(parser.parse_args(["kiosk", *words]), connect)


async def test_an_administrator_enrols_lists_and_retires_a_kiosk_on_the_page(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    admin, token = await signed_in(client, owner_conn, role="admin", name="최관리")
    home = await page(client, "/console")
    assert 'href="/console/kiosks"' in home
    listing = await page(client, "/console/kiosks")
    bad = await post_form(
        client, "/console/kiosks", {"csrf_token": csrf_of(listing), "location": ""}
    )
    assert bad.status_code == 400 and 'id="location-error"' in bad.text
    issued = await post_form(
        client, "/console/kiosks", {"csrf_token": csrf_of(listing), "location": "2층 민원실"}
    )
    assert issued.status_code == 200, issued.text
    match = CODE.search(issued.text)
    assert match, issued.text
    code_row = await owner_conn.fetchrow(
        "SELECT office_code, location, issued_by, expires_at - issued_at AS lifetime "
        "FROM kiosk_enrolment_codes WHERE code_hash = sha256($1)",
        match[1].encode(),
    )
    assert code_row is not None
    assert (code_row["office_code"], code_row["location"], code_row["issued_by"]) == (
        "busan",
        "2층 민원실",
        f"staff:{admin}",
    )
    assert code_row["lifetime"].total_seconds() == 24 * 3600

    client.cookies.clear()
    key = KioskKey()
    assert (await enrol(client, key, match[1])).status_code == 201
    assert (await signed_get(client, key, "/kiosk")).status_code == 200
    as_(client, token)
    listing = await page(client, "/console/kiosks")
    assert f'id="kiosk-{key.kiosk_id}"' in listing and "2층 민원실" in listing
    assert f"staff:{admin}" in listing
    retired = await post_form(
        client, f"/console/kiosks/{key.kiosk_id}/retire", {"csrf_token": csrf_of(listing)}
    )
    assert retired.status_code == 303
    assert retired.headers["location"] == f"/console/kiosks?retired={key.kiosk_id}"
    client.cookies.clear()
    assert (await signed_get(client, key, "/kiosk")).status_code == 401
    assert (
        await owner_conn.fetchval("SELECT retired_by FROM kiosks WHERE id = $1", key.kiosk_id)
        == f"staff:{admin}"
    )


async def test_the_json_twin_and_who_may_use_it(
    client: Client, owner_conn: asyncpg.Connection
) -> None:
    await signed_in(client, owner_conn, role="clerk")
    assert (await client.get("/console/api/kiosks")).status_code == 403
    assert (await client.get("/console/kiosks", headers={"Accept": "text/html"})).status_code == 403
    refused = await client.post("/console/api/kiosks/enrolment-codes", json={"location": "1층"})
    assert refused.status_code == 403
    await signed_in(client, owner_conn, role="admin")
    answer = await client.post("/console/api/kiosks/enrolment-codes", json={"location": "1층"})
    assert answer.status_code == 201, answer.text
    code = answer.json()["code"]
    bad = await client.post("/console/api/kiosks/enrolment-codes", json={"location": " "})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "body.location"

    # A kiosk of another office: not this administrator's to retire.
    seoul = await owner_conn.fetchval(
        "INSERT INTO kiosks (office_code, name, key_hash) VALUES ('seoul', 'x', '\\x01') "
        "RETURNING id"
    )
    other = await client.post(f"/console/api/kiosks/{seoul}/retire", json={})
    assert other.status_code == 400
    assert await owner_conn.fetchval("SELECT retired_at FROM kiosks WHERE id = $1", seoul) is None

    cookies = dict(client.cookies)
    client.cookies.clear()
    key = KioskKey("ES256")
    assert (await enrol(client, key, code)).status_code == 201
    for name, value in cookies.items():
        client.cookies.set(name, value, path="/console")
    listed = (await client.get("/console/api/kiosks")).json()["kiosks"]
    assert [k["id"] for k in listed if k["algorithm"] == "ES256"] == [key.kiosk_id]
    retired = await client.post(f"/console/api/kiosks/{key.kiosk_id}/retire", json={})
    assert retired.status_code == 200 and retired.json()["retired_at"] is not None


async def test_the_cli_issues_codes_lists_and_retires(
    client: Client,
    owner_conn: asyncpg.Connection,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await kiosk_cli(database_url, "code", "--office", "daegu", "--location", "1층") == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)
    assert await kiosk_cli(database_url, "code", "--office", "mars", "--location", "1층") == 2
    assert "no office 'mars'" in capsys.readouterr().err
    key = KioskKey()
    assert (await enrol(client, key, code)).status_code == 201
    assert await kiosk_cli(database_url, "list", "--office", "daegu") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{key.kiosk_id}\tdaegu\t1층\tEd25519\t")
    assert lines[0].endswith("\toperator:cli\tlive")
    assert await kiosk_cli(database_url, "retire", str(key.kiosk_id)) == 0
    assert capsys.readouterr().out.strip() == f"kiosk {key.kiosk_id} retired"
    assert (await signed_get(client, key, "/kiosk")).status_code == 401
    assert await kiosk_cli(database_url, "retire", "999999") == 1
