"""Process memory settings of the service: a bound on glibc's malloc arenas.

glibc gives each thread that allocates its own malloc arena (up to 8 per core). The service's SQLite driver
(aiosqlite) runs each database connection in a thread, whose arena fragments and keeps the high-water mark of what
that thread ever held: the issue 11 benchmark saw RSS climb about 8 % over 1 M AMI events on SQLite from that
alone. Two arenas (the event loop's and one shared by the worker threads) keep memory flat at no measurable cost in
speed. Set before the first worker thread starts; ``MALLOC_ARENA_MAX`` in the environment wins.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

M_ARENA_MAX = -8   # glibc's mallopt parameter number
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Bound glibc's malloc arenas (True when set; elsewhere than glibc, or already set by the environment: no-op)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):   # not glibc (musl has no mallopt arenas)
        return False
    return mallopt(M_ARENA_MAX, arenas) == 1
