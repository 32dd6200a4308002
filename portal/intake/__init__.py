"""Proposal intake: the public pre-check form, land matching, submission with attachments, tracking."""
