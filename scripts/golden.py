"""Golden snapshots of the OpenAPI document and every public page (both languages) for the seeded data.

    python scripts/golden.py            # compare with tests/golden/files (exit 1 and list the differences)
    python scripts/golden.py --update   # rewrite tests/golden/files from the current code

The same comparison runs in the suite (tests/golden/test_golden.py). See tests/golden/snapshot.py."""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="rewrite the golden files")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from portal.app import create_app
    from portal.db import Database
    from portal.migrate import upgrade
    from portal.seeding import seed
    from portal.settings import Settings
    from tests.golden import snapshot

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/portal.db"
        upgrade(url)
        db = Database(url)
        with db.write() as session:
            seed(session)
        settings = Settings(
            env="test",
            database_url=url,
            secret_key="test-secret-key-" + "x" * 32,
            search_url=f"sqlite:///{tmp}/search.db",
            upload_dir=Path(tmp) / "uploads",
            search_sync="manual",
            page_cache=False,
        )
        with TestClient(create_app(settings, db=db), base_url="http://127.0.0.1:8000") as client:
            files = snapshot.take(client)
        db.dispose()
    if args.update:
        snapshot.write(files)
        print(f"wrote {len(files)} golden files to {snapshot.GOLDEN_DIR.relative_to(ROOT)}")
        return 0
    old = snapshot.stored()
    changed = sorted(n for n in files.keys() | old.keys() if files.get(n) != old.get(n))
    for name in changed:
        diff = difflib.unified_diff(
            old.get(name, "").splitlines(),
            files.get(name, "").splitlines(),
            f"golden/{name}",
            f"now/{name}",
            lineterm="",
        )
        print("\n".join(list(diff)[:40]))
    print(f"{len(changed)} of {len(files)} golden files differ")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
