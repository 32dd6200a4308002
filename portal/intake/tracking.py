"""The investor's private tracking link: the one lookup of a proposal by its token, rate-limited per
address (every page and form under /{lang}/proposals/…/{token} counts against the same limit), and the
headers every such answer carries (never indexed, never cached, no referrer)."""

from __future__ import annotations

from fastapi import HTTPException, Request

from portal.accounts.ratelimit import for_app
from portal.audit.service import client_address
from portal.intake import service
from portal.intake.models import Proposal

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"}
TRACKING_LIMIT = "30/minute"  # token lookups per address


def proposal_by_token(request: Request, session, token: str) -> Proposal:
    """The proposal of `token`; 429 past the rate limit, 404 for an unknown token (both private)."""
    allowed, retry_after = for_app(request.app, "intake-tracking", TRACKING_LIMIT).hit(
        client_address(request) or "unknown"
    )
    if not allowed:
        raise HTTPException(status_code=429, headers={**PRIVATE_HEADERS, "Retry-After": str(retry_after)})
    proposal = service.get_by_token(session, token=token)
    if proposal is None:
        raise HTTPException(status_code=404, headers=PRIVATE_HEADERS)
    return proposal
