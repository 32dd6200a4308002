"""Keeping the search index in step with the database: the outbox table (models.py), the documents built
from catalogue records (documents.py), and the worker that applies the outbox (sync.py). The `search`
package itself is the engine and knows no domain."""
