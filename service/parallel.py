"""Screening many suppliers on several processes that share this process's index.

Screening is pure CPU work on the in-memory index, so large jobs (upload batches, sweeps)
fork worker processes that inherit the built index copy-on-write. They only read: either the
suppliers they are handed, or, given a `load` function, the chunk's rows from the database on
connections of their own (a sweep reads its registry that way, in parallel, instead of through
the parent). The caller keeps storing each chunk's results, in order, while the workers go on
with the next chunks. One chunk, or one worker, stays in process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from service.config import ScreeningSettings
from service.engine import LoadedIndex
from service.schemas import SupplierInput
from service.screenings import screen_supplier

Alerts = list[dict[str, Any]]
# Turns a chunk's key (a sweep's supplier ids) into its suppliers, in the screening process.
Loader = Callable[[Any], Sequence[SupplierInput | None]]
# What a forked worker reads: the index, settings and loader of the job that forked it.
_FORKED: tuple[LoadedIndex, ScreeningSettings, Loader | None] | None = None


# Below this many listed entries a screening costs a fraction of a millisecond (a delta sweep's
# index of changed entries), and forking workers costs more than it saves, unless there are
# many suppliers to screen.
PARALLEL_MIN_ENTRIES = 5_000
PARALLEL_MIN_SUPPLIERS = 20_000


def worker_count(index: LoadedIndex, settings: ScreeningSettings, chunks: int, suppliers: int) -> int:
    """Processes worth forking for `chunks` chunks (`screening.batch_workers`, 0: per core)."""
    if len(index.entries) < PARALLEL_MIN_ENTRIES and suppliers < PARALLEL_MIN_SUPPLIERS:
        return 1
    return max(1, min(settings.batch_workers or os.cpu_count() or 1, chunks))


def screen_chunks(
    index: LoadedIndex,
    settings: ScreeningSettings,
    chunks: Sequence[Sequence[Any]],
    *,
    load: Loader | None = None,
) -> Iterator[list[Alerts]]:
    """The alerts of every supplier of each chunk (None: a row with nothing to screen), in order.

    Chunks are sequences of suppliers, or with `load`, of keys that `load` turns into as many
    suppliers, called in the process that screens the chunk.
    """
    workers = worker_count(index, settings, len(chunks), sum(len(chunk) for chunk in chunks))
    if workers <= 1:
        for chunk in chunks:
            yield _screen(index, settings, load(chunk) if load else chunk)
        return
    global _FORKED
    _FORKED = (index, settings, load)
    gc.freeze()  # keep the collector from touching (and so copying) the shared index's pages
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap(_screen_forked, [list(chunk) for chunk in chunks])
    finally:
        _FORKED = None
        gc.unfreeze()


def _screen(
    index: LoadedIndex, settings: ScreeningSettings, suppliers: Sequence[SupplierInput | None]
) -> list[Alerts]:
    return [screen_supplier(index, supplier, settings) if supplier else [] for supplier in suppliers]


def _screen_forked(chunk: list[Any]) -> list[Alerts]:
    """In a forked worker: screen one chunk against the parent's index."""
    assert _FORKED is not None, "only called in a worker forked by screen_chunks"
    index, settings, load = _FORKED
    return _screen(index, settings, load(chunk) if load else chunk)
