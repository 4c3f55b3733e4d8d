"""Benchmarks for checking evidence (issue 17): `cairn verify` on a large bundle, and getting
and checking an RFC 3161 time-stamp from a local authority."""

from __future__ import annotations

import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from cryptography import x509
from rfc3161_client import VerifierBuilder, decode_timestamp_response

from server import create_app
from server.encoding import unb64url
from tests.authority import LocalAuthority, serving
from tests.bundles import REPORT, chain, evidence, listing, manifest_for

# Runs `cairn verify` and reports the process's peak memory (KB) on stderr: VmHWM, which
# starts afresh at exec (ru_maxrss would carry over the forking parent's).
PEAK = (
    "import re, sys\n"
    "from server.cli import main\n"
    "code = main(['verify', sys.argv[1]])\n"
    "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]\n"
    "sys.stderr.write(f'peak {hwm}\\n')\n"
    "sys.exit(code)\n"
)


def make_bundle(path: Path, incidents: int, files: int, mib: int) -> int:
    """A bundle as the phone makes it: ``incidents`` incidents, the first ``files`` with one
    file of ``mib`` MiB each. Returns the bytes of files in it."""
    block = hashlib.sha256(b"seed").digest() * (mib * 1024 * 1024 // 32)
    datas = [i.to_bytes(8, "big") + block[8:] for i in range(files)]
    steps = []
    for i in range(incidents):
        steps.append(("incident.recorded", f"i{i}", {"fields": {"what": f"Incident {i} " * 20}}))
        if i < files:
            steps.append(("evidence.added", f"i{i}", evidence(f"photo-{i}.jpg", datas[i])))
    events = chain(steps)
    added = [e for e in events if e["type"] == "evidence.added"]
    paths = [f"files/{n:03d}-photo-{n - 1}.jpg" for n in range(1, files + 1)]
    manifest = manifest_for(events, [listing(e, p) for e, p in zip(added, paths, strict=True)])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("report.html", REPORT)
        for p, data in zip(paths, datas, strict=True):
            zf.writestr(p, data)
    return sum(len(d) for d in datas)


def verify_once(path: Path) -> tuple[float, int]:
    """Wall time (s) and peak memory (KB) of one `cairn verify` run on ``path``."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0,):
        raise RuntimeError(f"verify failed: {done.stdout[-400:]} {done.stderr[-400:]}")
    peak = int(done.stderr.rsplit("peak ", 1)[1])
    return seconds, peak


def verify_rows(incidents: int = 1000, files: int = 500, mib: int = 1):
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.zip", Path(tmp) / "large.zip"
        make_bundle(small, 1, 1, 1)
        size = make_bundle(large, incidents, files, mib)
        _, base_peak = verify_once(small)
        runs = [verify_once(large) for _ in range(3)]
    seconds = statistics.median(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    return [
        (
            f"cairn verify: {incidents:,} incidents, {files} files, {size / 2**20:.0f} MiB "
            "(median of 3, SHA-256 of every byte)",
            round(seconds, 2),
            "s",
        ),
        (
            "cairn verify: peak memory over a one-file bundle's "
            f"({base_peak / 1024:.0f} MiB), for the same",
            round((peak - base_peak) / 1024, 1),
            "MiB",
        ),
    ]


def timestamp_rows(runs: int = 20):
    with tempfile.TemporaryDirectory() as tmp:
        authority = LocalAuthority(Path(tmp) / "authority")
        root = x509.load_pem_x509_certificate(authority.ca_file.read_bytes())
        with serving(authority) as url:
            app = create_app(
                {"TESTING": True, "INSTANCE_PATH": str(Path(tmp) / "i"), "TSA_URL": url}
            )
            client = app.test_client()
            token = client.get("/api/csrf").get_json()["token"]
            times = []
            for n in range(runs):
                head = hashlib.sha256(n.to_bytes(4, "big")).hexdigest()
                started = time.perf_counter()
                answer = client.post(
                    "/api/timestamp", json={"hash": head}, headers={"X-CSRFToken": token}
                ).get_json()
                response = decode_timestamp_response(unb64url(answer["token"]))
                VerifierBuilder().add_root_certificate(root).build().verify(
                    response, bytes.fromhex(head)
                )
                times.append((time.perf_counter() - started) * 1000)
    return [
        (
            f"time-stamp for a new head: asked through /api/timestamp of a local authority "
            f"(openssl ts -reply over HTTP) and checked (median of {runs})",
            round(statistics.median(times), 1),
            "ms",
        )
    ]
