"""Spreadsheet import and export, without the database.

    table = read_upload(data)                      # bytes → Table, or ImportRefused (why, in msgids)
    rows  = plan_plots(table, zones=…, plots=…)    # what each row would do: create | update | unchanged | error
    data  = write_csv(columns, rows) / write_xlsx(columns, rows)

Refused outright (the whole file): not CSV/XLSX (content is sniffed, the file name is not trusted), larger
than 2 MB, text that is not UTF-8 / UTF-16 (a Windows-1258 file is refused with the advice to save it as
"CSV UTF-8"), a missing or repeated column, and any cell that a spreadsheet would run as a formula (text
starting with = + - @, tab or CR; XLSX formula cells). A number such as -5 in a numeric column is not a
formula: it is an invalid negative, reported on its row. An empty cell leaves the current value unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from portal.catalogue.models import WastewaterStatus
from portal.i18n import N_
from portal.publishing.schemas import (
    MAX_CAPACITY_M3_DAY,
    PHONE_RE,
    Invalid,
    Problem,
    parse_choice,
    parse_date,
    parse_email,
    parse_number,
    parse_phone,
    plot_consistency,
    plot_parsers,
    zone_consistency,
)
from portal.spreadsheets import is_formula, safe_cell, unescape

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
KINDS = ("plots", "zones")

PLOT_COLUMNS = ["zone_slug", "code", "area_ha", "status", "price_amount", "price_currency", "price_unit", "geometry"]
ZONE_COLUMNS = [
    "zone_slug",
    "total_area_ha",
    "industrial_land_ha",
    "wastewater_status",
    "wastewater_capacity_m3_day",
    "lat",
    "lon",
    "contact_phone",
    "contact_email",
    "verified_on",
]
COLUMNS = {"plots": PLOT_COLUMNS, "zones": ZONE_COLUMNS}
REQUIRED = {"plots": ["zone_slug", "code"], "zones": ["zone_slug"]}
INFO_COLUMNS = {"plots": [], "zones": ["name_vi", "name_en"]}  # in exports for reading; ignored on import
ZONE_EXPORT_COLUMNS = ZONE_COLUMNS[:1] + INFO_COLUMNS["zones"] + ZONE_COLUMNS[1:]
NUMERIC_COLUMNS = {
    "area_ha",
    "price_amount",
    "total_area_ha",
    "industrial_land_ha",
    "wastewater_capacity_m3_day",
    "lat",
    "lon",
}

COLUMN_HELP = {
    "zone_slug": N_("The zone's short name in its web address, e.g. kcn-tran-de (see the zone list)."),
    "code": N_("Plot code, unique in its zone: letters, digits and . _ / -"),
    "area_ha": N_("Area in hectares, a dot for decimals, e.g. 2.5"),
    "status": N_("available, reserved or leased"),
    "price_amount": N_("Lease price (a number), or empty"),
    "price_currency": N_("VND or USD (required with a price)"),
    "price_unit": N_("m2_year (per m² per year) or m2_lease_term (per m² for the lease term)"),
    "geometry": N_("Optional GeoJSON Polygon or MultiPolygon, longitude/latitude (WGS 84)"),
    "total_area_ha": N_("Total area in hectares"),
    "industrial_land_ha": N_("Industrial land in hectares (not more than the total area)"),
    "wastewater_status": N_("working, building, planned or none"),
    "wastewater_capacity_m3_day": N_("Wastewater plant capacity in m³ per day"),
    "lat": N_("Latitude in degrees, e.g. 9.6"),
    "lon": N_("Longitude in degrees, e.g. 106.0"),
    "contact_phone": N_("Contact phone number"),
    "contact_email": N_("Contact email address"),
    "verified_on": N_("Date the facts were checked, YYYY-MM-DD"),
}


class ImportRefused(Exception):
    """The whole file is refused; `problems` say why (field = "file" or a column, row when known)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def refuse(message: str, **params: Any) -> ImportRefused:
    return ImportRefused([Problem("file", message, params)])


@dataclass
class Table:
    format: str  # csv | xlsx
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, {column: value})
    encoding: str | None = None


# --- reading ------------------------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """'xlsx' or 'csv' from the content; refuses anything else."""
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            raise refuse(N_("The file looks like a damaged ZIP/XLSX file.")) from None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return "xlsx"
        raise refuse(N_("This ZIP file is not an Excel workbook (.xlsx). Upload a CSV or XLSX file."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(N_("Old Excel files (.xls) are not accepted. Save the sheet as .xlsx or as CSV UTF-8."))
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ")):
        raise refuse(N_("This file is not a spreadsheet. Upload a CSV or XLSX file."))
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """Text of a CSV upload and the encoding used: UTF-8 (with or without BOM) or UTF-16/32 with a BOM."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as err:
                raise refuse(
                    N_(
                        "The file starts with a %(encoding)s byte-order mark but its text is not valid "
                        "%(encoding)s (byte %(position)s). Save it again as CSV UTF-8."
                    ),
                    encoding=encoding.upper().replace("-SIG", ""),
                    position=err.start,
                ) from None
    if b"\x00" in data[:4096]:
        raise refuse(
            N_(
                "The file contains binary data (NUL bytes): it is not a CSV text file. If it is UTF-16 "
                "text without a byte-order mark, save it again as CSV UTF-8."
            )
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        raise refuse(
            N_(
                "The file is not UTF-8 text: the byte at position %(position)s (0x%(byte)s) cannot be read "
                "as UTF-8. It was probably saved in a Windows code page such as Windows-1258. In Excel use "
                "“Save As → CSV UTF-8 (Comma delimited)” and upload it again."
            ),
            position=err.start,
            byte=f"{data[err.start]:02X}",
        ) from None


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    text, encoding = decode_text(data)
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        raw_rows = list(reader)
    except csv.Error as err:
        raise refuse(N_("The CSV file could not be read: %(reason)s."), reason=str(err)) from None
    return _table("csv", raw_rows, encoding)


def _read_xlsx(data: bytes) -> Table:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        if sum(i.file_size for i in zf.infolist()) > MAX_XLSX_UNCOMPRESSED:
            raise refuse(N_("The workbook is too large once unpacked."))
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many types for broken workbooks
        raise refuse(N_("The Excel file could not be read. Save it again as .xlsx and retry.")) from None
    try:
        ws = wb.worksheets[0]
        raw_rows: list[list[Any]] = []
        formulas: list[Problem] = []
        for r, row in enumerate(ws.iter_rows(), start=1):
            values = []
            for c, cell in enumerate(row, start=1):
                value = cell.value
                if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and getattr(cell, "data_type", None) != "s"
                ):
                    formulas.append(
                        Problem(
                            "file",
                            N_("Cell %(cell)s contains a formula; only plain values are accepted."),
                            {"cell": _cell_name(c, r)},
                            row=r,
                        )
                    )
                values.append(value)
            raw_rows.append(values)
            if r > MAX_ROWS + 1:
                break
    finally:
        wb.close()
    if formulas:
        raise ImportRefused(formulas)
    return _table("xlsx", raw_rows, None)


def _cell_name(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _table(fmt: str, raw_rows: list[list[Any]], encoding: str | None) -> Table:
    raw_rows = [r for r in raw_rows]
    while raw_rows and all(_blank(v) for v in raw_rows[-1]):
        raw_rows.pop()
    if not raw_rows:
        raise refuse(N_("The file is empty."))
    header = [("" if v is None else str(v)).strip().lstrip("\ufeff").strip().lower() for v in raw_rows[0]]
    while header and header[-1] == "":
        header.pop()
    if len(raw_rows) - 1 > MAX_ROWS:
        raise refuse(N_("Too many rows: at most %(max)s per file."), max=MAX_ROWS)
    rows = []
    for number, values in enumerate(raw_rows[1:], start=2):
        if all(_blank(v) for v in values):
            continue
        if len(values) > len(header) and any(not _blank(v) for v in values[len(header) :]):
            raise refuse(N_("Row %(row)s has more cells than the header has columns."), row=number)
        rows.append((number, {name: values[i] if i < len(values) else None for i, name in enumerate(header)}))
    return Table(fmt, header, rows, encoding)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_upload(data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise refuse(N_("The file is larger than 2 MB. Split it into smaller files."))
    if not data.strip():
        raise refuse(N_("The file is empty."))
    fmt = sniff(data)
    table = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    check_formulas(table)
    return table


def formula_risk(column: str, value: Any) -> bool:
    """True when a text cell would be run as a formula by a spreadsheet (after our own escaping is removed).

    Plain numbers (-5, +3.2) in numeric columns and phone numbers (+84 …) are not formulas."""
    value = unescape(value)
    if not is_formula(value):
        return False
    text = value.strip()
    if column in NUMERIC_COLUMNS:
        try:
            float(text)
            return False
        except ValueError:
            return True
    return not (column == "contact_phone" and PHONE_RE.match(text))


def check_formulas(table: Table) -> None:
    problems = []
    for number, row in table.rows:
        for c, name in enumerate(table.header, start=1):
            value = row.get(name)
            if formula_risk(name, value):
                problems.append(
                    Problem(
                        "file",
                        N_(
                            "Cell %(cell)s (column %(column)s) starts with “%(char)s”: a "
                            "spreadsheet would run it as a formula. Remove it or type the "
                            "value without that sign."
                        ),
                        {
                            "cell": _cell_name(c, number),
                            "column": name,
                            "char": unescape(value)[:1].replace("\t", "TAB").replace("\r", "CR"),
                        },
                        row=number,
                    )
                )
    if problems:
        raise ImportRefused(problems)


def check_columns(table: Table, kind: str) -> None:
    allowed = set(COLUMNS[kind]) | set(INFO_COLUMNS[kind])
    problems = []
    seen = set()
    for name in table.header:
        if name in seen:
            problems.append(Problem("file", N_("Column %(column)s appears twice."), {"column": name}))
        seen.add(name)
        if name and name not in allowed:
            problems.append(
                Problem(
                    "file",
                    N_("Unknown column “%(column)s”. Expected: %(expected)s."),
                    {"column": name, "expected": ", ".join(COLUMNS[kind])},
                )
            )
        if not name:
            problems.append(Problem("file", N_("A column has no name in the header row.")))
    for name in REQUIRED[kind]:
        if name not in seen:
            problems.append(Problem("file", N_("The column %(column)s is missing."), {"column": name}))
    if problems:
        raise ImportRefused(problems)


# --- planning ---------------------------------------------------------------------------------------


@dataclass
class PlanRow:
    row: int
    action: str  # create | update | unchanged | error
    key: str
    values: dict[str, Any] = field(default_factory=dict)  # typed values to write (JSON-safe)
    changes: dict[str, list] = field(default_factory=dict)  # field: [before, after]
    target_id: int | None = None
    version: int | None = None  # version seen at the dry run (optimistic locking on apply)
    zone_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "action": self.action,
            "key": self.key,
            "values": self.values,
            "changes": self.changes,
            "target_id": self.target_id,
            "version": self.version,
            "zone_id": self.zone_id,
            "problems": [p.as_json() for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict) -> PlanRow:
        return cls(
            row=data["row"],
            action=data["action"],
            key=data["key"],
            values=data.get("values") or {},
            changes=data.get("changes") or {},
            target_id=data.get("target_id"),
            version=data.get("version"),
            zone_id=data.get("zone_id"),
            problems=[Problem.from_json(p) for p in data.get("problems") or []],
        )


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _cell_text(value: Any) -> Any:
    """XLSX numbers in text columns (a plot code 101) become text; strings are stripped."""
    value = unescape(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value


def _zone_slug(cells: dict[str, Any], number: int, known: Container[str], problems: list[Problem]) -> str:
    """The row's `zone_slug`; a problem is added when it is missing or names no known zone."""
    slug = str(_cell_text(cells.get("zone_slug")) or "").strip()
    if not slug:
        problems.append(Problem("zone_slug", N_("This field is required."), row=number))
    elif slug not in known:
        problems.append(Problem("zone_slug", N_("Unknown zone “%(slug)s”."), {"slug": slug}, row=number))
    return slug


def _parse_cells(
    table: Table,
    cells: dict[str, Any],
    columns: Sequence[str],
    parsers: dict[str, Any],
    number: int,
    problems: list[Problem],
) -> dict[str, Any]:
    """The non-blank cells of the columns this file has, parsed; each failure becomes a problem."""
    provided: dict[str, Any] = {}
    for name in columns:
        if name not in table.header:
            continue
        value = cells.get(name)
        value = unescape(value) if name in NUMERIC_COLUMNS else _cell_text(value)
        if isinstance(value, datetime):  # an XLSX date cell
            value = value.date()
        if _blank(value):
            continue
        try:
            provided[name] = parsers[name](value)
        except Invalid as err:
            problems.append(Problem(name, err.message, err.params, row=number))
    return provided


def plan_plots(table: Table, *, zones: dict[str, int], plots: dict[tuple[int, str], dict]) -> list[PlanRow]:
    """`zones` slug → id; `plots` (zone_id, code lowered) → {"id", "version", <PLOT_FIELDS>…}."""
    check_columns(table, "plots")
    parsers = plot_parsers()
    seen: dict[tuple[int, str], int] = {}
    out = []
    for number, cells in table.rows:
        problems: list[Problem] = []
        slug = _zone_slug(cells, number, zones, problems)
        zone_id = zones.get(slug)
        provided = _parse_cells(table, cells, PLOT_COLUMNS[1:], parsers, number, problems)
        code = provided.get("code") or str(_cell_text(cells.get("code")) or "").strip()
        key = f"{slug}/{code}"
        if "code" not in provided and not any(p.field == "code" for p in problems):
            problems.append(Problem("code", N_("This field is required."), row=number))
        existing = plots.get((zone_id, code.lower())) if zone_id is not None and code else None
        if zone_id is not None and code:
            first = seen.get((zone_id, code.lower()))
            if first is not None:
                problems.append(
                    Problem("code", N_("This plot already appears on row %(first)s."), {"first": first}, row=number)
                )
            else:
                seen[(zone_id, code.lower())] = number
        if existing is None:
            for name in ("area_ha", "status"):
                if name not in provided and not any(p.field == name for p in problems):
                    problems.append(Problem(name, N_("Required for a new plot."), row=number))
        if not problems:
            merged = {name: (existing or {}).get(name) for name in PLOT_COLUMNS[1:]}
            merged.update(provided)
            if existing is not None:
                merged["code"] = existing["code"]  # codes match case-insensitively; keep the stored spelling
            problems += [Problem(p.field, p.message, p.params, row=number) for p in plot_consistency(merged)]
        if problems:
            out.append(PlanRow(number, "error", key, problems=problems, zone_id=zone_id))
            continue
        if existing is None:
            values = {k: _json_safe(v) for k, v in merged.items()}
            changes = {k: [None, v] for k, v in values.items() if v is not None}
            out.append(PlanRow(number, "create", key, values, changes, zone_id=zone_id))
        else:
            changes = {
                k: [_json_safe(existing.get(k)), _json_safe(v)] for k, v in merged.items() if existing.get(k) != v
            }
            action = "update" if changes else "unchanged"
            out.append(
                PlanRow(
                    number,
                    action,
                    key,
                    {k: _json_safe(v) for k, v in merged.items()},
                    changes,
                    target_id=existing["id"],
                    version=existing["version"],
                    zone_id=zone_id,
                )
            )
    return out


def zone_cell_parsers(today: date) -> dict[str, Any]:
    return {
        "total_area_ha": lambda v: parse_number(v),
        "industrial_land_ha": lambda v: parse_number(v),
        "wastewater_status": lambda v: parse_choice(v, [s.value for s in WastewaterStatus]),
        "wastewater_capacity_m3_day": lambda v: parse_number(v, maximum=MAX_CAPACITY_M3_DAY),
        "lat": lambda v: parse_number(v, minimum=-90, maximum=90),
        "lon": lambda v: parse_number(v, minimum=-180, maximum=180),
        "contact_phone": parse_phone,
        "contact_email": parse_email,
        "verified_on": lambda v: parse_date(v, today=today),
    }


def plan_zones(table: Table, *, zones: dict[str, dict], today: date) -> list[PlanRow]:
    """`zones` slug → {"id", "version", <ZONE_COLUMNS[1:]>…} (current values)."""
    check_columns(table, "zones")
    parsers = zone_cell_parsers(today)
    seen: dict[str, int] = {}
    out = []
    for number, cells in table.rows:
        problems: list[Problem] = []
        slug = _zone_slug(cells, number, zones, problems)
        current = zones.get(slug)
        if current is not None and slug in seen:
            first = {"first": seen[slug]}
            problems.append(Problem("zone_slug", N_("This zone already appears on row %(first)s."), first, row=number))
        elif current is not None:
            seen[slug] = number
        provided = _parse_cells(table, cells, ZONE_COLUMNS[1:], parsers, number, problems)
        if not problems and current is not None:
            merged = {name: current.get(name) for name in ZONE_COLUMNS[1:]}
            merged.update(provided)
            problems += [Problem(p.field, p.message, p.params, row=number) for p in zone_consistency(merged)]
        if problems:
            out.append(PlanRow(number, "error", slug, problems=problems))
            continue
        assert current is not None
        changes = {k: [_json_safe(current.get(k)), _json_safe(v)] for k, v in provided.items() if current.get(k) != v}
        out.append(
            PlanRow(
                number,
                "update" if changes else "unchanged",
                slug,
                {k: _json_safe(v) for k, v in provided.items()},
                changes,
                target_id=current["id"],
                version=current["version"],
                zone_id=current["id"],
            )
        )
    return out


# --- writing ----------------------------------------------------------------------------------------


def write_csv(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(safe_cell(row.get(c))) for c in columns])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def _csv_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_xlsx(
    columns: list[str],
    rows: list[dict[str, Any]],
    *,
    help_rows: list[tuple[str, str]] | None = None,
    sheet: str = "data",
    help_title: str = "help",
) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(columns)
    for row in rows:
        ws.append([safe_cell(row.get(c)) for c in columns])
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
    if help_rows:
        hs = wb.create_sheet(help_title[:31])
        for name, text in help_rows:
            hs.append([name, text])
            for cell in hs[hs.max_row]:
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
