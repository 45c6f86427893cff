"""How long ``changegate --help`` takes, and which imports cost the most.

Run: ``.venv/bin/python benchmarks/cli_startup.py [N]`` (default N=20). Prints the median,
minimum and maximum wall time of N subprocess runs of the installed entry point, the same for a
bare ``python -c pass`` (the interpreter's own floor, so a figure from a loaded machine can be
read as a ratio), and the ten slowest imports by cumulative time from ``python -X importtime``.
The budget is 0.3 s; nothing here is asserted, because the machines are shared and wall time is
noise there (tests/cli/test_cli_startup.py asserts the cause instead: no heavy import).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BUDGET_S = 0.3
ENTRY_POINT = Path(sys.executable).parent / "changegate"


def timings(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """(wall, CPU) seconds of ``runs`` sequential runs of ``argv``.

    CPU time (user + system of the child) is reported beside wall time because it barely moves
    when other jobs load the machine, while wall time can double.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def slowest_imports(limit: int = 10) -> list[tuple[int, str]]:
    """(cumulative microseconds, module) of the slowest imports of ``changegate --help``."""
    code = "from drift.cli.main import main; main(['--help'])"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (
            part.strip() for part in line.removeprefix("import time:").split("|")
        )
        rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:limit]


def describe(label: str, times: list[float]) -> str:
    return (
        f"{label:<28} median {statistics.median(times) * 1000:6.1f} ms"
        f"   min {min(times) * 1000:6.1f} ms   max {max(times) * 1000:6.1f} ms"
    )


def main(runs: int = 20) -> int:
    """Measure and print; always exits 0 (this is a measurement, not a test)."""
    if not ENTRY_POINT.exists():
        print(f"no changegate entry point at {ENTRY_POINT}; install the package first")
        return 1
    floor, floor_cpu = timings([sys.executable, "-c", "pass"], runs)
    helps, helps_cpu = timings([str(ENTRY_POINT), "--help"], runs)
    print(f"changegate --help, {runs} runs each (budget {BUDGET_S * 1000:.0f} ms)")
    print(describe("python -c pass: wall", floor))
    print(describe("python -c pass: CPU", floor_cpu))
    print(describe("changegate --help: wall", helps))
    print(describe("changegate --help: CPU", helps_cpu))
    ratio = statistics.median(helps) / statistics.median(floor)
    verdict = "within" if statistics.median(helps) <= BUDGET_S else "OVER"
    print(f"ratio to the floor: {ratio:.1f}x; {verdict} budget")
    print("\nslowest imports of changegate --help (cumulative):")
    for micros, name in slowest_imports():
        print(f"  {micros / 1000:7.1f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
