"""Migration 0006 on a database holding the old rows: a deletion's revision that shared its version with
the update before it moves to the next version (so the new unique constraint holds), expired sessions go."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from portal.migrate import alembic_config


def test_0006_renumbers_old_deletions_and_purges_expired_sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO user (id, email, password_hash, roles, active, created_at, display_name)"
                " VALUES (1, 'a@example.vn', 'x', '[]', 1, '2026-01-01', '')"
            )
        )
        for rid, version, action in ((1, 1, "create"), (2, 2, "update"), (3, 2, "delete")):
            conn.execute(
                text(
                    "INSERT INTO revision (id, object_type, object_id, version, actor_label, action, at, changes)"
                    " VALUES (:id, 'plot', 7, :v, 'cli', :a, '2026-01-01', '{}')"
                ),
                {"id": rid, "v": version, "a": action},
            )
        for sid, expires in (("old", "2020-01-01 00:00:00"), ("live", "2999-01-01 00:00:00")):
            conn.execute(
                text(
                    "INSERT INTO usersession (id, user_id, created_at, expires_at, last_seen_at)"
                    " VALUES (:id, 1, '2020-01-01', :e, '2020-01-01')"
                ),
                {"id": sid, "e": expires},
            )
    command.upgrade(cfg, "0006")
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT action, version FROM revision ORDER BY id")).all()
        sessions = conn.execute(text("SELECT id FROM usersession")).scalars().all()
    engine.dispose()
    assert [tuple(r) for r in versions] == [("create", 1), ("update", 2), ("delete", 3)]
    assert sessions == ["live"]
