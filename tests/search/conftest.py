"""Engines for the contract suite: the local FTS5 engine always, Meilisearch when MEILI_URL is set.

    MEILI_URL=http://127.0.0.1:7700 MEILI_KEY=masterKey .venv/bin/pytest tests/search

Each Meilisearch test gets its own index uid (deleted afterwards), so runs never share state.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.engine import SearchEngine
from search.local import LocalEngine
from tests.search.search_fixtures import DOCUMENTS

ENGINES = [
    "local",
    pytest.param(
        "meili",
        marks=[
            pytest.mark.meili,
            pytest.mark.skipif(not os.environ.get("MEILI_URL"), reason="MEILI_URL not set"),
        ],
    ),
]


def make_test_engine(kind: str, tmp_path: Path) -> SearchEngine:
    if kind == "local":
        return LocalEngine(tmp_path / "search.db")
    from search.meili import MeiliEngine

    return MeiliEngine(
        os.environ["MEILI_URL"], api_key=os.environ.get("MEILI_KEY", ""), index_uid=f"test-{uuid.uuid4().hex}"
    )


@pytest.fixture(params=ENGINES)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchEngine]:
    engine = make_test_engine(request.param, tmp_path)
    yield engine
    drop = getattr(engine, "drop_index", None)
    if drop is not None:
        drop()
    engine.close()


@pytest.fixture
def engine(empty_engine: SearchEngine, documents: list[dict[str, Any]]) -> SearchEngine:
    empty_engine.index(documents)
    return empty_engine


@pytest.fixture
def documents() -> list[dict[str, Any]]:
    return [dict(d, sectors=list(d["sectors"])) for d in DOCUMENTS]
