"""Where graphmem keeps its files unless told otherwise.

A module of its own, free of pydantic, so the CLI can name these paths in its help without loading the
configuration models. The environment is read on each call, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_home() -> Path:
    """``$GRAPHMEM_HOME`` or ``~/.graphmem``."""
    return Path(os.environ.get("GRAPHMEM_HOME") or Path.home() / ".graphmem")


def default_store() -> Path:
    """The embedded store's file when no path is configured."""
    return default_home() / "graphmem.db"
