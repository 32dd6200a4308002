"""The one formula guard (portal.spreadsheets) that every CSV/XLSX export and the importer use."""

from datetime import date

import pytest

from portal.spreadsheets import csv_text, is_formula, safe_cell, unescape


@pytest.mark.parametrize("text", ["=1+1", "+84 299", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_is_a_formula_and_is_escaped(text):
    assert is_formula(text)
    assert safe_cell(text) == csv_text(text) == "'" + text
    assert unescape(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["KCN Trần Đề", "", "'quoted", 5, -5, 2.5, None])
def test_other_values_pass_unchanged(value):
    assert not is_formula(value)
    assert csv_text(value) == ("" if value is None else str(value))
    assert unescape(value) == value


def test_export_cells_write_dates_as_iso_text():
    assert safe_cell(date(2026, 12, 2)) == "2026-12-02"
    assert safe_cell(None) == ""
