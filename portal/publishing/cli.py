"""`portal import FILE --kind plots|zones [--apply] [--skip-bad-rows] [--as EMAIL]` and
`portal export --kind plots|zones --format csv|xlsx [--output FILE]`.

Import always prints the dry run first (row by row, errors with row and column); `--apply` writes it in one
transaction, with revisions and audit events attributed to `--as EMAIL` (an existing staff account) or to
"cli". Exit code: 0 applied or clean dry run, 1 refused or errors, 2 bad arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def _database():
    """The database the commands use (tests replace this)."""
    from portal.db import Database
    from portal.settings import get_settings

    return Database(get_settings().database_url)


def run_import(
    db,
    *,
    data: bytes,
    kind: str,
    apply: bool,
    skip_bad_rows: bool = False,
    actor_email: str | None = None,
    label: str = "",
    lang: str = "en",
    echo=print,
) -> int:
    """The import command's work (importable for tests). Returns the exit code."""
    from portal.accounts.models import User
    from portal.publishing import importer, imports

    with db.session() as session:
        actor = None
        if actor_email:
            from sqlmodel import select

            actor = session.exec(select(User).where(User.email == actor_email.strip().lower())).first()
            if actor is None or not actor.has_role("staff"):
                echo(f"no staff account {actor_email}")
                return 2
        try:
            plan = imports.plan_upload(session, data=data, kind=kind)
        except importer.ImportRefused as err:
            echo("refused:")
            for p in err.problems:
                echo(f"  {p.text(lang)}")
            return 1
        for row in plan:
            if row.problems:
                for p in row.problems:
                    echo(f"row {row.row} {row.key}: error in {p.field}: {p.text(lang)}")
            else:
                details = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in row.changes.items())
                echo(f"row {row.row} {row.key}: {row.action}" + (f" ({details})" if details else ""))
        errors = sum(1 for r in plan if r.problems)
        if not apply:
            echo(f"dry run: {len(plan)} rows, {errors} with errors; nothing written (add --apply)")
            return 1 if errors else 0
        try:
            with db.write() as w:
                result = imports.apply_plan(
                    w,
                    kind=kind,
                    plan=plan,
                    actor=actor,
                    skip_bad_rows=skip_bad_rows,
                    actor_ref=None if actor else "cli",
                    label=label,
                )
                from portal.audit import service as audit

                audit.record(
                    w,
                    actor=actor,
                    action="import.applied",
                    object_type="import",
                    object_id=None,
                    after={
                        "kind": kind,
                        "file": label,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "skipped": result.skipped,
                    },
                    detail=label,
                    actor_label=None if actor else "cli",
                )
        except imports.ImportBlocked as err:
            for p in err.problems:
                echo(f"row {p.row}: {p.field}: {p.text(lang)}")
            echo("not applied: fix the errors or pass --skip-bad-rows; nothing written")
            return 1
        echo(
            f"applied: {result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.skipped} skipped"
        )
        return 0


def run_export(db, *, kind: str, fmt: str) -> bytes:
    from portal.publishing import exports, importer

    with db.session() as session:
        if kind == "plots":
            columns, rows = importer.PLOT_COLUMNS, exports.export_plot_rows(session)
        else:
            columns, rows = importer.ZONE_EXPORT_COLUMNS, exports.export_zone_rows(session)
    return importer.write_csv(columns, rows) if fmt == "csv" else importer.write_xlsx(columns, rows, sheet=kind)


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV or XLSX file"),
        kind: str = typer.Option(..., "--kind", help="plots or zones"),
        apply: bool = typer.Option(False, "--apply", help="write the changes (default: dry run only)"),
        skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows", help="apply the good rows, skip the bad"),
        actor: str = typer.Option("", "--as", help="staff email the changes are attributed to"),
        lang: str = typer.Option("en", "--lang", help="language of the messages: vi or en"),
    ) -> None:
        """Import plots or zone facts from a spreadsheet (dry run unless --apply)."""
        if kind not in ("plots", "zones") or lang not in ("vi", "en"):
            typer.echo("--kind must be plots or zones; --lang vi or en", err=True)
            raise typer.Exit(2)
        code = run_import(
            _database(),
            data=file.read_bytes(),
            kind=kind,
            apply=apply,
            skip_bad_rows=skip_bad_rows,
            actor_email=actor or None,
            label=file.name,
            lang=lang,
            echo=typer.echo,
        )
        raise typer.Exit(code)

    @app.command("export")
    def export(
        kind: str = typer.Option("plots", "--kind", help="plots or zones"),
        fmt: str = typer.Option("csv", "--format", help="csv or xlsx"),
        output: Path | None = typer.Option(None, "--output", "-o", help="file to write (default: standard output)"),
    ) -> None:
        """Export plots or zone facts in the import format (formula-safe cells)."""
        if kind not in ("plots", "zones") or fmt not in ("csv", "xlsx"):
            typer.echo("--kind must be plots or zones; --format csv or xlsx", err=True)
            raise typer.Exit(2)
        body = run_export(_database(), kind=kind, fmt=fmt)
        if output is None:
            if fmt == "xlsx" and sys.stdout.isatty():
                typer.echo("refusing to write a binary XLSX to a terminal: use --output", err=True)
                raise typer.Exit(2)
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            output.write_bytes(body)
            typer.echo(f"wrote {output}", err=True)
