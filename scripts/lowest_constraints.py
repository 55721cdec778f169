"""Print pip constraints pinning every base dependency of pyproject.toml to its lower bound.

    python scripts/lowest_constraints.py > constraints.txt

Used by scripts/test-lowest.sh to run the suite against the oldest versions the package
claims to support.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def main() -> int:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    for requirement in dependencies:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement.strip())
        if match is None:
            print(f"no plain lower bound in {requirement!r}", file=sys.stderr)
            return 1
        print(f"{match.group(1)}=={match.group(3)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
