"""The journal of a conversion, kept in the output store under ``.conversion/``.

It holds the plan (what a resumed run must agree with) and one small document per
finished unit of work. It exists from the moment the empty hierarchy is written until
the completing metadata is, so a plate with a journal is never complete, and a journal
with a plan can be resumed.
"""

from __future__ import annotations

import json

from napari_hcs_zarr.errors import OutputError
from napari_hcs_zarr.store.plate_store import PlateStore

JOURNAL_PREFIX = ".conversion"
_PLAN = f"{JOURNAL_PREFIX}/plan.json"
_DONE = f"{JOURNAL_PREFIX}/done"


class Journal:
    """The journal of the conversion into ``store``."""

    def __init__(self, store: PlateStore) -> None:
        self.store = store

    def __reduce__(self):  # travels to dask.distributed workers with the plane jobs
        return (Journal, (self.store,))

    @property
    def is_resumable(self) -> bool:
        """Whether the store holds an interrupted conversion (the plan is written; the
        plate's completing metadata is not)."""
        return self.store.exists(_PLAN)

    def start(self, plan_record: dict) -> None:
        self.store.replace(_PLAN, json.dumps(plan_record).encode())

    def plan_record(self) -> dict:
        data = self.store.read(_PLAN)
        try:
            return json.loads(data) if data is not None else {}
        except ValueError:
            raise OutputError(
                self.store.uri(_PLAN), "the conversion journal is damaged; use overwrite"
            ) from None

    def mark_done(self, job_id: str, stats: dict) -> None:
        """Record a finished unit (whole or not at all: a unit killed meanwhile is redone)."""
        self.store.replace(f"{_DONE}/{job_id}.json", json.dumps(stats).encode())

    def _done_keys(self) -> list[str]:
        """The keys of the finished units' records (not the partial files of a replace)."""
        return [key for key in self.store.list_keys(_DONE) if key.endswith(".json")]

    def done_ids(self) -> set[str]:
        return {key.rsplit("/", 1)[-1].removesuffix(".json") for key in self._done_keys()}

    def done_stats(self) -> list[dict]:
        records = (self.store.read(key) for key in self._done_keys())
        return [json.loads(data) for data in records if data is not None]

    def remove(self) -> None:
        self.store.delete_prefix(JOURNAL_PREFIX)
