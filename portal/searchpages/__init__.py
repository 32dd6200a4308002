"""The search page and search API on top of the `search` package's engine."""
