"""Where builds are cached: ~/.cache/ftlab/ (or $FTLAB_CACHE), one folder per tool and version key."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_root() -> Path:
    root = os.environ.get("FTLAB_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "ftlab"


def hash_files(paths: list[Path], extra: str = "") -> str:
    """sha256 (16 hex) of the files' relative names and contents, plus `extra`."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]
