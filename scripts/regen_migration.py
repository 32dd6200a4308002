"""Regenerate the single initial migration from the models (pre-release only; see docs/development.md).

Autogenerates against an empty temporary SQLite database, writes portal/migrations/versions/0001_initial.py.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from portal.migrate import alembic_config  # noqa: E402

VERSIONS = ROOT / "portal" / "migrations" / "versions"


def main() -> None:
    for old in VERSIONS.glob("*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/empty.db"
        cfg = alembic_config(url)
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    [path] = list(VERSIONS.glob("0001_*.py"))
    text = path.read_text()
    text = re.sub(r"Create Date: .*", "Create Date: (regenerated from the models)", text)
    final = VERSIONS / "0001_initial.py"
    path.unlink()
    final.write_text(text)
    print(f"wrote {final.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
