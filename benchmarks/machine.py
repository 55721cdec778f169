"""What the benchmarks say about the machine they ran on, and how busy it was."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_cores: float = 0.15, timeout: float = 120.0) -> float:
    """Wait (up to ``timeout`` s) until other processes use less than ``max_cores`` cores.

    Returns the load seen last (cores busy over a 1 s window).
    """
    deadline = time.monotonic() + timeout
    while True:
        before = busy_cpu_seconds()
        time.sleep(1.0)
        load = busy_cpu_seconds() - before
        if load < max_cores or time.monotonic() > deadline:
            return load


def machine_description() -> dict:
    """Cores, memory, CPU model, Python and kernel versions."""
    mem_kb, cpu_model = 0, platform.processor() or "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(mem_kb / 1024**2, 1),
        "cpu": cpu_model,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }
