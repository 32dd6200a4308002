"""The one decimal parser (portal.numbers) behind forms, filters and the import format."""

import pytest

from portal.numbers import parse_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", 12.5), ("12.5", 12.5), ("1 200", 1200.0), ("1\u00a0200,75", 1200.75), ("-3", -3.0), ("0", 0.0)],
)
def test_numbers_as_people_type_them(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1,200.5", "1.2.3", "nan", "inf", "-inf", "1e999"])
def test_what_is_not_one_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_decimal(text)
