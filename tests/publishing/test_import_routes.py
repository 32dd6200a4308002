"""Import through the staff pages (dry run → apply) and the CLI; templates and exports."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlmodel import select

from portal import clock
from portal.audit.models import AuditEvent
from portal.catalogue.models import Plot
from portal.publishing import importer
from portal.publishing.cli import run_export, run_import
from portal.publishing.models import PendingImport
from portal.versioning.models import Revision
from tests.conftest import count_rows, csrf_token
from tests.factories import login
from tests.publishing.factories import make_plot, zone
from tests.publishing.test_importer import cp1258

HEADER = ",".join(importer.PLOT_COLUMNS)
GOOD = [
    "kcn-tran-de,IMP-1,2.5,available,1200000,VND,m2_year,",
    "kcn-tran-de,IMP-2,4,leased,,,,",
]
BAD = "kcn-tran-de,IMP-3,-1,available,,,,"


def upload(client, csrf, body: bytes, *, kind="plots", name="plots.csv", lang="en"):
    return client.post(
        f"/{lang}/staff/import",
        data={"kind": kind, "csrf_token": csrf},
        files={"file": (name, body, "application/octet-stream")},
        follow_redirects=False,
    )


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def imported(session):
    return session.exec(select(Plot).where(Plot.code.like("IMP-%")).order_by(Plot.code)).all()  # type: ignore[attr-defined]


def dry_run(client, session, csrf, body, **kw):
    response = upload(client, csrf, body, **kw)
    assert response.status_code == 303, response.text[-2000:]
    location = response.headers["location"]
    assert re.fullmatch(r"/(vi|en)/staff/import/[A-Za-z0-9_-]{32}", location)
    return location


def test_dry_run_writes_nothing_then_apply_writes_everything_with_audit_and_revisions(client, session, csrf):
    user = login(client, session, roles=["staff"])
    existing = make_plot(session, code="IMP-0", area_ha=3)
    counts = {t: count_rows(session, t) for t in ("plot", "revision", "auditevent")}
    location = dry_run(client, session, csrf, csv_file(*GOOD, "kcn-tran-de,IMP-0,3,reserved,,,,"))
    assert {t: count_rows(session, t) for t in counts} == counts  # dry run: nothing changed
    assert count_rows(session, "pendingimport") == 1
    preview = client.get(location).text
    assert "IMP-1" in preview and "Create" in preview and "<del>available</del> → <ins>reserved</ins>" in preview
    assert "Skip the rows with errors" not in preview
    response = client.post(location + "/apply", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/en/staff/import?kind=plots&done=2-1-0-0"
    assert "2 created, 1 updated, 0 unchanged, 0 skipped" in client.get(response.headers["location"]).text
    session.expire_all()
    plots = imported(session)
    assert [(p.code, p.status) for p in plots] == [("IMP-0", "reserved"), ("IMP-1", "available"), ("IMP-2", "leased")]
    assert (
        plots[1].price_amount == 1200000 and plots[1].source_ref == clock.today().isoformat()
    )  # the date, never the person (issue 15)
    assert count_rows(session, "revision") == counts["revision"] + 3
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_id == user.id))]
    assert actions.count("plot.created") == 2 and actions.count("plot.updated") == 1
    assert "import.applied" in actions
    assert count_rows(session, "pendingimport") == 0
    assert client.get(location).status_code == 404  # applied once; gone
    session.refresh(existing)
    assert existing.version == 2


def test_rows_with_errors_block_apply_unless_skipped(client, session, csrf):
    login(client, session, roles=["staff"])
    location = dry_run(client, session, csrf, csv_file(GOOD[0], BAD), lang="vi")
    preview = client.get(location).text
    assert "Skip the rows with errors" not in preview  # translated in vi
    en = client.get(location.replace("/vi/", "/en/")).text
    assert "Column area_ha: Must be greater than 0." in en and "Skip the rows with errors" in en
    blocked = client.post(location + "/apply", data={"csrf_token": csrf}, follow_redirects=False)
    assert blocked.status_code == 409
    assert imported(session) == []
    done = client.post(location + "/apply", data={"csrf_token": csrf, "skip_bad_rows": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=1-0-0-1")
    assert [p.code for p in imported(session)] == ["IMP-1"]


def test_row_changed_since_the_dry_run_is_a_conflict_and_nothing_is_written(client, session, csrf):
    login(client, session, roles=["staff"])
    plot = make_plot(session, code="IMP-0", area_ha=3)
    location = dry_run(client, session, csrf, csv_file(GOOD[0], "kcn-tran-de,IMP-0,3,leased,,,,"))
    from portal.publishing import plots
    from portal.publishing.schemas import PlotIn

    plots.update_plot(
        session, plot=plot, data=PlotIn(**{**plots.plot_values(plot), "area_ha": 3.5}), expected_version=1, actor=None
    )
    session.commit()
    response = client.post(location + "/apply", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 409
    assert "since the dry run" in response.text
    session.expire_all()
    assert [(p.code, p.status, p.area_ha) for p in imported(session)] == [("IMP-0", "available", 3.5)]


def test_pending_import_belongs_to_its_owner_and_expires(client, session, csrf):
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    login(client, session, roles=["staff"])
    location = dry_run(client, session, csrf, csv_file(*GOOD))
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")
    login(other, session, roles=["staff"])
    assert other.get(location).status_code == 404
    assert other.post(location + "/apply", data={"csrf_token": csrf_token(other)}).status_code == 404
    pending = session.get(PendingImport, location.rsplit("/", 1)[1])
    assert pending.rows and pending.owner_id is not None
    pending.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.add(pending)
    session.commit()
    assert client.get(location).status_code == 404
    assert client.post(location + "/apply", data={"csrf_token": csrf}).status_code == 404
    assert imported(session) == []


def test_discard_removes_the_dry_run(client, session, csrf):
    login(client, session, roles=["staff"])
    location = dry_run(client, session, csrf, csv_file(*GOOD))
    assert client.post(location + "/discard", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert count_rows(session, "pendingimport") == 0


def test_refused_uploads_explain_why_and_store_nothing(client, session, csrf):
    login(client, session, roles=["staff"])
    cases = [
        (cp1258(HEADER + "\nkcn-tran-de,Trần Đề,2,available,,,,\n"), "not UTF-8", 422),
        (b"%PDF-1.4 not a sheet", "not a spreadsheet", 422),
        (csv_file('kcn-tran-de,"=HYPERLINK(""http://x"",""y"")",2,available,,,,'), "Cell B2 (column code)", 422),
        (csv_file(*[f"kcn-tran-de,X{i},1,available,,,," for i in range(90_000)]), "larger than 2 MB", 413),
        (b"zone_slug,code\nkcn-tran-de,A\n", None, 303),
    ]
    for body, message, status in cases:
        response = upload(client, csrf, body)
        assert response.status_code == status, message
        if message:
            assert message in response.text and "Nothing was imported." in response.text
    assert count_rows(session, "pendingimport") == 1  # only the last (well-formed) one
    vi = upload(client, csrf, cp1258(HEADER + "\nkcn-tran-de,Trần,2,available,,,,\n"), lang="vi")
    assert vi.status_code == 422 and "UTF-8" in vi.text and "The file is not UTF-8" not in vi.text


def test_utf16_upload_is_accepted(client, session, csrf):
    login(client, session, roles=["staff"])
    body = "\n".join([HEADER, GOOD[0]]).encode("utf-16")
    location = dry_run(client, session, csrf, body)
    assert "IMP-1" in client.get(location).text


def test_xlsx_upload_and_zone_facts_import(client, session, csrf):
    login(client, session, roles=["staff"])
    rows = [
        {
            "zone_slug": "kcn-tran-de",
            "industrial_land_ha": 110.0,
            "wastewater_status": "building",
            "contact_email": "bql@soctrang.gov.vn",
            "verified_on": "2025-06-30",
        }
    ]
    body = importer.write_xlsx(importer.ZONE_EXPORT_COLUMNS, rows)
    location = dry_run(client, session, csrf, body, kind="zones", name="zones.xlsx")
    assert "bql@soctrang.gov.vn" in client.get(location).text
    assert client.post(location + "/apply", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    session.expire_all()
    z = zone(session)
    assert (z.industrial_land_ha, z.wastewater_status, z.contact_email, str(z.verified_on)) == (
        110.0,
        "building",
        "bql@soctrang.gov.vn",
        "2025-06-30",
    )
    assert z.facts["industrial_land_ha"]["source"] == "staff"
    rev = session.exec(select(Revision).where(Revision.object_type == "zone", Revision.object_id == z.id)).one()
    assert set(rev.changes) == {"industrial_land_ha", "wastewater_status", "contact_email", "verified_on"}


def test_templates_and_exports(client, session):
    login(client, session, roles=["staff"])
    make_plot(session, code="EXP-1", area_ha=1.5)
    csv_template = client.get("/en/staff/import/template.csv?kind=plots")
    assert csv_template.headers["content-disposition"] == 'attachment; filename="plots-template.csv"'
    assert csv_template.content.decode("utf-8-sig").strip() == HEADER
    xlsx = load_workbook(io.BytesIO(client.get("/vi/staff/import/template.xlsx?kind=zones").content))
    assert [c.value for c in xlsx.worksheets[0][1]] == importer.ZONE_COLUMNS
    assert len(xlsx.worksheets) == 2
    exported = client.get("/en/staff/export/plots.csv").content.decode("utf-8-sig")
    assert "kcn-tran-de,EXP-1,1.5,available" in exported
    zones_csv = client.get("/en/staff/export/zones.csv").content.decode("utf-8-sig")
    assert zones_csv.splitlines()[0] == ",".join(importer.ZONE_EXPORT_COLUMNS)
    wb = load_workbook(io.BytesIO(client.get("/en/staff/export/plots.xlsx").content))
    assert wb.active["A1"].value == "zone_slug"


def test_export_escapes_formula_text_from_the_database(client, session, csrf):
    login(client, session, roles=["staff"])
    z = zone(session)
    z.name_vi = '=HYPERLINK("http://evil")'  # however it got there, it leaves as text
    z.contact_phone = "+84 299 3822 222"
    session.add(z)
    session.commit()
    text = client.get("/en/staff/export/zones.csv").content.decode("utf-8-sig")
    assert "'+84 299 3822 222" in text
    assert '"\'=HYPERLINK(""http://evil"")"' in text
    wb = load_workbook(io.BytesIO(client.get("/en/staff/export/zones.xlsx").content))
    cells = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in cells] == [('\'=HYPERLINK("http://evil")', "s")]


def test_cli_import_dry_run_and_apply(db, session):
    out: list[str] = []
    body = csv_file(*GOOD, BAD)
    assert run_import(db, data=body, kind="plots", apply=False, echo=out.append) == 1
    assert any("row 4" in line and "area_ha" in line for line in out)
    assert imported(session) == []
    out.clear()
    assert run_import(db, data=body, kind="plots", apply=True, echo=out.append) == 1
    assert imported(session) == []
    assert run_import(db, data=body, kind="plots", apply=True, skip_bad_rows=True, echo=out.append) == 0
    session.expire_all()
    assert [p.code for p in imported(session)] == ["IMP-1", "IMP-2"]
    assert out[-1] == "applied: 2 created, 0 updated, 0 unchanged, 1 skipped"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "import.applied")).one()
    assert event.actor_label == "cli"
    assert run_import(db, data=b"%PDF", kind="plots", apply=True, echo=out.append) == 1


def test_cli_export(db, session):
    make_plot(session, code="CLI-1", area_ha=2)
    text = run_export(db, kind="plots", fmt="csv").decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER and "kcn-tran-de,CLI-1,2,available" in text
    assert run_export(db, kind="zones", fmt="xlsx")[:2] == b"PK"
