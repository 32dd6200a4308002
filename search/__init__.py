"""Search: one protocol (engine.py), an embedded FTS5 engine and a Meilisearch adapter."""
