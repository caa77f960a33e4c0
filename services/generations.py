"""Where the page cache's generation tokens live, so that every process sees every change.

A generation is a token that changes whenever something a page showed changes
(services/page_cache.py). Pages may be kept per process, but the tokens they are checked
against must be seen by every process that serves them, or an unpublished article stays
public on every gunicorn worker but the one that saved it (issue 12, item 4).

- `CacheGenerations`: in the page cache's own store, when that store is shared (Redis,
  shared by every instance; files, shared by the workers of one machine).
- `FileGenerations`: when pages are kept in each process's memory (SimpleCache, the
  default without Redis): a small memory-mapped file that every process on the machine
  maps. Reading a token is a slice of shared memory (no system call); changing one takes
  a file lock. Names are hashed to one of SLOTS 8-byte counters: two names sharing a slot
  only means a change to one also makes pages of the other be rendered again.

Both offer `get_many(names) -> list[str | None]` and `bump(names)`; both raise what
their storage raises (OSError, the Redis client's errors) and callers decide.
"""

from __future__ import annotations

import fcntl
import functools
import mmap
import os
import secrets
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

GENERATION_PREFIX = "gen:"

SLOT_BYTES = 8
SLOT_BITS = 14
SLOTS = 2**SLOT_BITS  # 16,384 counters, 128 KiB: two names rarely share one
SLOT_SHIFT = 32 - SLOT_BITS
FILE_BYTES = SLOT_BYTES * SLOTS


class CacheGenerations:
    """Tokens kept in a shared Flask-Caching backend (RedisCache, FileSystemCache)."""

    def __init__(self, backend):
        self.backend = backend

    def get_many(self, names: list[str]) -> list[str | None]:
        if not names:
            return []
        return list(self.backend.get_many(*(GENERATION_PREFIX + name for name in names)))

    def bump(self, names: Iterable[str]) -> None:
        """A new random token per name (not a counter: an evicted counter restarting at 1
        could match an old page's)."""
        tokens = {GENERATION_PREFIX + name: secrets.token_hex(8) for name in names}
        if tokens:
            self.backend.set_many(tokens, 0)


class FileGenerations:
    """Tokens in a memory-mapped file shared by every process on this machine.

    Each slot holds a 64-bit counter, filled with random bytes when the file is created
    (so a file deleted and created again never gives back an old page's token), and only
    ever increased, under an exclusive lock: two processes changing the same slot at once
    cannot move it backwards to a value a stale page recorded. Reads take no lock; a read
    torn by a concurrent write yields a value no page recorded, so a miss.
    """

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = open(path, "a+b")  # noqa: SIM115 (kept open: the map needs it)
        with self._locked():
            if os.fstat(self._file.fileno()).st_size < FILE_BYTES:
                self._file.truncate(0)
                self._file.write(secrets.token_bytes(FILE_BYTES))
                self._file.flush()
                os.fsync(self._file.fileno())
        self._map = mmap.mmap(self._file.fileno(), FILE_BYTES)
        self._thread_lock = threading.Lock()  # flock is per process; threads need their own

    def _locked(self):
        return _FileLock(self._file.fileno())

    @staticmethod
    @functools.lru_cache(maxsize=SLOTS)  # every hit looks up the same few names
    def slot(name: str) -> int:
        """The byte offset of `name`'s counter: CRC-32 (the same in every process, unlike
        hash()), spread by Fibonacci hashing (Knuth, TAOCP 6.4) so that "article:1",
        "article:2"… land as far apart as random names would."""
        spread = (zlib.crc32(name.encode()) * 0x9E3779B1) & 0xFFFFFFFF
        return (spread >> SLOT_SHIFT) * SLOT_BYTES

    def get_many(self, names: list[str]) -> list[str | None]:
        view = self._map
        return [view[(o := self.slot(n)) : o + SLOT_BYTES].hex() for n in names]

    def bump(self, names: Iterable[str]) -> None:
        offsets = sorted({self.slot(name) for name in names})
        if not offsets:
            return
        with self._thread_lock, self._locked():
            for offset in offsets:
                value = int.from_bytes(self._map[offset : offset + SLOT_BYTES], "little")
                value = (value + 1) % 2**64
                self._map[offset : offset + SLOT_BYTES] = value.to_bytes(SLOT_BYTES, "little")


class _FileLock:
    """An exclusive flock on a file descriptor, as a context manager."""

    def __init__(self, fd: int):
        self.fd = fd

    def __enter__(self):
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.fd, fcntl.LOCK_UN)


_open_files: dict[tuple[Path, int], FileGenerations] = {}
_open_lock = threading.Lock()


def file_generations(path: Path) -> FileGenerations:
    """The process's one mapping of `path` (tests build many apps on the same file).

    Per process id: a child forked after the file was opened (gunicorn --preload) shares
    its parent's lock (flock belongs to the open file), so it opens the file again.
    """
    key = (Path(path).resolve(), os.getpid())
    with _open_lock:
        if key not in _open_files:
            _open_files[key] = FileGenerations(key[0])
        return _open_files[key]


# Flask-Caching stores that live in one process's memory: their generations go to a file,
# and pages are kept in each worker's memory only (services/page_cache.LocalPages).
IN_PROCESS_STORES = {"SimpleCache", "simple", "NullCache", "null"}
# Stores that keep nothing: no page is kept either.
NO_STORES = {"NullCache", "null"}
