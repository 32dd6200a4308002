"""`portal screen FILE.json`: the API's answer on the command line; exit 2 naming the field."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from portal.cli import app
from tests.intake.factories import facts


@pytest.fixture
def run(db, monkeypatch, tmp_path):
    from portal.screening import cli

    monkeypatch.setattr(cli, "_database", lambda: db)
    runner = CliRunner()

    def invoke(data, *args):
        path = tmp_path / "facts.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return runner.invoke(app, ["screen", str(path), *args])

    return invoke


def test_same_result_as_the_api(run, client):
    body = facts(technology_level="standard")
    result = run(body, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == client.post("/api/v1/screening?lang=en", json=body).json()


def test_vietnamese_by_default(run, client):
    result = run(facts())
    assert result.exit_code == 0
    assert json.loads(result.stdout) == client.post("/api/v1/screening", json=facts()).json()


def test_text_format(run):
    result = run(facts(technology_level="standard"), "--format", "text", "--lang", "en")
    assert result.exit_code == 0
    assert result.stdout.startswith("verdict: refuse")
    assert "[refuse] sensitive-sector-refused" in result.stdout and "IV.7" in result.stdout


def test_batch(run):
    result = run([facts(), facts(technology_level="standard")], "--lang", "en")
    assert result.exit_code == 0
    verdicts = [r["verdict"] for r in json.loads(result.stdout)]
    assert verdicts == ["conditional", "refuse"]  # the unpublished plant state is an advisory (issue 12)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (facts(sectors=["9999"]), "sectors.0"),
        (facts(zone="nope"), "zone"),
        (facts(land_ha=20000), "land_ha"),
        (facts(technology_level="magic"), "technology_level"),
        ([facts(), facts(equipment_year=2999)], "[1].equipment_year"),
        ("{not json", "not valid JSON"),
        ([1], "expected a JSON object"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(run, data, field):
    result = run(data)
    assert result.exit_code == 2
    assert field in result.stderr
    assert result.stdout == ""


def test_bad_options(run):
    assert run(facts(), "--lang", "fr").exit_code == 2
    assert run(facts(), "--format", "xml").exit_code == 2


def test_missing_file(db, monkeypatch, tmp_path):
    from portal.screening import cli

    monkeypatch.setattr(cli, "_database", lambda: db)
    result = CliRunner().invoke(app, ["screen", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and "cannot read" in result.stderr
