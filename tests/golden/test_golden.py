"""The OpenAPI document and every public page's HTML for the seeded data equal the golden files.

A change meant to alter them: `python scripts/golden.py --update`, then review the diff in the commit."""

from __future__ import annotations

import difflib

from tests.golden import snapshot


def test_pages_and_openapi_match_the_golden_files(client):
    now = snapshot.take(client)
    golden = snapshot.stored()
    assert golden, "no golden files: run python scripts/golden.py --update"
    changed = sorted(n for n in now.keys() | golden.keys() if now.get(n) != golden.get(n))
    detail = []
    for name in changed[:3]:
        diff = difflib.unified_diff(golden.get(name, "").splitlines(), now.get(name, "").splitlines(), lineterm="")
        detail.append(f"{name}:\n" + "\n".join(list(diff)[:20]))
    assert not changed, f"{len(changed)} golden files differ (python scripts/golden.py):\n" + "\n".join(detail)


def test_normalise_hides_only_the_volatile_parts():
    page = '<input name="csrf_token" value="ab12"><script nonce="x1"></script><link href="/static/a.css?v=9">'
    assert snapshot.normalise(page) == (
        '<input name="csrf_token" value="CSRF"><script nonce="NONCE"></script><link href="/static/a.css?v=STATIC">'
    )
    assert snapshot.normalise("Diện tích 120,5 ha") == "Diện tích 120,5 ha"
