"""The two stores every worker of a machine shares without Redis (issue 12, items 4 and 5).

- services/generations.FileGenerations: page-cache generations in a memory-mapped file;
- services/shared_limits.SQLiteStorage: rate-limit counters in a SQLite file.

Both are checked across real processes (multiprocessing, fork); the end-to-end check
under gunicorn is tests/test_workers.py.
"""

from __future__ import annotations

import multiprocessing
import time

import pytest

from services.generations import SLOTS, FileGenerations, file_generations
from services.shared_limits import SQLiteStorage

fork = multiprocessing.get_context("fork")


# --------------------------------------------------------------------------- generations


def _bump_in_child(path, names, times):
    store = file_generations(path)
    for _ in range(times):
        store.bump(names)


def test_a_bump_in_another_process_is_seen_at_once(tmp_path):
    path = tmp_path / "generations"
    mine = file_generations(path)
    before = mine.get_many(["article:1", "lists", "article:2"])
    child = fork.Process(target=_bump_in_child, args=(path, ["article:1", "lists"], 1))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    after = mine.get_many(["article:1", "lists", "article:2"])
    assert after[0] != before[0] and after[1] != before[1]
    assert after[2] == before[2]


def test_concurrent_bumps_are_never_lost_nor_go_backwards(tmp_path):
    """Four processes bump the same name 250 times each: the counter moves by exactly
    1000 (a lost update could bring back a value a stale page recorded)."""
    path = tmp_path / "generations"
    store = file_generations(path)
    offset = FileGenerations.slot("lists")
    start = int.from_bytes(store._map[offset : offset + 8], "little")
    children = [fork.Process(target=_bump_in_child, args=(path, ["lists"], 250)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    end = int.from_bytes(store._map[offset : offset + 8], "little")
    assert (end - start) % 2**64 == 1000


def test_a_forked_child_opens_its_own_file(tmp_path):
    """flock belongs to the open file: a child must not share its parent's (gunicorn
    --preload forks after the app was built)."""
    path = tmp_path / "generations"
    parent = file_generations(path)
    queue = fork.Queue()
    child = fork.Process(target=lambda: queue.put(file_generations(path) is parent))
    child.start()
    child.join(30)
    assert queue.get(timeout=5) is False


def test_a_new_file_gives_no_old_token_back(tmp_path):
    """Slots start random: a deleted and recreated file cannot match an old page's tokens."""
    first = FileGenerations(tmp_path / "a").get_many(["article:1", "lists"])
    second = FileGenerations(tmp_path / "b").get_many(["article:1", "lists"])
    assert first != second and all(len(token) == 16 for token in first)


def test_slots_are_stable_across_processes_and_spread():
    """CRC-32, not hash(): Python randomises str hashes per process."""
    assert FileGenerations.slot("article:3") == 77_552  # whatever PYTHONHASHSEED says
    for kind in ("article", "author", "sponsor"):
        slots = {FileGenerations.slot(f"{kind}:{n}") for n in range(2000)}
        # Random names would give about 1,880 distinct slots out of 16,384.
        assert len(slots) > 1850 and max(slots) < SLOTS * 8


# --------------------------------------------------------------------------- rate limits


def _hit_in_child(uri, times):
    storage = SQLiteStorage(uri)
    for _ in range(times):
        storage.incr("login/127.0.0.1", 600)


def test_counts_from_several_processes_add_up(tmp_path):
    uri = f"gazette+sqlite://{tmp_path / 'limits.sqlite'}"
    children = [fork.Process(target=_hit_in_child, args=(uri, 50)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    assert SQLiteStorage(uri).get("login/127.0.0.1") == 200


def test_a_window_that_has_passed_starts_again(tmp_path, monkeypatch):
    storage = SQLiteStorage(f"gazette+sqlite://{tmp_path / 'limits.sqlite'}")
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    assert [storage.incr("k", 10) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") == 1_000_010.0
    now[0] += 10
    assert storage.get("k") == 0
    assert storage.incr("k", 10, amount=2) == 2 and storage.get_expiry("k") == 1_000_020.0
    storage.clear("k")
    assert storage.get("k") == 0
    storage.incr("a", 10)
    storage.incr("b", 10)
    assert storage.reset() == 2 and storage.check()


def test_flask_limiter_uses_it_without_redis(tmp_path, database_url):
    from app import create_app
    from extensions import limiter
    from tests.conftest import base_config

    config = base_config(database_url)
    config["RATELIMIT_STORAGE_URI"] = f"gazette+sqlite://{tmp_path / 'limits.sqlite'}"
    create_app(config)
    assert isinstance(limiter.storage, SQLiteStorage)
    assert (tmp_path / "limits.sqlite").exists() or limiter.storage.check()


def test_a_uri_without_a_path_is_refused():
    with pytest.raises(ValueError):
        SQLiteStorage("gazette+sqlite://")
