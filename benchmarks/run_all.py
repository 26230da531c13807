"""Run every benchmark script in turn; each prints its figures and writes JSON to results/."""

from __future__ import annotations

import importlib
import sys

SCRIPTS: list[str] = []


def main() -> int:
    if not SCRIPTS:
        print("no benchmarks registered yet")
        return 0
    for name in SCRIPTS:
        print(f"== {name}")
        module = importlib.import_module(f"benchmarks.{name}")
        module.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
