"""The one storage failure every domain that keeps files can meet, answered by portal.web.errors."""

from __future__ import annotations

import errno
from pathlib import Path

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageUnavailable(Exception):
    """The upload directory cannot take the file: full (`full`, answered 507) or not writable (503).
    The submission stores nothing: staged files are removed, the database is not written."""

    def __init__(self, error: OSError, directory: Path) -> None:
        super().__init__(f"{directory}: {error.strerror or error}")
        self.errno = error.errno
        self.full = error.errno in _FULL
        self.state = "full" if self.full else "unwritable"
