"""Open data: the data dictionary page (/{lang}/open-data), exports of plots, sectors and the published
registry (/api/v1/…csv|json, with ETag/Last-Modified), /sitemap.xml and /robots.txt."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from portal.catalogue import service as catalogue
from portal.db import SessionDep
from portal.i18n import LOCALES, Lang
from portal.opendata import service
from portal.spreadsheets import csv_text
from portal.web.caching import (
    cached_response,
    catalogue_generation,
    export_responses,
    generation_etag,
    json_array_chunks,
    last_modified,
    streamed_response,
)
from portal.web.render import render

pages = APIRouter(prefix="/{lang}", include_in_schema=False)
root = APIRouter(include_in_schema=False)
api = APIRouter(tags=["open data"])

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


@pages.get("/open-data")
def open_data_page(request: Request, lang: Lang):
    return render(
        request,
        lang,
        "opendata/open_data.html",
        {
            "exports": service.EXPORTS,
            "licence_name": service.LICENCE_NAME,
            "licence_url": service.LICENCE_URL,
            "base_url": request.app.state.settings.base_url,
        },
    )


# --- exports ---------------------------------------------------------------------------------------


def csv_body(columns: list[str], rows: list[dict]) -> str:
    """CSV with a BOM (spreadsheets read UTF-8), every cell formula-injection safe."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_text(row.get(k)) for k in columns})
    return "\ufeff" + buf.getvalue()


def _csv(request: Request, columns, rows, modified, filename: str) -> Response:
    return cached_response(
        request,
        csv_body(columns, rows),
        CSV,
        modified,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _json(request: Request, key: str, rows, modified, filename: str) -> Response:
    body = json.dumps({key: rows}, ensure_ascii=False)
    return cached_response(
        request, body, JSON, modified, headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


def _streamed(request: Request, session, build, media_type: str, filename: str, *, attachment: bool) -> Response:
    """A streamed export: ETag from the catalogue generation (a 304 reads it and builds nothing); the body
    `build(s)` (rows read through `s`), kept per generation by the export cache."""
    db, cache = request.app.state.db, request.app.state.export_cache
    generation = catalogue_generation(session)
    etag = generation_etag(generation, filename)
    modified = cache.last_modified(
        session, "plots", generation, lambda: last_modified([catalogue.plots_modified(session)])
    )
    disposition = "attachment" if attachment else "inline"

    def chunks():
        with db.session(read_only=True) as s:
            yield from cache.chunks(s, filename, lambda: build(s), modified=modified)

    return streamed_response(
        request,
        chunks,
        media_type,
        etag=etag,
        last_modified=modified,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )


def _stamped(found: tuple[list[dict], list]) -> tuple[list[dict], datetime | None]:
    rows, stamps = found
    return rows, last_modified(stamps)


CSV_RESPONSES = export_responses(CSV)
JSON_RESPONSES = export_responses(JSON, json_body=True)


@api.get(
    "/plots.csv",
    response_class=Response,
    responses=CSV_RESPONSES,
    summary="Plots of the published zones as CSV (open data)",
)
def plots_csv(request: Request, session: SessionDep):
    def build(s):
        yield csv_body(service.PLOT_COLUMNS, [])  # the BOM and the header
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for n, cells in enumerate(service.iter_plot_cells(s), 1):
            writer.writerow(cells)
            if n % service.STREAM_BATCH == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        if buf.tell():
            yield buf.getvalue()

    return _streamed(request, session, build, CSV, "plots.csv", attachment=True)


@api.get(
    "/plots.json",
    response_class=Response,
    responses=JSON_RESPONSES,
    summary="Plots of the published zones as JSON, with geometry (open data)",
)
def plots_json(request: Request, session: SessionDep):
    def build(s):
        return json_array_chunks("plots", service.iter_plots(s, with_geometry=True))

    return _streamed(request, session, build, JSON, "plots.json", attachment=False)


@api.get(
    "/sectors.csv",
    response_class=Response,
    responses=CSV_RESPONSES,
    summary="Sectors (VSIC 2018) with priority and environmental classes as CSV (open data)",
)
def sectors_csv(request: Request, session: SessionDep):
    rows = [{**r, "sources": service.sources_cell(r["sources"])} for r in service.list_sectors(session)]
    return _csv(request, service.SECTOR_COLUMNS, rows, None, "sectors.csv")


@api.get(
    "/sectors.json",
    response_class=Response,
    responses=JSON_RESPONSES,
    summary="Sectors (VSIC 2018) with priority and environmental classes as JSON (open data)",
)
def sectors_json(request: Request, session: SessionDep):
    return _json(request, "sectors", service.list_sectors(session), None, "sectors.json")


@api.get(
    "/registry.csv",
    response_class=Response,
    responses=CSV_RESPONSES,
    summary="Published projects of the registry as CSV (open data)",
)
def registry_csv(request: Request, session: SessionDep):
    rows, modified = _stamped(service.list_registry(session))
    return _csv(request, service.REGISTRY_COLUMNS, rows, modified, "registry.csv")


@api.get(
    "/registry.json",
    response_class=Response,
    responses=JSON_RESPONSES,
    summary="Published projects of the registry as JSON (open data)",
)
def registry_json(request: Request, session: SessionDep):
    rows, modified = _stamped(service.list_registry(session))
    return _json(request, "projects", rows, modified, "registry.json")


# --- discoverability -------------------------------------------------------------------------------

ROBOTS_DISALLOW = tuple(
    f"/{lang}/{area}/" for area in ("staff", "review", "admin", "proposals/status") for lang in LOCALES
)


@root.get("/robots.txt", include_in_schema=False)
def robots(request: Request) -> PlainTextResponse:
    base = request.app.state.settings.base_url.rstrip("/")
    lines = ["User-agent: *"]
    # Allow lines first: parsers that take the first match (Python's robotparser) and those that take
    # the longest (Google) then agree.
    lines += [f"Allow: {path}" for path in service.EXPORT_PATHS]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines += ["Disallow: /api/", "", f"Sitemap: {base}/sitemap.xml", ""]
    return PlainTextResponse("\n".join(lines))


@root.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """No icon yet: answer 204 so browsers stop asking (and log no error) instead of a redirect to a 404."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


@root.get("/sitemap.xml", include_in_schema=False)
def sitemap(request: Request, session: SessionDep) -> Response:
    base = request.app.state.settings.base_url.rstrip("/")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for page in service.sitemap_pages(session):
        urls = {lang: f"{base}/{lang}{page.path}" for lang in LOCALES}
        alternates = [
            f'    <xhtml:link rel="alternate" hreflang="{lang}" href={quoteattr(url)}/>' for lang, url in urls.items()
        ]
        alternates.append(f'    <xhtml:link rel="alternate" hreflang="x-default" href={quoteattr(urls["vi"])}/>')
        for url in urls.values():
            out.append("  <url>")
            out.append(f"    <loc>{escape(url)}</loc>")
            if page.lastmod is not None:
                out.append(f"    <lastmod>{last_modified([page.lastmod]).date().isoformat()}</lastmod>")
            out.extend(alternates)
            out.append("  </url>")
    out.append("</urlset>\n")
    return Response("\n".join(out), media_type="application/xml")


router = APIRouter(include_in_schema=False)
router.include_router(pages)
router.include_router(root)
