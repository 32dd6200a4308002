"""Versioning kernel: revisions, compare-and-set, stale-edit checks, three-way merge (see service.py)."""
