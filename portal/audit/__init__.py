"""Append-only audit log: who did what, when, to which object, with before/after."""
