"""An account of very many small records: what listing it (GET /api/backup) and sending the
whole copy (GET /api/backup/file) cost the server in memory. The server runs as
`cairn serve --production` in a process of its own; its peak resident memory (VmHWM) is read
before and after both calls. The rows are written straight into the database (one account,
each record 64 bytes of ciphertext)."""

from __future__ import annotations

import http.client
import secrets
import sqlite3
import sys
import time
from pathlib import Path

from bench.uploads import HttpPhone, fresh_schema, postgres_url, serving

ROWS = 1_000_000
CT = 64


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def _fill_sqlite(path: Path, account: str, rows: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO records (account, id, kind, version, iv, ct)"
            " VALUES (?, ?, 'event', 1, ?, ?)",
            (
                (account, f"e{n:09d}", secrets.token_bytes(12), secrets.token_bytes(CT))
                for n in range(rows)
            ),
        )


def _fill_postgres(url: str, account: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY records (account, id, kind, version, iv, ct) FROM STDIN") as copy:
            for n in range(rows):
                copy.write_row(
                    (
                        account,
                        f"e{n:09d}",
                        "event",
                        1,
                        secrets.token_bytes(12),
                        secrets.token_bytes(CT),
                    )
                )
        conn.commit()


def _drain(port: int, cookie: str, path: str) -> int:
    conn = http.client.HTTPConnection("localhost", port, timeout=600)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status}")
    size = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
    conn.close()
    return size


def _one(database_url: str | None, rows: int) -> tuple[float, float, float, int]:
    """(listing seconds, whole copy seconds, peak memory growth in MB, bytes sent)."""
    with serving(database_url) as (port, process, instance):
        phone = HttpPhone.local(port)
        phone.sign_up()
        if database_url:
            import psycopg

            with psycopg.connect(database_url) as conn:
                account = conn.execute("SELECT id FROM accounts").fetchone()[0]
            _fill_postgres(database_url, account, rows)
        else:
            path = instance / "cairn.sqlite"
            with sqlite3.connect(path) as conn:
                account = conn.execute("SELECT id FROM accounts").fetchone()[0]
            _fill_sqlite(path, account, rows)
        before = _peak_kib(process.pid)
        start = time.perf_counter()
        listed = _drain(port, phone.cookie, "/api/backup")
        middle = time.perf_counter()
        sent = _drain(port, phone.cookie, "/api/backup/file")
        end = time.perf_counter()
        growth = (_peak_kib(process.pid) - before) / 1024
        return middle - start, end - middle, growth, listed + sent


def measure(rows: int = ROWS) -> list[tuple[str, float, float, float, int]]:
    """(engine, listing s, whole copy s, peak growth MB, bytes) on SQLite and PostgreSQL."""
    out = [("SQLite", *_one(None, rows))]
    url = postgres_url()
    if url:
        with fresh_schema(url) as schema_url:
            out.append(("PostgreSQL", *_one(schema_url, rows)))
    return out


if __name__ == "__main__":
    for row in measure(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS):
        print(row)
