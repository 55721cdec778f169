"""Compare two plates file by file: the same bytes, the same JSON, or different.

    .venv/bin/python benchmarks/compare_plates.py BEFORE.zarr AFTER.zarr

Used to check that a change of the converter writes the same plate: prints how many
files are byte-identical, how many are JSON documents equal after parsing (only the key
order or formatting differs), and lists every other difference. Exit code 1 when a file
differs in content or exists on one side only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    before, after = (Path(a) for a in argv)
    old, new = files(before), files(after)
    identical, same_json, different = 0, [], []
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key].read_bytes(), new[key].read_bytes()
        if a == b:
            identical += 1
            continue
        try:
            if json.loads(a) == json.loads(b):
                same_json.append(key)
                continue
        except ValueError:
            pass
        different.append(key)
    only_old, only_new = sorted(old.keys() - new.keys()), sorted(new.keys() - old.keys())
    print(
        f"{identical} files byte-identical, {len(same_json)} JSON documents equal in content "
        f"but not in bytes, {len(different)} different, {len(only_old)} only before, "
        f"{len(only_new)} only after"
    )
    kinds: dict[str, list[str]] = {}
    for key in same_json:
        kinds.setdefault(key.rsplit("/", 1)[-1], []).append(key)
    for name, keys in sorted(kinds.items()):
        print(f"  same JSON, other bytes: {len(keys)} x {name} (e.g. {keys[0]})")
    for label, keys in (("different", different), ("only before", only_old), ("only after", only_new)):
        for key in keys[:20]:
            print(f"  {label}: {key}")
    return 1 if different or only_old or only_new else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
