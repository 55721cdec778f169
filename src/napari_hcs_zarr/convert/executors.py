"""Where plane jobs run: local threads, or an existing dask.distributed cluster."""

from __future__ import annotations

import ctypes
import importlib
import os
from concurrent.futures import Executor, ThreadPoolExecutor

from napari_hcs_zarr.errors import ClusterError

#: The module every worker must import to run plane jobs.
_JOB_MODULE = "napari_hcs_zarr.convert.plane_job"


def make_executor(workers: int | None, scheduler: str | None) -> tuple[Executor, int]:
    """The executor to run plane jobs on, and how many jobs to keep queued on it.

    Parameters
    ----------
    workers
        Local threads (``None``: one per core); ignored with a scheduler.
    scheduler
        Address of a dask.distributed scheduler.
    """
    if scheduler:
        return _distributed_executor(scheduler)
    workers = workers or os.cpu_count() or 1
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hcs-convert"), 2 * workers


def _distributed_executor(scheduler: str) -> tuple[Executor, int]:
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(
            "--scheduler needs dask.distributed: pip install 'napari-hcs-zarr[cluster]'"
        ) from None
    try:
        client = Client(scheduler)
    except Exception as error:  # unreachable, refused, timed out...
        raise ClusterError(f"cannot reach the dask scheduler at {scheduler} ({error})") from None
    try:  # import on every worker now: fails early, and keeps imports out of the tasks
        client.run(importlib.import_module, _JOB_MODULE)
        client.run(keep_freed_memory)
    except Exception as error:
        client.close()
        raise ClusterError(
            f"the workers of {scheduler} cannot import {_JOB_MODULE} ({error}); "
            "install napari-hcs-zarr in their environment"
        ) from None
    workers = max(1, sum(client.nthreads().values()))
    return _DistributedExecutor(client), 2 * workers


def keep_freed_memory() -> None:
    """Let glibc reuse freed memory for the next well plane instead of returning it.

    dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes
    the mmap threshold at 128 KiB: every plane-sized array is then a fresh mmap whose
    pages fault in one by one, and a plane takes 1.8x as long as on a thread (measured
    in benchmarks/bench_scale_out.py). Arrays up to 128 MiB come from the heap instead,
    and up to 1 GiB of free heap is kept. No effect where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 128 * 2**20)
    libc.mallopt(m_trim_threshold, 2**30)


class _DistributedExecutor(Executor):
    """A dask.distributed client seen as a ``concurrent.futures`` executor."""

    def __init__(self, client) -> None:
        self._client = client
        self._executor = client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)
        self._client.close()
