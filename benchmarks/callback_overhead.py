#!/usr/bin/env python3
"""What the audit callback and the gate cost: 10 local hosts x 50 tasks, real ansible-playbook.

Configurations (each run is one ``ansible-playbook`` of 500 host-tasks; tasks rotate
``debug`` / ``set_fact`` / ``command: true`` as in the peer benchmark of ARA):

  default      the stdout callback only
  audit        + the changegate.itsm.audit callback (store + writeback sinks, run under a change)
  gate         every task wrapped by changegate.itsm.gate (no callback)
  gate_audit   both: every task gated, every decision and result recorded
  ara_default  (--ara VENV) the other venv's ansible-playbook, no callback: ARA's baseline
  ara          (--ara VENV) + ARA's callback, offline client, SQLite

Runs are interleaved round-robin after one warm-up of each configuration, and the medians are
compared; on a shared machine single wall times swing widely, so the paired ratio (each
configuration against ``default`` in the same round) is printed too. Targets: audit overhead
<= 5 %, gate <= 10 ms per host-task.

    .venv/bin/python benchmarks/callback_overhead.py --runs 5
    .venv/bin/python benchmarks/callback_overhead.py --runs 3 --ara /tmp/aravenv
    .venv/bin/python benchmarks/callback_overhead.py --micro

``--micro`` times changegate's own code in one process instead (no Ansible): recording 500
results through the real Recorder, spool and SQLite store sink, and 500 gate decisions through
the real Gatekeeper with its on-disk run cache. It is the figure to trust on a busy machine,
where the end-to-end wall and CPU times of other tenants swamp a few percent.
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
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOSTS = 10
TASKS = 50
HOST_TASKS = HOSTS * TASKS


def task(i: int, gated: bool) -> str:
    """Task ``i``: debug, set_fact or command, optionally wrapped by the gate."""
    module, args = [
        ("ansible.builtin.debug", f'{{msg: "task {i} on {{{{ inventory_hostname }}}}"}}'),
        ("ansible.builtin.set_fact", f'{{bench_fact_{i}: "{i}"}}'),
        ("ansible.builtin.command", '{cmd: "true"}'),
    ][i % 3]
    changed = "\n      changed_when: false" if module.endswith("command") else ""
    if gated:
        return (
            f"    - name: gated {i}\n      changegate.itsm.gate:\n        module: {module}\n"
            f"        args: {args}{changed}\n"
        )
    return f"    - name: task {i}\n      {module}: {args}{changed}\n"


def write_lab(work: Path) -> None:
    """Inventory, the two playbooks, a policy, ansible.cfg files."""
    hosts = "\n".join(f"bench-{i:02d} ansible_connection=local" for i in range(1, HOSTS + 1))
    (work / "inventory.ini").write_text(
        f"[bench]\n{hosts}\n\n[all:vars]\n"
        'ansible_python_interpreter="{{ ansible_playbook_python }}"\n'
        "changegate_environment=production\n"
    )
    for name, gated in (("plain.yml", False), ("gated.yml", True)):
        head = f"- name: bench {HOSTS} x {TASKS}\n  hosts: all\n  gather_facts: false\n  tasks:\n"
        (work / name).write_text(head + "".join(task(i, gated) for i in range(TASKS)))
    (work / "changegate.yml").write_text("version: 1\n")
    base = f"[defaults]\ncollections_path = {ROOT / 'collections'}\nretry_files_enabled = False\n"
    (work / "default.cfg").write_text(base)
    (work / "audit.cfg").write_text(
        base + "callbacks_enabled = changegate.itsm.audit\n\n[changegate]\n"
        f"spool = {work / 'spool'}\nsinks = store, writeback\n"
    )


def open_change(db_url: str, policy: Path) -> str:
    """An approved normal change whose window covers the benchmark."""
    from change_control.model import ChangeType, Window
    from change_control.policy.loader import load_policy
    from change_control.providers import get_provider
    from change_control.providers.base import NewChange
    from change_control.settings import resolve

    now = datetime.now(UTC)
    provider = get_provider(
        "local", resolve(db=db_url, config=str(policy), env={}), load_policy(policy)
    )
    window = Window(now - timedelta(hours=1), now + timedelta(days=1))
    created = provider.create(
        NewChange(ChangeType.NORMAL, "benchmark", "alice", window=window), now
    )
    provider.approve(created.id, "bob", now)
    close = getattr(provider, "close", None)
    if callable(close):
        close()
    return str(created.id)


def ara_env(venv: Path, work: Path) -> dict[str, str]:
    """ARA's callback directory and offline SQLite settings from the other venv."""
    plugins = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "ara.setup.callback_plugins"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "ANSIBLE_CALLBACK_PLUGINS": plugins,
        "ARA_API_CLIENT": "offline",
        "ARA_BASE_DIR": str(work / "ara"),
        "ARA_DEFAULT_LABELS": "change:CHG0000001",
    }


def configs(
    work: Path, change: str, ara: Path | None
) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (command, extra environment)."""

    def play(binary: Path, playbook: str, cfg: str) -> tuple[list[str], str]:
        cmd = [str(binary), "-i", str(work / "inventory.ini"), str(work / playbook)]
        return [*cmd, "-e", f"changegate_change={change}"], str(work / cfg)

    table: dict[str, tuple[list[str], dict[str, str]]] = {}
    for name, playbook, cfg in (
        ("default", "plain.yml", "default.cfg"),
        ("audit", "plain.yml", "audit.cfg"),
        ("gate", "gated.yml", "default.cfg"),
        ("gate_audit", "gated.yml", "audit.cfg"),
    ):
        cmd, cfg_path = play(BIN / "ansible-playbook", playbook, cfg)
        table[name] = (cmd, {"ANSIBLE_CONFIG": cfg_path})
    if ara is not None:
        other = ara / "bin" / "ansible-playbook"
        cmd, cfg_path = play(other, "plain.yml", "default.cfg")
        table["ara_default"] = (cmd, {"ANSIBLE_CONFIG": cfg_path})
        table["ara"] = (cmd, {"ANSIBLE_CONFIG": cfg_path, **ara_env(ara, work)})
    return table


def run_once(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the whole process tree) of one playbook run.

    CPU time is far less sensitive than wall time to other tenants of a shared machine.
    """
    with open(log, "w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (rc {code}); see {log}")
    return wall, usage.ru_utime + usage.ru_stime


def base_env(work: Path, db_url: str) -> dict[str, str]:
    """The environment every configuration shares."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "CHANGEGATE_"))}
    env.update(
        CHANGEGATE_DB=db_url,
        CHANGEGATE_CONFIG=str(work / "changegate.yml"),
        ANSIBLE_LOCAL_TEMP=str(work / "ansible-tmp"),
        ANSIBLE_HOME=str(work / "ansible-home"),
        ANSIBLE_NOCOLOR="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def measure(
    table: dict[str, tuple[list[str], dict[str, str]]],
    env: dict[str, str],
    work: Path,
    runs: int,
    say: Callable[[str], None],
) -> dict[str, list[tuple[float, float]]]:
    """One warm-up per configuration, then ``runs`` interleaved rounds: name -> [(wall, cpu)]."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in table}
    for name, (cmd, extra) in table.items():
        run_once(cmd, {**env, **extra}, work / f"warmup-{name}.log")
    for round_no in range(1, runs + 1):
        for name, (cmd, extra) in table.items():
            wall, cpu = run_once(cmd, {**env, **extra}, work / f"{name}.log")
            samples[name].append((wall, cpu))
            say(
                f"round {round_no}/{runs} {name:<12} wall {wall:6.2f} s  cpu {cpu:6.2f} s  "
                f"(load {os.getloadavg()[0]:.1f})"
            )
    return samples


def report(samples: dict[str, list[tuple[float, float]]]) -> tuple[list[str], dict[str, object]]:
    """The table and the headline figures, for wall time and for CPU time."""
    figures: dict[str, object] = {}
    lines = [
        f"{'config':<12} {'wall s':>7} {'min':>7} {'max':>7} {'paired':>7} "
        f"{'cpu s':>7} {'paired':>7}"
    ]
    for name, runs in samples.items():
        base = "ara_default" if name == "ara" else "default"
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        lines.append(
            f"{name:<12} {wall:7.2f} {min(w for w, _ in runs):7.2f} "
            f"{max(w for w, _ in runs):7.2f} {_paired(samples, name, base, 0):7.3f} "
            f"{cpu:7.2f} {_paired(samples, name, base, 1):7.3f}"
        )
        figures[name] = {"wall_median_s": wall, "cpu_median_s": cpu}
    for axis, index in (("wall", 0), ("cpu", 1)):
        figures[f"audit_overhead_pct_{axis}"] = (
            _paired(samples, "audit", "default", index) - 1
        ) * 100
        figures[f"gate_ms_per_host_task_{axis}"] = _per_task(samples, "gate", "default", index)
        figures[f"gate_audit_ms_per_host_task_{axis}"] = _per_task(
            samples, "gate_audit", "audit", index
        )
        if "ara" in samples:
            figures[f"ara_overhead_pct_{axis}"] = (
                _paired(samples, "ara", "ara_default", index) - 1
            ) * 100
    lines.append("")
    for axis in ("wall", "cpu"):
        lines.append(
            f"{axis}: audit callback {figures[f'audit_overhead_pct_{axis}']:+.1f} % "
            f"(target <= 5 %); gate {figures[f'gate_ms_per_host_task_{axis}']:.2f} ms per "
            f"host-task, {figures[f'gate_audit_ms_per_host_task_{axis}']:.2f} ms with the "
            "callback (target <= 10 ms)"
            + (f"; ARA {figures[f'ara_overhead_pct_{axis}']:+.1f} %" if "ara" in samples else "")
        )
    return lines, figures


def _paired(samples: dict[str, list[tuple[float, float]]], name: str, base: str, i: int) -> float:
    """Median of the per-round ratios ``name / base`` (same round, same machine weather)."""
    pairs = zip(samples[name], samples[base], strict=True)
    return statistics.median(a[i] / b[i] for a, b in pairs)


def _per_task(samples: dict[str, list[tuple[float, float]]], name: str, base: str, i: int) -> float:
    """Added milliseconds per host-task: paired median difference over 500 host-tasks."""
    pairs = zip(samples[name], samples[base], strict=True)
    return statistics.median(a[i] - b[i] for a, b in pairs) / HOST_TASKS * 1000


def micro(work: Path, say: Callable[[str], None]) -> dict[str, float]:
    """Per-result and per-decision cost of changegate's own code (median of 5 batches of 500)."""
    sys.path.insert(0, str(ROOT / "collections"))
    from ansible_collections.changegate.itsm.plugins.plugin_utils.events import TaskFacts
    from ansible_collections.changegate.itsm.plugins.plugin_utils.recording import RunRecording

    from change_control.gate import Request
    from change_control.gatekeeper import Gatekeeper, RunCache
    from change_control.ledger.recorder import Recorder
    from change_control.ledger.sinks import SinkConfig, build_sinks
    from change_control.policy.model import Policy
    from change_control.providers import get_provider
    from change_control.settings import resolve
    from change_control.timeutil import utcnow

    db_url = f"sqlite:///{work / 'micro.db'}"
    change = open_change(db_url, work / "changegate.yml")
    provider = get_provider("local", resolve(db=db_url, env={}), Policy())
    record_ms, decide_ms = [], []
    for batch in range(5):
        sinks = build_sinks(["store"], SinkConfig(store=db_url))
        run = RunRecording(Recorder(sinks, work / "micro-spool"), f"micro-{batch}")
        started = time.perf_counter()
        run.start({"change_id": change})
        for i in range(HOST_TASKS):
            facts = TaskFacts(
                f"bench-{i % HOSTS}",
                f"task {i}",
                f"u{i}",
                "ansible.builtin.debug",
                "ok",
                {"changed": False, "msg": "hello"},
            )
            run.task_started(facts.host, facts.task_uuid)
            run.task_finished(facts)
        run.end({f"bench-{h}": {"ok": TASKS} for h in range(HOSTS)})
        record_ms.append((time.perf_counter() - started) / HOST_TASKS * 1000)
        keeper = Gatekeeper(Policy(), lambda: provider, cache=RunCache(work / f"run-{batch}"))
        started = time.perf_counter()
        for i in range(HOST_TASKS):
            module = (
                "ansible.builtin.debug",
                "ansible.builtin.set_fact",
                "ansible.builtin.command",
            )
            request = Request(change, "carol", f"bench-{i % HOSTS}", module[i % 3], "production")
            keeper.decide(request, utcnow())
        decide_ms.append((time.perf_counter() - started) / HOST_TASKS * 1000)
    figures = {
        "record_ms_per_result": statistics.median(record_ms),
        "decide_ms_per_host_task": statistics.median(decide_ms),
        "startup_s": statistics.median(startup(work, db_url) for _ in range(3)),
    }
    say(
        f"callback start-up (fresh process: imports, store open, policy, lookup, sinks): "
        f"{figures['startup_s']:.2f} s once per run"
    )
    say(
        f"recording: {figures['record_ms_per_result']:.2f} ms per result (spool + redaction + "
        f"SQLite store sink, batched); gate decision: {figures['decide_ms_per_host_task']:.2f} ms "
        "per host-task (run cache on disk, one provider lookup)"
    )
    return figures


STARTUP = """
import sys, time
import ansible.constants  # ansible-playbook has it loaded long before the callback starts
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
from ansible_collections.changegate.itsm.plugins.plugin_utils import services
from change_control.ledger.recorder import Recorder
from change_control.ledger.sinks import SinkConfig, build_sinks
opts = {"db": sys.argv[2], "config": sys.argv[3], "provider": "local", "sinks": ["store"],
        "jsonl": None, "spool": None, "fail_closed": None}
gatekeeper = services.get_services(opts, lambda m: None).gatekeeper
gatekeeper.lookup(sys.argv[4])
provider = gatekeeper.provider()
config = SinkConfig(store=provider.store, provider=provider)
Recorder(build_sinks(["store", "writeback"], config), sys.argv[5]).replay_pending()
print(time.perf_counter() - started)
"""


def startup(work: Path, db_url: str) -> float:
    """Seconds the audit callback needs before the first task, in a fresh interpreter."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            STARTUP,
            str(ROOT / "collections"),
            db_url,
            str(work / "changegate.yml"),
            "CHG0000001",
            str(work / "startup-spool"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(done.stdout.strip())


def main() -> int:
    """Parse arguments, run the matrix, print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--ara", type=Path, help="a venv with ansible-core and ara[server]")
    parser.add_argument("--workdir", type=Path, help="keep the lab here (default: a temp dir)")
    parser.add_argument("--out", type=Path, help="also write the raw figures as JSON")
    parser.add_argument("--micro", action="store_true", help="time changegate's code only")
    args = parser.parse_args()
    if args.ara is not None:
        probe = [str(args.ara / "bin" / "python"), "-c", "import ara"]
        if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
            parser.error(f"--ara {args.ara}: ara is not importable there")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="changegate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    write_lab(work)
    if args.micro:
        figures = micro(work, print)
        if args.out:
            args.out.write_text(json.dumps(figures, indent=2) + "\n")
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    db_url = f"sqlite:///{work / 'changegate.db'}"
    change = open_change(db_url, work / "changegate.yml")
    table = configs(work, change, args.ara)
    samples = measure(table, base_env(work, db_url), work, args.runs, print)
    lines, figures = report(samples)
    print("\n".join(["", *lines]))
    if args.out:
        args.out.write_text(json.dumps({"samples": samples, **figures}, indent=2) + "\n")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
