"""Our converter from two source trees, side by side: did a change make it slower?

    git worktree add /tmp/before <commit>
    .venv/bin/python benchmarks/bench_two_trees.py /tmp/before . --repeats 7

Runs each checkout's own ``benchmarks/bench_convert.py _ours`` (on the benchmark input of
bench_convert.py, NGFF 0.4 and 0.5) with that checkout's ``src`` first on ``PYTHONPATH``,
alternating before/after so that drift of
the machine's speed hits both alike, after waiting for the machine to be quiet. Prints
the median conversion seconds (imports excluded, as bench_convert reports them) and
peak RSS of each, and the after/before ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import wait_for_quiet

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_convert import DEFAULT_DATA, ensure_dataset  # noqa: E402


def run(tree: Path, raw: Path, out: Path, ngff: str) -> dict:
    if out.exists():
        shutil.rmtree(out)
    os.sync()
    wait_for_quiet(timeout=120.0)
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    cmd = [sys.executable, str(tree / "benchmarks" / "bench_convert.py"), "_ours", str(raw), str(out)]
    cmd += ["--ngff", ngff]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed")
    result = json.loads([line for line in text.splitlines() if line.startswith("{")][-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the checkout before")
    parser.add_argument("after", type=Path, help="the checkout after")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    raw = ensure_dataset(args.data)
    scratch = Path(tempfile.mkdtemp(prefix="two-trees-"))
    print("| NGFF | before s (median) | after s (median) | after / before | peak RSS MB before / after |")
    print("|---|---:|---:|---:|---:|")
    for ngff in ("0.4", "0.5"):
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for _ in range(args.repeats):
            for name in ("before", "after"):
                tree = args.before if name == "before" else args.after
                runs[name].append(run(tree.resolve(), raw, scratch / f"{name}.zarr", ngff))
        seconds = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
        rss = {k: statistics.median(r["peak_rss_mb"] for r in v) for k, v in runs.items()}
        print(
            f"| {ngff} | {seconds['before']:.3f} | {seconds['after']:.3f} | "
            f"{seconds['after'] / seconds['before']:.3f} | {rss['before']:.0f} / {rss['after']:.0f} |",
            flush=True,
        )
    shutil.rmtree(scratch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
