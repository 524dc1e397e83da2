"""The benefit catalog and `GET /v1/services[/{id}]`: content, languages, caching, errors."""

from __future__ import annotations

import re
from datetime import date
from typing import get_args

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from i18n import SUPPORTED_LOCALES, translate
from i18n.formatting import format_won
from onestop.catalog import (
    DOCUMENT_TYPES,
    PROGRAMMES,
    DocumentTypeId,
    get_programme,
    render_programme,
)
from onestop.programme_ids import PROGRAMME_IDS, UNEMPLOYMENT_BENEFIT

PROBLEM_BASE = "https://hanchang.moel.go.kr/problems/"

# The official Korean names (고용노동부, 고용24).
OFFICIAL_KOREAN_NAMES = {
    "unemployment-benefit": "구직급여",
    "early-reemployment-allowance": "조기재취업수당",
    "national-employment-support-1": "국민취업지원제도 I유형",
    "national-employment-support-2": "국민취업지원제도 II유형",
    "tomorrow-learning-card": "국민내일배움카드",
    "parental-leave-benefit": "육아휴직급여",
    "reduced-hours-childcare-benefit": "육아기 근로시간 단축 급여",
    "maternity-leave-benefit": "출산전후휴가급여",
    "spouse-maternity-leave-benefit": "배우자 출산휴가급여",
    "wage-arrears-substitute": "대지급금",
    "arrears-living-cost-loan": "체불근로자 생계비 융자",
}
KOREAN_IN_BRACKETS = re.compile(r"[(（【][^()（）【】]*[가-힣][^()（）【】]*[)）】]")
HANGUL = re.compile("[가-힣]")


# --- The catalog itself ----------------------------------------------------------------------


def test_one_programme_per_programme_id_in_order() -> None:
    assert tuple(PROGRAMMES) == PROGRAMME_IDS
    assert all(programme.id == key for key, programme in PROGRAMMES.items())
    assert get_programme(UNEMPLOYMENT_BENEFIT) is PROGRAMMES[UNEMPLOYMENT_BENEFIT]
    # Lower-case words joined by hyphens: the OpenAPI document's pattern of them
    # (notifications/preferences.py) joins them unescaped.
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key) for key in PROGRAMME_IDS)
    assert get_programme("no-such-programme") is None


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_every_programme_is_complete(programme_id: str) -> None:
    programme = PROGRAMMES[programme_id]
    assert programme.legal_basis, "at least one legal reference"
    assert programme.documents, "at least one document"
    assert programme.steps, "at least one application step"
    assert programme.who and programme.pays and programme.figures
    assert set(programme.documents) <= set(get_args(DocumentTypeId))
    assert len(set(programme.documents)) == len(programme.documents)
    assert programme.link.startswith("https://")
    ids = [figure.id for figure in programme.figures]
    assert len(ids) == len(set(ids)), "figure ids are unique within a programme"


@pytest.mark.parametrize("programme_id", PROGRAMME_IDS)
def test_every_figure_has_a_source_and_a_date_it_holds_from(programme_id: str) -> None:
    for figure in PROGRAMMES[programme_id].figures:
        where = f"{programme_id}/{figure.id}"
        source = figure.source
        # Either an article of a law, or a named notice or page.
        assert source.law is not None or source.title.strip(), f"{where}: no source"
        if source.law is None:
            assert source.url is None or source.url.startswith("https://"), where
        assert isinstance(figure.holds_from, date), f"{where}: no holds_from"
        assert date(2000, 1, 1) <= figure.holds_from <= date(2026, 12, 31), where
        assert figure.value > 0, where


def test_the_2026_pay_figures_as_published() -> None:
    """The pay figures the service pages show (the rules' thresholds are tested on their
    edges, through the rules that read them, in tests/test_legal_thresholds.py)."""

    def value(programme_id: str, figure_id: str) -> float:
        (figure,) = [f for f in PROGRAMMES[programme_id].figures if f.id == figure_id]
        return figure.value

    assert value("unemployment-benefit", "benefit-rate") == 60
    assert value("unemployment-benefit", "daily-cap") == 68_100
    # 80 percent of the 2026 minimum wage (10,320 won) for an 8-hour day.
    assert value("unemployment-benefit", "daily-floor") == 10_320 * 8 * 80 // 100
    assert value("unemployment-benefit", "benefit-days-min") == 120
    assert value("unemployment-benefit", "benefit-days-max") == 270
    assert value("parental-leave-benefit", "cap-months-1-3") == 2_500_000
    assert value("parental-leave-benefit", "cap-months-4-6") == 2_000_000
    assert value("parental-leave-benefit", "cap-from-month-7") == 1_600_000
    assert value("parental-leave-benefit", "monthly-floor") == 700_000


def test_document_types_are_the_fixed_list_and_each_has_a_name() -> None:
    assert set(DOCUMENT_TYPES) == set(get_args(DocumentTypeId))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_rendering_translates_every_text(locale: str) -> None:
    for programme in PROGRAMMES.values():
        document = render_programme(programme, locale)
        texts = [
            document.name,
            document.summary,
            *document.who,
            *document.pays,
            *document.steps,
            document.agency.name,
            *(doc.name for doc in document.documents),
            *(ref.citation for ref in document.legal_basis),
            *(f.label for f in document.figures),
            *(f.display for f in document.figures),
            *(f.source.title for f in document.figures),
        ]
        for text in texts:
            assert text.strip()
            assert "{" not in text, text
            # Korean text is in Korean; English text has none; a draft language keeps Korean
            # only as a name in brackets after its translation (the glossary's rule: what a
            # person says at the counter), e.g. "Trợ cấp tìm việc (구직급여)".
            if locale == "ko":
                assert HANGUL.search(text) or text[0].isdigit(), text
            else:
                assert not HANGUL.search(KOREAN_IN_BRACKETS.sub("", text)), text


def test_korean_names_are_the_official_ones() -> None:
    names = {p.id: render_programme(p, "ko").name for p in PROGRAMMES.values()}
    assert names == OFFICIAL_KOREAN_NAMES


def test_figures_read_naturally_in_each_language() -> None:
    korean = {f.id: f for f in render_programme(PROGRAMMES["unemployment-benefit"], "ko").figures}
    english = {f.id: f for f in render_programme(PROGRAMMES["unemployment-benefit"], "en").figures}
    assert korean["daily-cap"].display == "하루 68,100원"
    # Money as Babel writes the won in each language; Korean as it always was.
    assert english["daily-cap"].display == "₩68,100 a day"
    vietnamese = {
        f.id: f for f in render_programme(PROGRAMMES["unemployment-benefit"], "vi").figures
    }
    shown = vietnamese["daily-cap"].display
    assert shown == translate("vi", "{amount} a day", amount=format_won("vi", 68_100))
    assert "68.100" in shown and "₩" in shown
    assert korean["benefit-rate"].display == "60%"
    assert english["benefit-rate"].display == "60 percent"
    assert korean["benefit-days-max"].source.title == "고용보험법 제50조"
    loan = render_programme(PROGRAMMES["arrears-living-cost-loan"], "en")
    by_id = {f.id: f.display for f in loan.figures}
    assert by_id["interest-rate"] == "1.5 percent a year"
    assert by_id["arrears-required"] == "1 month"
    reduced = render_programme(PROGRAMMES["reduced-hours-childcare-benefit"], "ko")
    assert "남녀고용평등과 일ㆍ가정 양립 지원에 관한 법률 제19조의2" in [
        ref.citation for ref in reduced.legal_basis
    ]


# --- GET /v1/services ------------------------------------------------------------------------


async def test_list_in_korean_by_default(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/services")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-language"] == "ko"
    services = response.json()["services"]
    assert [s["id"] for s in services] == list(PROGRAMME_IDS)
    first = services[0]
    assert set(first) == {"id", "name", "summary", "agency", "link"}
    assert first["name"] == "구직급여"
    assert first["agency"] == {
        "id": "employment-center",
        "name": "고용센터",
        "url": "https://www.work24.go.kr",
    }
    by_id = {s["id"]: s for s in services}
    assert by_id["wage-arrears-substitute"]["agency"]["name"] == "근로복지공단"


async def test_list_in_english(client: AsyncTestClient[Litestar]) -> None:
    by_header = await client.get("/v1/services", headers={"Accept-Language": "en-GB,en;q=0.9"})
    by_query = await client.get("/v1/services?lang=en", headers={"Accept-Language": "ko"})
    for response in (by_header, by_query):
        assert response.status_code == 200
        assert response.headers["content-language"] == "en"
        services = response.json()["services"]
        assert services[0]["name"] == "Unemployment benefit (job-seeking benefit)"
        assert services[0]["agency"]["name"] == "Job centre"
    assert by_header.content == by_query.content


async def test_detail_in_korean(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/v1/services/unemployment-benefit")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "구직급여"
    assert body["legal_basis"][0] == {
        "law": "고용보험법",
        "article": "제40조",
        "citation": "고용보험법 제40조",
        "url": "https://www.law.go.kr/%EB%B2%95%EB%A0%B9/%EA%B3%A0%EC%9A%A9%EB%B3%B4%ED%97%98%EB%B2%95/%EC%A0%9C40%EC%A1%B0",
    }
    assert {"id": "employment-insurance-history", "name": "고용보험 피보험자격 이력"} in body[
        "documents"
    ]
    assert body["steps"][0] == "고용24에서 구직 등록을 해요."
    cap = next(f for f in body["figures"] if f["id"] == "daily-cap")
    assert cap == {
        "id": "daily-cap",
        "label": "하루 상한액",
        "value": 68100,
        "unit": "krw_per_day",
        "display": "하루 68,100원",
        "source": {
            "title": "고용보험법 시행령 제68조",
            "url": "https://www.law.go.kr/%EB%B2%95%EB%A0%B9/%EA%B3%A0%EC%9A%A9%EB%B3%B4%ED%97%98%EB%B2%95%EC%8B%9C%ED%96%89%EB%A0%B9/%EC%A0%9C68%EC%A1%B0",
        },
        "holds_from": "2026-01-01",
    }


async def test_detail_in_english_for_every_programme(client: AsyncTestClient[Litestar]) -> None:
    for programme_id in PROGRAMME_IDS:
        response = await client.get(f"/v1/services/{programme_id}?lang=en")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["id"] == programme_id
        assert not HANGUL.search(body["name"] + body["summary"] + "".join(body["steps"]))
        assert body["legal_basis"] and body["documents"] and body["steps"]
        for figure in body["figures"]:
            assert figure["source"]["title"], figure
            assert date.fromisoformat(figure["holds_from"]), figure
    parental = (await client.get("/v1/services/parental-leave-benefit?lang=en")).json()
    assert "Employment Insurance Act, Article 70" in [
        r["citation"] for r in parental["legal_basis"]
    ]
    assert {"id": "family-relation", "name": "Family relation certificate"} in parental["documents"]


# --- Caching -------------------------------------------------------------------------------


async def test_cache_headers_and_a_strong_etag_per_language(
    client: AsyncTestClient[Litestar],
) -> None:
    korean = await client.get("/v1/services")
    again = await client.get("/v1/services")
    english = await client.get("/v1/services", headers={"Accept-Language": "en"})
    for response in (korean, english):
        assert response.headers["cache-control"] == "public, max-age=300"
        assert response.headers["vary"] == "Accept-Language"
        etag = response.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), etag  # strong: no W/ prefix
    assert korean.headers["etag"] == again.headers["etag"]
    assert korean.headers["etag"] != english.headers["etag"]
    detail = await client.get("/v1/services/maternity-leave-benefit")
    assert detail.headers["etag"] not in (korean.headers["etag"], english.headers["etag"])
    assert detail.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize("path", ["/v1/services", "/v1/services/parental-leave-benefit"])
async def test_a_matching_if_none_match_answers_304(
    client: AsyncTestClient[Litestar], path: str
) -> None:
    first = await client.get(path)
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = await client.get(path, headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == "public, max-age=300"
    stale = await client.get(path, headers={"If-None-Match": '"0123"'})
    assert stale.status_code == 200 and stale.content == first.content
    # The Korean tag does not match the English body.
    english = await client.get(path, headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200
    assert english.headers["etag"] != etag


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "title", "detail"),
    [
        (
            {},
            "서비스를 찾을 수 없어요",
            "이 ID의 서비스가 없어요. 서비스 목록을 확인하고 다시 시도해 주세요.",
        ),
        (
            {"Accept-Language": "en"},
            "Service not found",
            "There is no service with this id. Check the list of services and try again.",
        ),
    ],
)
async def test_an_unknown_programme_is_a_404_problem_in_the_callers_language(
    client: AsyncTestClient[Litestar], headers: dict[str, str], title: str, detail: str
) -> None:
    for programme_id in ("no-such-benefit", "UNEMPLOYMENT-BENEFIT", "x" * 300, "%EA%B5%AC"):
        response = await client.get(f"/v1/services/{programme_id}", headers=headers)
        assert response.status_code == 404, programme_id
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "etag" not in response.headers and "cache-control" not in response.headers
        body = response.json()
        assert body["type"] == PROBLEM_BASE + "programme-not-found"
        assert body["status"] == 404
        assert body["title"] == title
        assert body["detail"] == detail
    described = await client.get("/problems/programme-not-found", headers=headers)
    assert described.status_code == 200 and described.json()["title"] == title


async def test_the_catalog_is_read_only(client: AsyncTestClient[Litestar]) -> None:
    for method in ("POST", "PUT", "DELETE"):
        response = await client.request(method, "/v1/services/unemployment-benefit")
        assert response.status_code == 405, method
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/services/unemployment-benefit")).status_code == 200


async def test_the_openapi_document_describes_both_routes(
    client: AsyncTestClient[Litestar],
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    listing = paths["/v1/services"]["get"]
    detail = paths["/v1/services/{programme_id}"]["get"]
    assert "security" not in listing or listing["security"] in ([], [{}])
    assert {"200", "304"} <= set(listing["responses"])
    assert {"200", "304", "404"} <= set(detail["responses"])
    assert "application/problem+json" in detail["responses"]["404"]["content"]
