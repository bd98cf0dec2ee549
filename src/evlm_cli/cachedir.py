"""Where evlm keeps what it can always rebuild: the search index, the parsed databases, link-check results."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/evlm`, by default `~/.cache/evlm`."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "evlm"
