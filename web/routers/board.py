"""The public board at /cong-khai and its open data: figures from the in-memory snapshot only.

Nothing here reads a case: every request is answered from `BoardCache.current()`, which a timed
job refreshes (bot/runtime.py). Unknown filter values fall back to "all" rather than failing, so a
shared link with an old province name still opens.
"""
from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from handlers import Core, render
from handlers.board import ALL, DOMAINS, PERIODS, BoardCache, Snapshot
from handlers.deadlines import format_local
from handlers.geography import outline_geojson, province_places
from handlers.publication import public_case
from web import board_view
from web.deps import CoreDep
from web.templating import templates

router = APIRouter(include_in_schema=False)
LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
SOURCE = "Lắng Nghe: /cong-khai"
METRICS = ("received", "on_time", "rating")


def leaflet_dir() -> Path:
    """Leaflet as the xstatic-leaflet package ships it: served by us, no CDN."""
    import xstatic.pkg.leaflet

    return Path(xstatic.pkg.leaflet.BASE_DIR)


def board_cache(request: Request, core: Core) -> BoardCache:
    cache: BoardCache | None = getattr(request.app.state, "board", None)
    if cache is None:  # an app built without the runtime (its timed job) still answers
        cache = BoardCache(core.db, core.nlu.provinces(), core.config.timezone, core.clock)
        request.app.state.board = cache
    return cache


def _choice(value: str | None, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def _filters(request: Request, snapshot: Snapshot) -> tuple[str, str, str, str]:
    q = request.query_params
    return (_choice(q.get("domain"), (ALL, *DOMAINS), ALL), _choice(q.get("province"), (ALL, *snapshot.provinces), ALL),
            _choice(q.get("period"), tuple(PERIODS), "12w"), _choice(q.get("lang"), ("vi", "en"), "vi"))


def _row(name: str, figures: dict[str, Any], language: str) -> dict[str, str]:
    v = board_view
    return {"name": name, "received": v.number(figures["received"], language),
            "problems": v.number(figures["problems"], language),
            "resolved": v.number(figures["resolved"], language),
            "on_time": v.percent(figures["on_time_pct"], language),
            "first_answer": v.duration(figures["median_first_answer_hours"], language),
            "resolution": v.duration(figures["median_resolution_hours"], language),
            "reopened": v.percent(figures["reopened_pct"], language), "rating": v.rating(figures, language)}


def topic_text(item: dict[str, Any], lang: str) -> str:
    """"nợ lương (7, tăng so với < 5 kỳ trước)": the term is shown as written in our vocabulary."""
    return render(f"board.topic_{item['trend'] or 'plain'}", lang, item)


@router.get("/cong-khai", response_class=HTMLResponse)
async def board(request: Request, core: CoreDep) -> HTMLResponse:
    snapshot = await board_cache(request, core).current()
    domain, province, period, lang = _filters(request, snapshot)

    def t(key: str, **params: Any) -> str:
        return render(key, lang, params)

    def domain_name(label: str) -> str:
        return t("board.all_domains") if label == ALL else t(f"domain.{label}")

    chosen = snapshot.figures(period, domain, province).public()
    summary = _row(domain_name(domain), chosen, lang)
    topics = "; ".join(topic_text(item, lang) for item in chosen["topics"])
    by_domain = [_row(domain_name(d), snapshot.figures(period, d, province).public(), lang) for d in DOMAINS]
    by_province = [_row(p, snapshot.figures(period, domain, p).public(), lang) for p in snapshot.provinces]
    updated = snapshot.computed_at.astimezone(ZoneInfo(core.config.timezone)).strftime("%H:%M %d/%m/%Y")
    return templates.TemplateResponse(request, "board.html", {
        "t": t, "lang": lang, "other_lang": "en" if lang == "vi" else "vi", "domain": domain, "province": province,
        "period": period, "labels": DOMAINS, "provinces": snapshot.provinces, "periods": tuple(PERIODS),
        "domain_name": domain_name, "summary": summary, "by_domain": by_domain, "by_province": by_province,
        "chart": board_view.trend_svg(snapshot.trend(domain, province), lang), "updated": updated, "ALL": ALL,
        "topics": topics,
    })


def _weekly_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    rows = []
    for (domain, province), weeks in sorted(snapshot.weeks.items()):
        for week in weeks:
            rows.append({"domain": domain, "province": province, **week.public()})
    return rows


def _period_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    return [{"period": period, "domain": domain, "province": province, **figures.public()}
            for (period, domain, province), figures in sorted(snapshot.cells.items())]


def _meta(snapshot: Snapshot) -> dict[str, Any]:
    return {"licence": LICENCE, "source": SOURCE, "generated_at": snapshot.computed_at.isoformat(timespec="seconds"),
            "all": ALL, "small_counts": "< 5",
            "definitions": render("board.definitions", "en"), "definitions_vi": render("board.definitions", "vi")}


@router.get("/cong-khai/du-lieu.json")
async def open_data_json(request: Request, core: CoreDep) -> JSONResponse:
    snapshot = await board_cache(request, core).current()
    return JSONResponse({**_meta(snapshot), "weekly": _weekly_rows(snapshot), "periods": _period_rows(snapshot),
                         "resolved_cases": [c.public() for c in snapshot.resolved_cases]})


def _csv(snapshot: Snapshot, rows: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    out.write(f"# licence: {LICENCE}; source: {SOURCE}; generated: {_meta(snapshot)['generated_at']}\n")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["domain", "province"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Link": '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'})


@router.get("/cong-khai/du-lieu-tuan.csv")
async def open_data_weekly_csv(request: Request, core: CoreDep) -> Response:
    snapshot = await board_cache(request, core).current()
    return _csv(snapshot, _weekly_rows(snapshot))


@router.get("/cong-khai/du-lieu-phan-anh.csv")
async def open_data_cases_csv(request: Request, core: CoreDep) -> Response:
    snapshot = await board_cache(request, core).current()
    return _csv(snapshot, [c.public() for c in snapshot.resolved_cases])


@router.get("/cong-khai/du-lieu-chi-so.csv")
async def open_data_figures_csv(request: Request, core: CoreDep) -> Response:
    snapshot = await board_cache(request, core).current()
    return _csv(snapshot, [{**row, "topics": _topics_cell(row["topics"])} for row in _period_rows(snapshot)])


def _topics_cell(topics: list[dict[str, Any]]) -> str:
    """One CSV cell: "nợ lương=7 (before < 5, up); ..." (the JSON has the same as fields)."""
    return "; ".join(f"{t['topic']}={t['count']}" + (f" (before {t['previous']}, {t['trend']})" if t["trend"] else "")
                     for t in topics)



@router.get("/cong-khai/ban-do", response_class=HTMLResponse)
async def board_map(request: Request, core: CoreDep) -> HTMLResponse:
    snapshot = await board_cache(request, core).current()
    domain, _province, period, lang = _filters(request, snapshot)

    def t(key: str, **params: Any) -> str:
        return render(key, lang, params)

    def domain_name(label: str) -> str:
        return t("board.all_domains") if label == ALL else t(f"domain.{label}")

    return templates.TemplateResponse(request, "board_map.html", {
        "t": t, "lang": lang, "other_lang": "en" if lang == "vi" else "vi", "domain": domain, "period": period,
        "labels": DOMAINS, "periods": tuple(PERIODS), "domain_name": domain_name, "ALL": ALL,
        "metrics": METRICS, "query": urlencode({"domain": domain, "period": period, "lang": lang}),
    })


@router.get("/cong-khai/ban-do.json")
async def board_map_data(request: Request, core: CoreDep) -> JSONResponse:
    """Each province's public figures and top problems, with the map's approximate areas."""
    snapshot = await board_cache(request, core).current()
    domain, _province, period, lang = _filters(request, snapshot)
    places, outline = await asyncio.to_thread(lambda: (province_places(), outline_geojson()))
    provinces = []
    for place in places:
        figures = snapshot.figures(period, domain, place.name).public()
        topics = [{**t, "text": topic_text(t, lang)} for t in figures.pop("topics")]
        shown = _row(place.name, figures, lang)
        provinces.append({"name": place.name, "lat": place.lat, "lon": place.lon, "figures": figures,
                          "shown": shown, "topics": topics})
    labels = {key: render(f"board.{key}", lang) for key in
              ("received", "resolved", "on_time", "first_answer", "resolution", "reopened", "rating", "topics")}
    return JSONResponse({"provinces": provinces, "outline": outline, "labels": labels,
                         "attribution": "vietnamadminunits (MIT) · Lắng Nghe"})


@router.get("/cong-khai/phan-anh/{code}", response_class=HTMLResponse)
async def public_case_page(request: Request, code: str, core: CoreDep) -> HTMLResponse:
    """A case's progress, only where its citizen agreed; anything else is "not found" (no hint
    whether the code exists)."""
    lang = _choice(request.query_params.get("lang"), ("vi", "en"), "vi")
    found = await public_case(core, code.upper())
    if found is None:
        raise HTTPException(status_code=404)
    tz = ZoneInfo(core.config.timezone)

    def t(key: str, **params: Any) -> str:
        return render(key, lang, params)

    steps = [(t(f"step.{s.kind}"), s.at.astimezone(tz).strftime("%H:%M %d/%m/%Y")) for s in found.steps]
    return templates.TemplateResponse(request, "public_case.html", {
        "t": t, "lang": lang, "other_lang": "en" if lang == "vi" else "vi", "case": found, "steps": steps,
        "domain_name": t(f"domain.{found.domain}"), "status": t(f"status.{found.status}"),
        "deadline": format_local(found.deadline, core.config, lang),
    })
