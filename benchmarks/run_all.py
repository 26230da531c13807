"""Run every benchmark script in turn; each prints its figures and writes JSON to results/.

make bench                      # the national figures (scale 1.0; takes a while)
SAGLAM_BENCH_SCALE=0.1 make bench
"""

from __future__ import annotations

import importlib
import os
import sys

SCRIPTS = ["registries", "fhir_api", "care", "claims", "web"]


def main() -> int:
    scale = os.environ.get("SAGLAM_BENCH_SCALE", "1.0")
    for name in SCRIPTS:
        print(f"== benchmarks.{name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main(["--scale", scale])
    return 0


if __name__ == "__main__":
    sys.exit(main())
