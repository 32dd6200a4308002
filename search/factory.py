"""`make_engine`: the engine a setting names. Apart from the protocol (search/engine.py), which the engines
import, so that the protocol module imports no engine."""

from __future__ import annotations

from pathlib import Path

from search.engine import SearchEngine
from search.local import LocalEngine


def make_engine(
    search_url: str, *, meili_key: str = "", default_path: Path, timeout: tuple[float, float] = (1.0, 2.0)
) -> SearchEngine:
    """Pick the engine from a setting: `""` or `sqlite:///path` → LocalEngine; `http(s)://…` → Meilisearch.

    `sqlite:///relative.db` is relative to the working directory, `sqlite:////abs/path.db` absolute
    (SQLAlchemy's convention). A Meilisearch index uid may be given as a fragment: `http://h:7700#portal`.
    `timeout`: (connect, read) seconds for each HTTP call to Meilisearch.
    """
    url = search_url.strip()
    if not url:
        return LocalEngine(default_path)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return LocalEngine(Path(path) if path else default_path)
    if url.startswith(("http://", "https://")):
        from search.meili import MeiliEngine  # the Meilisearch client is loaded only when it is configured

        base, _, uid = url.partition("#")
        return MeiliEngine(base, api_key=meili_key, index_uid=uid or "portal", timeout=timeout)
    raise ValueError(f"unsupported search URL {search_url!r}: use sqlite:///path or http(s)://host")
