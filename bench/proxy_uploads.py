"""Uploading 1 KB events through the proxy, as a service hosts Cairn: nginx terminating TLS
in front of one `cairn serve --production` process, and in front of two, sharing one
PostgreSQL database (tests/hosting.py's deployment; each its own nginx and schema). The
ratio of their requests per second is what a second process buys.

PHONES phones, each with its own account, loopback address and keep-alive HTTPS connection,
upload back to back, one event per request, so at most PHONES requests are in flight. Both
deployments stay up and take turns (ORDER, WINDOW_S each), so other work on the machine
falls on both alike. The phones run in CLIENT_PROCESSES processes of their own, so no one
Python interpreter's lock is shared by all fifty; each part's CPU time over the measured
seconds, read from /proc, shows what the figure is limited by.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.uploads import (
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
# One process's turn, two processes' turn, and so on: ABBA twice, so a change in the rest of
# the machine's load part-way falls on both. Each turn lets the last one's requests finish
# (SETTLE_S), then measures WINDOW_S.
ORDER = (0, 1, 1, 0, 0, 1, 1, 0)
SETTLE_S = 0.5
WINDOW_S = 2.5
MEASURED_S = ORDER.count(0) * WINDOW_S
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
    """Every process whose command is ``name`` (PostgreSQL: its server and every backend,
    the run's or not)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def _machine_busy_seconds() -> float:
    """CPU seconds every core together has been busy since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / TICK


def _sample(parts: dict[str, list[int]]) -> dict[str, dict[int, float]]:
    return {name: {pid: _cpu_seconds(pid) for pid in pids} for name, pids in parts.items()}


def _schedule() -> list[tuple[int, float, float]]:
    """The windows of the load, in seconds from its start: (deployment, measure from, stop).
    Each deployment warms up once, unmeasured; then they take turns in ORDER."""
    windows, t = [], 0.0
    for d in (0, 1):
        t += WARM_UP_S
        windows.append((d, t, t))
    for d in ORDER:
        windows.append((d, t + SETTLE_S, t + SETTLE_S + WINDOW_S))
        t += SETTLE_S + WINDOW_S
    return windows


def _phones(
    servers: list[tuple[int, str, str]],
    addresses: list[str],
    signed_up,
    go,
    start,
    out,
) -> None:
    """One client process: sign its phones up with each deployment (port, CA file, origin),
    then upload to one deployment at a time, as the schedule says, from the shared start."""
    try:
        phones = [
            [HttpPhone(https_to(port, Path(ca), address), origin) for address in addresses]
            for port, ca, origin in servers
        ]
        for phone in (phone for group in phones for phone in group):
            phone.sign_up()
    except BaseException:
        signed_up.abort()
        raise
    signed_up.wait()
    go.wait()
    t0 = start.value
    measured: list[tuple[list[float], int]] = [([], 0) for _ in servers]
    for d, measure_from, stop in _schedule():
        latencies, errors = upload_until(phones[d], t0 + measure_from, t0 + stop)
        measured[d] = (measured[d][0] + latencies, measured[d][1] + errors)
    out.put(measured)


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


def _load(deployments: list[Deployment], client_processes: int) -> list[Run]:
    spawn = multiprocessing.get_context("spawn")
    signed_up = spawn.Barrier(client_processes + 1)
    go = spawn.Barrier(client_processes + 1)
    start = spawn.Value("d", 0.0)
    out = spawn.Queue()
    servers = [(d.port, str(d.ca), d.origin) for d in deployments]
    # A loopback address each, as fifty phones on fifty connections would come.
    addresses = [f"127.0.1.{i + 1}" for i in range(PHONES)]
    workers = [
        spawn.Process(
            target=_phones,
            args=(servers, addresses[k::client_processes], signed_up, go, start, out),
        )
        for k in range(client_processes)
    ]
    for w in workers:
        w.start()
    cpu = [dict.fromkeys(("phones", "nginx", "cairn", "PostgreSQL"), 0.0) for _ in deployments]
    busy = [0.0 for _ in deployments]
    cores = os.cpu_count() or 1
    try:
        try:
            signed_up.wait(timeout=SIGN_UP_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise RuntimeError("phones could not sign up: see the traceback above") from None
        start.value = t0 = time.monotonic() + 0.1
        go.wait(timeout=10)
        parts: list[dict[str, list[int]]] = []
        for d, measure_from, stop in _schedule():
            if measure_from == stop:
                continue
            time.sleep(max(0.0, t0 + measure_from - time.monotonic()))
            # After the warm-ups: by then the servers' pools have opened their connections.
            parts = parts or [_parts(x, [w.pid for w in workers]) for x in deployments]
            before, machine_before = _sample(parts[d]), _machine_busy_seconds()
            time.sleep(max(0.0, t0 + stop - time.monotonic()))
            after, machine_after = _sample(parts[d]), _machine_busy_seconds()
            for name, pids in parts[d].items():
                cpu[d][name] += sum(max(0.0, after[name][p] - before[name][p]) for p in pids)
            busy[d] += machine_after - machine_before
        results = [out.get(timeout=60) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.terminate()
                w.join()
    runs = []
    for d, deployment in enumerate(deployments):
        latencies = [x for measured in results for x in measured[d][0]]
        errors = sum(measured[d][1] for measured in results)
        rps, p50, p99, errors = summary(latencies, errors, MEASURED_S)
        shares = {name: seconds / MEASURED_S for name, seconds in cpu[d].items()}
        shares["other"] = max(0.0, busy[d] / MEASURED_S - sum(shares.values()))
        runs.append(
            Run(
                servers=deployment.servers,
                client_processes=client_processes,
                rps=rps,
                p50=p50,
                p99=p99,
                errors=errors,
                cpu=shares,
                busy=busy[d] / MEASURED_S,
                cores=cores,
            )
        )
    return runs


def measure(client_processes: int = CLIENT_PROCESSES) -> list[Run]:
    """The bounded load on one process and on two, each on a schema of its own, taking
    turns; none without a PostgreSQL database."""
    url = postgres_url()
    if not url:
        return []
    with contextlib.ExitStack() as stack:
        deployments = [
            stack.enter_context(
                deployed(
                    Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cairn-proxy-"))),
                    url,
                    servers=servers,
                    start_code=START_CODE,
                    env=UNLIMITED,
                )
            )
            for servers in (1, 2)
        ]
        return _load(deployments, client_processes)


if __name__ == "__main__":
    for run in measure(int(sys.argv[1]) if len(sys.argv) > 1 else CLIENT_PROCESSES):
        print(run)
