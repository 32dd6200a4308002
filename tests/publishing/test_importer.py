"""The spreadsheet reader and planner, without the database."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from portal.publishing import importer
from portal.publishing.importer import ImportRefused, plan_plots, plan_zones, read_upload

HEADER = ",".join(importer.PLOT_COLUMNS)
ZONES = {"kcn-tran-de": 1, "kcn-an-nghiep": 2}
SQUARE = '"{""type"":""Polygon"",""coordinates"":[[[106,9.5],[106.01,9.5],[106.01,9.51],[106,9.5]]]}"'


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores it: base letters with their vowel marks, tone marks as combining
    characters (Python's cp1258 codec cannot encode precomposed "ầ", so `"Trần Đề".encode("cp1258")`
    alone raises)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", decomposed[:2])
            try:
                out.append(base.encode("cp1258") + decomposed[2:].encode("cp1258"))
            except UnicodeEncodeError:
                out.append(decomposed[0].encode("cp1258") + decomposed[1:].encode("cp1258"))
    return b"".join(out)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def refused(data: bytes) -> list[str]:
    with pytest.raises(ImportRefused) as info:
        read_upload(data)
    return [p.text("en") for p in info.value.problems]


def xlsx(rows: list[list], *, formula_cells: dict[str, str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref, text in (formula_cells or {}).items():
        ws[ref] = text  # openpyxl stores "=…" as a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- what is refused ---------------------------------------------------------------------------------


def test_windows_1258_file_is_refused_with_advice_to_save_as_utf8():
    data = cp1258(HEADER + "\nkcn-tran-de,Trần Đề 1,2,available,,,,\n")
    assert "Trần Đề".encode() not in data
    messages = refused(data)
    assert "not UTF-8" in messages[0] and "Windows-1258" in messages[0] and "CSV UTF-8" in messages[0]
    assert messages[0] == refused(data)[0]  # deterministic: names the byte and its position


def test_windows_1258_refusal_is_translated():
    with pytest.raises(ImportRefused) as info:
        read_upload(cp1258(HEADER + "\nkcn-tran-de,Trần,2,available,,,,\n"))
    vi = info.value.problems[0].text("vi")
    assert "UTF-8" in vi and vi != info.value.problems[0].text("en")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_decoded(encoding):
    text = HEADER + "\nkcn-tran-de,TĐ-1,2,available,,,,\n"
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    table = read_upload(bom + text.encode(encoding))
    assert table.rows[0][1]["code"] == "TĐ-1"
    assert table.encoding == "utf-16"


def test_utf8_with_bom_and_semicolons_is_read():
    data = "\ufeff" + HEADER.replace(",", ";") + "\nkcn-tran-de;A1;2.5;leased;;;;\n"
    table = read_upload(data.encode("utf-8"))
    assert table.header[0] == "zone_slug"
    assert table.rows == [
        (
            2,
            {
                "zone_slug": "kcn-tran-de",
                "code": "A1",
                "area_ha": "2.5",
                "status": "leased",
                "price_amount": "",
                "price_currency": "",
                "price_unit": "",
                "geometry": "",
            },
        )
    ]


def test_utf16_without_bom_is_refused_as_binary():
    assert "binary" in refused((HEADER + "\n").encode("utf-16-le"))[0]


def test_too_large_is_refused():
    data = csv_bytes(*[f"kcn-tran-de,A{i},1,available,,,," for i in range(80_000)])
    assert len(data) > importer.MAX_BYTES
    assert "2 MB" in refused(data)[0]


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n...",
        b"\x89PNG\r\n\x1a\n....",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls",
    ],
)
def test_not_a_spreadsheet_is_refused(data):
    assert refused(data)


def test_zip_that_is_not_xlsx_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "not an Excel workbook" in refused(buf.getvalue())[0]


def test_empty_file_is_refused():
    assert "empty" in refused(b"   \n")[0]


@pytest.mark.parametrize(
    ("cell", "column", "char"),
    [
        ('"=HYPERLINK(""http://evil.example"",""click"")"', "code", "="),
        ("+cmd", "code", "+"),
        ("-2+3", "code", "-"),
        ("@SUM(A1)", "code", "@"),
        ("=1+1", "area_ha", "="),
    ],
)
def test_formula_injection_cells_are_refused_naming_the_cell(cell, column, char):
    row = ["kcn-tran-de", "A1", "1", "available", "", "", "", ""]
    index = importer.PLOT_COLUMNS.index(column)
    row[index] = cell
    messages = refused(csv_bytes(",".join(row)))
    letter = "ABCDEFGH"[index]
    assert f"Cell {letter}2 (column {column})" in messages[0]
    assert f"“{char}”" in messages[0]


def test_negative_number_in_numeric_column_is_an_invalid_value_not_a_formula():
    table = read_upload(csv_bytes("kcn-tran-de,A1,-5,available,,,,"))
    [row] = plan_plots(table, zones=ZONES, plots={})
    assert row.action == "error"
    assert [(p.field, p.text("en")) for p in row.problems] == [("area_ha", "Must be greater than 0.")]


def test_xlsx_formula_cell_is_refused():
    data = xlsx(
        [importer.PLOT_COLUMNS, ["kcn-tran-de", "A1", 2, "available"]],
        formula_cells={"C2": '=HYPERLINK("http://evil.example","x")'},
    )
    messages = refused(data)
    assert "Cell C2 contains a formula" in messages[0]


def test_xlsx_text_cell_starting_with_equals_is_refused():
    wb = Workbook()
    ws = wb.active
    ws.append(importer.PLOT_COLUMNS)
    ws.append(["kcn-tran-de", "x", 2, "available"])
    ws["B2"].value = "=cmd|' /C calc'!A0"
    ws["B2"].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    messages = refused(buf.getvalue())
    assert "B2" in messages[0]


def test_xlsx_values_are_read_with_types():
    data = xlsx([importer.PLOT_COLUMNS, ["kcn-tran-de", 101, 2.5, "reserved", 1200000, "VND", "m2_year"]])
    table = read_upload(data)
    [row] = plan_plots(table, zones=ZONES, plots={})
    assert row.action == "create"
    assert row.values["code"] == "101" and row.values["area_ha"] == 2.5 and row.values["price_amount"] == 1200000


def test_phone_numbers_with_plus_are_not_formulas():
    header = "zone_slug,contact_phone"
    table = read_upload(csv_bytes("kcn-tran-de,+84 299 3822 222", header=header))
    zones = {"kcn-tran-de": {"id": 1, "version": 3, "contact_phone": None}}
    [row] = plan_zones(table, zones=zones, today=date(2026, 1, 1))
    assert row.action == "update" and row.values == {"contact_phone": "+84 299 3822 222"}


def test_phone_column_still_refuses_real_formulas():
    assert "B2" in refused(csv_bytes('kcn-tran-de,"+HYPERLINK(""x"")"', header="zone_slug,contact_phone"))[0]


# --- columns and rows ----------------------------------------------------------------------------------


def test_missing_and_unknown_columns_are_refused():
    table = read_upload(b"zone_slug,area,status\nkcn-tran-de,1,available\n")
    with pytest.raises(ImportRefused) as info:
        plan_plots(table, zones=ZONES, plots={})
    texts = [p.text("en") for p in info.value.problems]
    assert any("Unknown column “area”" in t for t in texts)
    assert any("column code is missing" in t for t in texts)


def test_plan_reports_every_error_with_row_and_column():
    table = read_upload(
        csv_bytes(
            "kcn-tran-de,A1,2,available,,,,",
            "nowhere,A2,2,available,,,,",
            "kcn-tran-de,A3,abc,sold,100,EUR,,",
            "kcn-tran-de,A1,3,available,,,,",
            "kcn-tran-de,A4,1,available,,,,"
            + SQUARE.replace("106.01,9.51", "105,9.6").replace("106,9.5]]", "106,9.6]]"),
            "kcn-tran-de,A5,1,available,,,,{not json",
            "kcn-tran-de,A6,1,available,5,VND,,",
        )
    )
    plan = plan_plots(table, zones=ZONES, plots={})
    by_row = {r.row: r for r in plan}
    assert by_row[2].action == "create"
    assert [(p.row, p.field) for p in by_row[3].problems] == [(3, "zone_slug")]
    assert {p.field for p in by_row[4].problems} == {"area_ha", "status", "price_currency"}
    assert [p.field for p in by_row[5].problems] == ["code"] and "row 2" in by_row[5].problems[0].text("en")
    assert [p.field for p in by_row[7].problems] == ["geometry"]
    assert [(p.field, p.text("en")) for p in by_row[8].problems] == [("price_unit", "Required when a price is given.")]
    assert by_row[4].problems[0].text("vi") != by_row[4].problems[0].text("en")


def test_plan_update_and_unchanged_against_existing_plots():
    existing = {
        (1, "a1"): {
            "id": 10,
            "version": 4,
            "code": "A1",
            "area_ha": 2.0,
            "status": "available",
            "price_amount": None,
            "price_currency": None,
            "price_unit": None,
            "geometry": None,
        }
    }
    table = read_upload(csv_bytes("kcn-tran-de,a1,2,leased,,,,", "kcn-tran-de,A1,,,,,,".replace(",A1,", ",B1,")))
    plan = plan_plots(table, zones=ZONES, plots=existing)
    assert plan[0].action == "update" and plan[0].target_id == 10 and plan[0].version == 4
    assert plan[0].changes == {"status": ["available", "leased"]}
    assert plan[1].action == "error"  # a new plot needs area and status
    table = read_upload(csv_bytes("kcn-tran-de,A1,2,available,,,,"))
    assert plan_plots(table, zones=ZONES, plots=existing)[0].action == "unchanged"


def test_plan_zones_checks_values_and_consistency():
    zones = {
        "kcn-tran-de": {
            "id": 1,
            "version": 2,
            "total_area_ha": 160.0,
            "industrial_land_ha": None,
            "wastewater_status": None,
            "wastewater_capacity_m3_day": None,
            "lat": None,
            "lon": None,
            "contact_phone": None,
            "contact_email": None,
            "verified_on": None,
        }
    }
    header = ",".join(importer.ZONE_COLUMNS)
    table = read_upload(
        csv_bytes(
            "kcn-tran-de,,120,working,2000,9.5,106.1,,info@example.vn,2025-01-02",
            "kcn-tran-de,,200,,,,,,,",
            "kcn-an-nghiep,,,boiling,,91,,,not-an-email,2999-01-01",
            header=header,
        )
    )
    plan = plan_zones(table, zones=zones | {"kcn-an-nghiep": {**zones["kcn-tran-de"], "id": 2}}, today=date(2026, 1, 1))
    assert plan[0].action == "update"
    assert plan[0].changes["industrial_land_ha"] == [None, 120.0]
    assert plan[0].values["verified_on"] == "2025-01-02"
    assert plan[1].action == "error"  # repeated zone
    assert {p.field for p in plan[2].problems} == {"wastewater_status", "lat", "contact_email", "verified_on"}


# --- writing ----------------------------------------------------------------------------------------


def test_export_cells_are_formula_safe_in_csv_and_xlsx():
    rows = [
        {
            "zone_slug": "kcn-tran-de",
            "code": '=HYPERLINK("http://evil")',
            "area_ha": -1.0,
            "status": "@x",
            "price_amount": 1200000.0,
        }
    ]
    text = importer.write_csv(importer.PLOT_COLUMNS, rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@x" in text and ",-1," in text
    wb = load_workbook(io.BytesIO(importer.write_xlsx(importer.PLOT_COLUMNS, rows)))
    ws = wb.active
    assert ws["B2"].value == '\'=HYPERLINK("http://evil")' and ws["B2"].data_type == "s"
    assert ws["C2"].value == -1


def test_exported_file_reads_back_the_same_values():
    rows = [
        {
            "zone_slug": "kcn-tran-de",
            "code": "A-1",
            "area_ha": 2.5,
            "status": "leased",
            "price_amount": 1.5,
            "price_currency": "USD",
            "price_unit": "m2_year",
            "geometry": None,
        }
    ]
    for data in (importer.write_csv(importer.PLOT_COLUMNS, rows), importer.write_xlsx(importer.PLOT_COLUMNS, rows)):
        [row] = plan_plots(read_upload(data), zones=ZONES, plots={})
        assert row.action == "create"
        assert row.values == {
            "code": "A-1",
            "area_ha": 2.5,
            "status": "leased",
            "price_amount": 1.5,
            "price_currency": "USD",
            "price_unit": "m2_year",
            "geometry": None,
        }
