"""Run the benchmarks: ``python bench/run.py [name ...] [-- args]`` (``make bench``).

Each ``bench/bench_<name>.py`` has ``main(argv)``; with no names every benchmark runs, one
after the other, each in its own process (a clean Django setup and a fresh database).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    args = sys.argv[1:]
    extra: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1 :]
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    names = args or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    failed = 0
    for name in names:
        print(f"\n### bench {name}", flush=True)
        failed |= subprocess.run(
            [sys.executable, str(HERE / f"bench_{name}.py"), *extra], check=False
        ).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
