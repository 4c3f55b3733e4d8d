"""A real time-stamping authority for the tests: OpenSSL's ``ts -reply`` with its own CA
(``server.tsa.OwnAuthority``, in a folder of its own), behind a small HTTP endpoint as
RFC 3161 section 3.4 describes. ``misbehave`` makes it answer what a broken or hostile
authority might."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from server.tsa import OwnAuthority, stamp


class LocalAuthority:
    def __init__(self, folder: Path) -> None:
        self.authority = OwnAuthority(folder)
        self.ca_file = folder / "ca.pem"
        # Given the request's bytes and the real answer, what to send instead.
        self.misbehave: Callable[[bytes, bytes], bytes] | None = None

    def token(self, hash_hex: str) -> bytes:
        """A time-stamp (TimeStampResp, DER) for a chain head's hash."""
        return stamp(self.authority, bytes.fromhex(hash_hex)).response


@contextmanager
def serving(authority: LocalAuthority) -> Iterator[str]:
    """Serve ``authority`` over HTTP on a free port; yield its address."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = authority.authority.answer(query)
            if authority.misbehave:
                answer = authority.misbehave(query, answer)
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()
