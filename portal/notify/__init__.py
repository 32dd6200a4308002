"""E-mail notifications through an outbox: rows written in the event's own transaction, sent by a worker."""
