"""Web plumbing shared by every domain: rendering, CSRF, errors, security headers."""
