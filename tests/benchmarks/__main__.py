"""Run the benchmarks: `python -m tests.benchmarks [NAME ...]` (`make bench [ONLY=...]`).

Each `bench_<name>.py` module here has `async def main() -> None` that prints its figures.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys

import tests.benchmarks as package


def available() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("bench_")
    )


def run(names: list[str]) -> int:
    known = available()
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    for name in names or known:
        module = importlib.import_module(f"tests.benchmarks.bench_{name}")
        print(f"== {name} ==", flush=True)
        asyncio.run(module.main())
    return 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
