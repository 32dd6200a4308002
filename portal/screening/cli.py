"""`portal screen FILE.json [--lang en] [--format json|text]`: the pre-check from the command line.

FILE holds the facts as `POST /api/v1/screening` takes them, or a list of such objects (batch); `-` reads
standard input. The output is the API's answer (a list for a batch). Exit code 0; 2 when the input is
invalid, with each bad field named on standard error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from portal.screening import ScreeningFacts, service

EXIT_INVALID = 2


def _database():
    from portal.db import Database
    from portal.settings import get_settings

    return Database(get_settings().database_url)


def _location(loc: tuple, index: int | None) -> str:
    parts = ([f"[{index}]"] if index is not None else []) + [str(p) for p in loc]
    return ".".join(parts) or "(body)"


def screen_items(session, items: list[Any], lang: str) -> tuple[list[dict], list[str]]:
    """Screen each item; returns (results, problems). Problems name the item and the field."""
    results: list[dict] = []
    problems: list[str] = []
    batch = len(items) > 1
    for i, item in enumerate(items):
        where = i if batch else None
        if not isinstance(item, dict):
            problems.append(f"{_location((), where)}: expected a JSON object with the facts")
            continue
        try:
            prepared = service.prepare(session, ScreeningFacts.model_validate(item))
        except ValidationError as exc:
            problems += [f"{_location(tuple(e['loc']), where)}: {e['msg']}" for e in exc.errors()]
            continue
        results.append(prepared.answer(prepared.screen(), lang))
    return results, problems


def as_text(result: dict) -> str:
    lines = [f"verdict: {result['verdict']}  (ruleset {result['ruleset']['id']} {result['ruleset']['version']})"]
    found = result.get("classification") or {}
    if found:
        group = found.get("group") or "not determined: " + ", ".join(found.get("possible_groups") or [])
        lines.append(f"group: {group}; procedures: {', '.join(found.get('procedures') or []) or 'none determined'}")
    for f in result["findings"]:
        lines.append(f"- [{f['outcome']}] {f['rule']}: {f['title']}")
        lines.append(f"    {f['message']}")
        cite = f.get("citation") or {}
        if cite:
            lines.append(f"    {cite.get('title')}, {cite.get('section')}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("screen")
    def screen_command(
        file: str = typer.Argument(..., help="JSON file with the facts (an object, or a list for a batch); - = stdin"),
        lang: str = typer.Option("vi", "--lang", help="vi or en"),
        fmt: str = typer.Option("json", "--format", help="json or text"),
    ) -> None:
        """Pre-check a project (the same result as POST /api/v1/screening)."""
        if lang not in ("vi", "en"):
            typer.echo("--lang: expected vi or en", err=True)
            raise typer.Exit(EXIT_INVALID)
        if fmt not in ("json", "text"):
            typer.echo("--format: expected json or text", err=True)
            raise typer.Exit(EXIT_INVALID)
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"{file}: cannot read: {exc}", err=True)
            raise typer.Exit(EXIT_INVALID) from None
        except json.JSONDecodeError as exc:
            typer.echo(f"{file}: not valid JSON: {exc}", err=True)
            raise typer.Exit(EXIT_INVALID) from None
        batch = isinstance(data, list)
        items = data if batch else [data]
        with _database().session() as session:
            results, problems = screen_items(session, items, lang)
        if problems:
            for problem in problems:
                typer.echo(f"invalid input: {problem}", err=True)
            raise typer.Exit(EXIT_INVALID)
        if fmt == "json":
            typer.echo(json.dumps(results if batch else results[0], ensure_ascii=False, indent=2))
        else:
            typer.echo("\n\n".join(as_text(r) for r in results))
