"""`portal` command line: serve | migrate | seed | bootstrap | reindex | backup | restore | housekeeping | routes,
and the domains' commands (createuser | users | screen | import | export | send-mail | demo-data)."""

from __future__ import annotations

import typer

import portal.models  # noqa: F401  (every table: a command's rows name others by foreign key)
from portal.accounts import cli as accounts_cli
from portal.notify import cli as notify_cli
from portal.publishing import cli as publishing_cli
from portal.screening import cli as screening_cli
from portal.settings import get_settings
from portal.wiring import wire

app = typer.Typer(help="Sóc Trăng investment portal", no_args_is_help=True, add_completion=False)


@app.callback()
def _start() -> None:
    """Every command runs with the public-data subscribers wired (portal/wiring.py)."""
    wire()


def _db():
    from portal.db import Database

    return Database(get_settings().database_url)


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic)."""
    from portal.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@app.command()
def seed() -> None:
    """Load the reference data from the resolutions (idempotent)."""
    from portal.seeding import seed as run_seed

    db = _db()
    with db.write() as session:
        report = run_seed(session, on_change=_outbox_hook(session))
    typer.echo(
        f"sectors added: {report.sectors_added}; zones added: {report.zones_added}, "
        f"refreshed: {report.zones_updated}, kept (edited by staff): {report.zones_kept}"
    )
    _after_commit(db)


@app.command()
def bootstrap() -> None:
    """migrate, then seed when the database is empty (what `make run` does before serving)."""
    from portal.catalogue.seed import is_empty

    migrate()
    db = _db()
    with db.session() as session:
        empty = is_empty(session)
    if empty:
        seed()
    else:
        typer.echo("database already holds data: not seeding")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    reload: bool = typer.Option(False, help="reload on code changes (development)"),
    fd: int | None = typer.Option(None, help="serve an inherited listening socket (socket activation, tests)"),
) -> None:
    """Serve the portal with uvicorn (the database must be migrated: `portal migrate` or `make run`)."""
    import uvicorn
    from pydantic import ValidationError

    from portal.migrate import pending

    try:
        url = get_settings().database_url
    except ValidationError as err:  # e.g. production without PORTAL_SECRET_KEY: refuse to start, say why
        for problem in err.errors():
            typer.echo(f"Cannot start: {problem['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None
    if pending(url):
        typer.echo(
            f"The database ({_without_password(url)}) is not migrated. Run `portal bootstrap` (migrate, then seed"
            " an empty database; `make run` does it) or `portal migrate`, then serve again.",
            err=True,
        )
        raise typer.Exit(1)

    options = {
        "proxy_headers": False,  # the app applies X-Forwarded-* from PORTAL_FORWARDED_ALLOW_IPS only (portal/app.py)
        "access_log": False,  # the portal writes its own line per request, with its id and tokens redacted
        "log_config": log_config(),
        "timeout_keep_alive": get_settings().keep_alive_seconds,
    }
    if fd is not None and not reload:
        # uvicorn's own --fd wraps the socket as AF_UNIX, so asyncio never sets TCP_NODELAY on its connections
        # and each keep-alive response waits ~40 ms for the client's delayed ACK: wrap it with its real family.
        import socket

        from uvicorn.supervisors import Multiprocess

        sock = socket.socket(fileno=fd)
        config = uvicorn.Config("portal.main:app", workers=workers, **options)
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
        return
    uvicorn.run("portal.main:app", host=host, port=port, fd=fd, workers=workers, reload=reload, **options)


def log_config() -> dict:
    """uvicorn's logging, plus the portal's loggers (request lines, errors with tracebacks) on stderr."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["portal"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@app.command()
def housekeeping() -> None:
    """Delete what must not be kept (expired sessions and import previews, land alerts nobody confirmed); the
    server also does it every hour (PORTAL_HOUSEKEEPING_SECONDS)."""
    from portal import housekeeping as jobs

    for name, deleted in jobs.run(_db()).items():
        typer.echo(f"{name}: {deleted} deleted")


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database (the index is derived data)."""
    from portal.app import make_search_worker
    from portal.searchindex.sync import reindex as run_reindex

    settings = get_settings()
    worker = make_search_worker(settings, _db())
    with typer.progressbar(length=1, label="indexing") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        total = run_reindex(worker.db, worker.engine, progress=progress)
    worker.engine.close()
    typer.echo(f"indexed {total} documents")


@app.command()
def backup(dest: str) -> None:
    """Copy the database (SQLite online backup, or pg_dump) and the attachments into DEST (a new folder)."""
    from pathlib import Path

    from portal.backup import BackupError
    from portal.backup import backup as run_backup

    settings = get_settings()
    try:
        manifest = run_backup(settings.database_url, settings.upload_dir, Path(dest))
    except BackupError as err:
        typer.echo(f"backup refused: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"backup of the {manifest['kind']} database and {len(manifest['attachments'])} attachments in {dest}")


@app.command()
def restore(src: str) -> None:
    """Restore a backup made by `portal backup` into an empty database and upload folder."""
    from pathlib import Path

    from portal.backup import BackupError
    from portal.backup import restore as run_restore

    settings = get_settings()
    try:
        manifest = run_restore(settings.database_url, settings.upload_dir, Path(src))
    except BackupError as err:
        typer.echo(f"restore refused: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"restored the database and {len(manifest['attachments'])} attachments from {src}; "
        "rebuild the search index with `portal reindex` (the server's worker also does it at start)"
    )


def _outbox_hook(session):
    """Every seeded zone is signalled as changed public data (search outbox, page-cache generation)."""
    from portal.catalogue.changes import zone_changed

    return lambda zone: zone_changed(session, zone)


def _after_commit(db) -> None:
    """Apply the search outbox now; if the engine is down the rows wait for the server's worker."""
    from portal.app import make_search_worker
    from search.engine import SearchUnavailable

    worker = make_search_worker(get_settings(), db)
    worker.needs_reindex = True  # seeding touches every zone and sector: rebuild rather than drain
    try:
        worker.drain_now()
    except SearchUnavailable as err:
        typer.echo(f"search index not updated now ({err}); the server's worker will catch up")
    worker.engine.close()


@app.command("demo-data")
def demo_data(
    zones: int = typer.Option(2000, min=1, help="synthetic zones to add"),
    plots: int = typer.Option(50000, min=0, help="synthetic plots, spread over the zones"),
    database_url: str = typer.Option("", help="the (separate) database to fill; default PORTAL_DATABASE_URL"),
) -> None:
    """Fill a separate database with a synthetic catalogue (benchmarks, scale tests). Every record is marked
    synthetic (source = "synthetic"); a database holding real data is refused (exit 2)."""
    from sqlmodel import SQLModel

    from portal import models  # noqa: F401  every table, for the real-data check
    from portal.catalogue.demo import RealDataPresent, generate
    from portal.db import Database
    from portal.events import public_data_changed
    from portal.migrate import upgrade

    url = database_url or get_settings().database_url
    upgrade(url)
    db = Database(url)
    try:
        with db.write() as session:
            report = generate(session, zones=zones, plots=plots, table_names=list(SQLModel.metadata.tables))
            public_data_changed(session, ["catalogue:demo-data"])  # the page-cache generation moves on
    except RealDataPresent as err:
        typer.echo(f"demo-data refused: {_without_password(url)} holds real data ({err})", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"synthetic catalogue in {_without_password(url)}: {report.zones} zones, {report.plots} plots, "
        f"{report.zone_sectors} zone sectors (sectors added: {report.sectors_added})"
    )
    _after_commit(db)


@app.command()
def routes() -> None:
    """Print every URL: methods, path, handler (module:function) and the roles it demands (or public)."""
    from portal.app import create_app
    from portal.web.access import route_map

    rows = [(r.methods, r.path, r.handler, r.access) for r in route_map(create_app(get_settings()))]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for methods, path, handler, access in rows:
        typer.echo(f"{methods:<{widths[0]}}  {path:<{widths[1]}}  {handler:<{widths[2]}}  {access}")


#: The domains' commands (each module's `register(app)` adds them); tests/test_wiring.py checks the list.
DOMAIN_CLIS = (accounts_cli, notify_cli, publishing_cli, screening_cli)
for _module in DOMAIN_CLIS:
    _module.register(app)

if __name__ == "__main__":
    app()
