"""Progress lines on stderr, one per phase: `[model-lib] <phase>: <text> (<seconds> s)`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def say(text: str) -> None:
    print(f"[model-lib] {text}", file=sys.stderr, flush=True)


@contextmanager
def phase(name: str, text: str = "") -> Iterator[None]:
    say(f"{name}: {text}..." if text else f"{name}...")
    t0 = time.monotonic()
    yield
    say(f"{name}: done ({time.monotonic() - t0:.1f} s)")
