"""`portal backup` then `portal restore` into an empty database: every table's rows and every attachment's
hash are the same (SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import MetaData, create_engine, select

from tests.conftest import service_unavailable
from tests.servers import postgres_available, postgres_database, run_cli, server_env, sqlite_url


def _tables(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(map(repr, row)) for row in conn.execute(select(table))), key=repr)
                for name, table in meta.tables.items()
            }
    finally:
        engine.dispose()


def _hashes(directory) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in directory.rglob("*")
        if p.is_file() and ".incoming" not in p.parts
    }


def _round_trip(source_url: str, target_url: str, tmp_path, capsys) -> None:
    source = server_env(source_url, tmp_path / "a")
    run_cli(["bootstrap"], source)
    uploads = tmp_path / "a" / "uploads"
    (uploads / ".incoming").mkdir(parents=True)
    (uploads / "3f2a.pdf").write_bytes(b"%PDF-1.4 plan " * 500)
    (uploads / "9c1b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    (uploads / ".incoming" / "x.part").write_bytes(b"half")  # never part of a backup
    out = run_cli(["backup", str(tmp_path / "backup")], source).stdout
    assert "2 attachments" in out, out
    target = server_env(target_url, tmp_path / "b")
    restored = run_cli(["restore", str(tmp_path / "backup")], target)
    assert "restored" in restored.stdout, restored.stdout + restored.stderr
    before, after = _tables(source_url), _tables(target_url)
    assert before.keys() == after.keys()
    differing = [name for name in before if before[name] != after[name]]
    rows = sum(len(r) for r in before.values())
    assert not differing, differing
    restored_files = _hashes(tmp_path / "b" / "uploads")
    assert restored_files == _hashes(uploads) and len(restored_files) == 2  # the .part file was left out
    again = run_cli(["restore", str(tmp_path / "backup")], target, check=False)
    assert again.returncode == 2 and "not empty" in again.stderr
    with capsys.disabled():
        print(f"\n[backup round trip] {len(before)} tables, {rows} rows identical; 2 attachments, hashes identical")


@pytest.mark.slow
def test_backup_and_restore_sqlite(tmp_path, capsys):
    _round_trip(sqlite_url(tmp_path / "a"), sqlite_url(tmp_path / "b"), tmp_path, capsys)


@pytest.mark.slow
@pytest.mark.postgres
def test_backup_and_restore_postgresql(tmp_path, capsys):
    err = postgres_available()
    if err is not None:
        service_unavailable("PostgreSQL", err)
    with postgres_database("backup_a") as a, postgres_database("backup_b") as b:
        _round_trip(a, b, tmp_path, capsys)
