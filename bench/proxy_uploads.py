"""Uploading 1 KB events through the proxy, as a service hosts Cairn: nginx terminating TLS
in front of one, then two, `cairn serve --production` processes sharing one PostgreSQL
database (tests/hosting.py's deployment, a schema of its own for each). The ratio of the
two runs' requests per second is what a second process buys.

PHONES phones, each with its own account, loopback address and keep-alive HTTPS connection,
upload back to back, one event per request, so at most PHONES requests are in flight. The
phones run in CLIENT_PROCESSES processes of their own, so no one Python interpreter's lock is
shared by all fifty; each part's CPU time over the measured seconds, read from /proc, shows
what the figure is limited by.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.uploads import (
    MEASURE_S,
    START_CODE,
    UNLIMITED,
    WARM_UP_S,
    HttpPhone,
    postgres_url,
    summary,
    upload_until,
)
from tests.hosting import Deployment, deployed, https_to

PHONES = 50
CLIENT_PROCESSES = 2
SIGN_UP_TIMEOUT_S = 120
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    """One bounded load on a deployment of ``servers`` processes."""

    servers: int
    # How many processes the phones ran in.
    client_processes: int
    rps: float
    p50: float
    p99: float
    errors: int
    # Each part's CPU time over the measured seconds, in cores (1.0: one core all the time);
    # "other": the rest of the machine's (the kernel's own, other work beside the run).
    cpu: dict[str, float]
    # The machine's, in cores, of how many it has.
    busy: float
    cores: int


def limited_by(run: Run) -> str:
    """What held ``run``'s figure down, read from where the CPU time went."""
    full = 0.9  # of a core, or of every core
    if run.cpu["phones"] >= full * run.client_processes:
        return "the load generator (its processes were busy all the time)"
    if run.cpu["cairn"] >= full * run.servers:
        return "Cairn's processes, one core each at most (Python runs one thread at a time)"
    if run.busy >= full * run.cores:
        return f"the machine's {run.cores} cores (all busy)"
    return "none of the CPUs (the requests waited on something else)"


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of process ``pid`` so far; 0 if it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _named(name: str) -> list[int]:
    """Every process whose command is ``name`` (PostgreSQL's: its server and backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def _machine_busy_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of every core since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / TICK, sum(ticks) / TICK


def _sample(parts: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    return {name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in parts.items()}


def _parts(deployment: Deployment, clients: list[int]) -> dict[str, list[int]]:
    """The processes of each part of the load, by pid (nginx's master and its worker)."""
    cairn = [p.pid for p in deployment.processes[: deployment.servers]]
    nginx = deployment.processes[deployment.servers].pid
    return {
        "phones": clients,
        "nginx": [nginx, *_children(nginx)],
        "cairn": cairn,
        "PostgreSQL": _named("postgres"),
    }


def _phones(
    port: int,
    ca: str,
    origin: str,
    addresses: list[str],
    signed_up,
    go,
    start,
    out,
) -> None:
    """One client process: sign its phones up, then upload from the shared start."""
    try:
        phones = [HttpPhone(https_to(port, Path(ca), address), origin) for address in addresses]
        for phone in phones:
            phone.sign_up()
    except BaseException:
        signed_up.abort()
        raise
    signed_up.wait()
    go.wait()
    measure_from = start.value
    out.put(upload_until(phones, measure_from, measure_from + MEASURE_S))


def _load(deployment: Deployment, client_processes: int) -> Run:
    spawn = multiprocessing.get_context("spawn")
    signed_up = spawn.Barrier(client_processes + 1)
    go = spawn.Barrier(client_processes + 1)
    start = spawn.Value("d", 0.0)
    out = spawn.Queue()
    # A loopback address each, as fifty phones on fifty connections would come.
    addresses = [f"127.0.1.{i + 1}" for i in range(PHONES)]
    workers = [
        spawn.Process(
            target=_phones,
            args=(
                deployment.port,
                str(deployment.ca),
                deployment.origin,
                addresses[k::client_processes],
                signed_up,
                go,
                start,
                out,
            ),
        )
        for k in range(client_processes)
    ]
    for w in workers:
        w.start()
    try:
        try:
            signed_up.wait(timeout=SIGN_UP_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise RuntimeError("phones could not sign up: see the traceback above") from None
        start.value = measure_from = time.monotonic() + WARM_UP_S
        go.wait(timeout=10)
        time.sleep(max(0.0, measure_from - time.monotonic()))
        # After the warm-up: by then the servers' pools have opened their connections.
        parts = _parts(deployment, [w.pid for w in workers])
        before, machine_before = _sample(parts), _machine_busy_seconds()
        time.sleep(max(0.0, measure_from + MEASURE_S - time.monotonic()))
        after, machine_after = _sample(parts), _machine_busy_seconds()
        results = [out.get(timeout=MEASURE_S + 60) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.terminate()
                w.join()
    cpu = {
        name: sum(max(0.0, after[name][pid] - before[name][pid]) for pid in pids) / MEASURE_S
        for name, pids in parts.items()
    }
    cores = os.cpu_count() or 1
    busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1]) * cores
    cpu["other"] = max(0.0, busy - sum(cpu.values()))
    latencies = [x for per, _ in results for x in per]
    rps, p50, p99, errors = summary(latencies, sum(e for _, e in results), MEASURE_S)
    return Run(deployment.servers, client_processes, rps, p50, p99, errors, cpu, busy, cores)


def measure(client_processes: int = CLIENT_PROCESSES) -> list[Run]:
    """The bounded load on one process, then on two, each on a new PostgreSQL schema; none
    without a PostgreSQL database."""
    url = postgres_url()
    if not url:
        return []
    runs = []
    for servers in (1, 2):
        with (
            tempfile.TemporaryDirectory(prefix="cairn-proxy-") as folder,
            deployed(
                Path(folder), url, servers=servers, start_code=START_CODE, env=UNLIMITED
            ) as deployment,
        ):
            runs.append(_load(deployment, client_processes))
    return runs


if __name__ == "__main__":
    for run in measure(int(sys.argv[1]) if len(sys.argv) > 1 else CLIENT_PROCESSES):
        print(run)
