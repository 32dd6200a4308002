"""Tracking tokens and idempotency keys of proposals: pure hashing (no database, no other domain), so
that the e-mail outbox can build a tracking link without importing the intake service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def key_hash(channel: str, key: str) -> str:
    return hashlib.sha256(f"{channel}:{key}".encode()).hexdigest()


def tracking_token(secret: str, idempotency_hash: str) -> str:
    mac = hmac.new(secret.encode(), f"tracking:{idempotency_hash}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(proposal: Any, *, secret: str) -> str:
    """The tracking token of a proposal, recomputed (only the investor is ever shown it)."""
    return tracking_token(secret, proposal.idempotency_key)
