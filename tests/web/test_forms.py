"""The forms kernel (portal/web/forms.py): readers, the one error model, pydantic errors → form fields."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.datastructures import FormData, UploadFile

from portal.i18n import N_
from portal.web import forms
from portal.web.forms import Errors, Invalid


def test_readers_strip_cut_and_ignore_files():
    form = FormData(
        [
            ("name", "  Lan  "),
            ("long", "x" * 9000),
            ("file", UploadFile(file=None, filename="a.pdf")),
            ("codes", " 1020 "),
            ("codes", ""),
            ("codes", "1020"),
            ("codes", "1030"),
            ("ok", "on"),
        ]
    )
    assert forms.text(form, "name") == "Lan"
    assert forms.text(form, "name", strip=False) == "  Lan  "
    assert len(forms.text(form, "long")) == forms.MAX_FIELD_CHARS
    assert forms.text(form, "file") == "" and forms.text(form, "absent") == ""
    assert forms.texts(form, "codes") == ["1020", "1030"]
    assert forms.checked(form, "ok") and not forms.checked(form, "name")
    assert forms.read(form, single=("name",), multi=("codes",)) == {"name": "Lan", "codes": ["1020", "1030"]}


def test_errors_keep_order_once_and_translate_when_shown():
    errors = Errors()
    errors.add("land_ha", N_("Enter a number."))
    errors.add("land_ha", N_("Enter a number."))
    errors.add("land_ha", N_("Too long: at most %(max)s characters."), max=5000)
    assert [e.message for e in errors["land_ha"]] == ["Enter a number.", "Too long: at most %(max)s characters."]
    assert errors.localize("vi")["land_ha"][0] == "Vui lòng nhập một số."
    assert errors.localize("en")["land_ha"][1] == "Too long: at most 5,000 characters."
    assert errors.localize("vi")["land_ha"][1].endswith("5.000 ký tự.")
    assert errors.messages() == {"land_ha": "Enter a number."}


def test_numbers_take_a_decimal_comma_and_refuse_words():
    errors = Errors()
    values = {"a": "12,5", "b": "1 000", "c": "abc", "d": "2.5", "e": ""}
    assert forms.number(values, "a", errors) == 12.5
    assert forms.number(values, "b", errors, whole=True) == 1000
    assert forms.number(values, "c", errors) is None
    assert forms.number(values, "d", errors, whole=True) is None
    assert forms.number(values, "e", errors) is None
    assert errors.messages() == {"c": "Enter a number.", "d": "Enter a whole number."}


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    size: int


def test_pydantic_errors_land_on_their_form_fields():
    errors = Errors()
    assert forms.validate(Thing, {"name": "toolong", "size": "x"}, errors) is None
    assert errors.messages() == {"name": "Too long: at most %(max)s characters.", "size": "Enter a number."}
    errors = Errors()
    shown = forms.validate(Thing, {"size": 1}, errors, where=lambda loc: (str(loc[0]), "f-" + str(loc[0])))
    assert shown is None and errors.messages() == {"f-name": "This field is required."}
    assert forms.validate(Thing, {"name": "ab", "size": "3"}, Errors()) == Thing(name="ab", size=3)


def test_collect_runs_each_parser_and_files_each_refusal():
    def positive(raw):
        value = int(raw)
        if value <= 0:
            raise Invalid(N_("Must be greater than 0."))
        return value

    errors = Errors()
    values = forms.collect({"a": "2", "b": "-1"}, {"a": positive, "b": positive}, errors)
    assert values == {"a": 2} and errors.messages() == {"b": "Must be greater than 0."}
    assert forms.kept({"a": 2, "b": None}, ("a", "b", "c")) == {"a": "2", "b": "", "c": ""}
