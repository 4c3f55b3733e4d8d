"""The ``cairn`` command: run the server, check an evidence bundle."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

DESCRIPTION = """\
Cairn: a private, encrypted incident diary for people who are being stalked or harassed.
The diary lives encrypted on the phone; this server serves the app and, only if the user
asks, keeps encrypted copies it cannot read.

Settings come from CAIRN_* environment variables, for example:
  CAIRN_INSTANCE_PATH   folder for the database and secrets (default: ./instance)
  CAIRN_DATABASE        SQLite file, relative to the instance folder (default: cairn.sqlite)
  CAIRN_BEHIND_PROXY    number of TLS proxies in front of Cairn whose X-Forwarded-* to trust
  CAIRN_TRUSTED_PROXY   the proxy's address, for --production (default 127.0.0.1; * for any)
  CAIRN_DATABASE_URL    postgresql://… instead of the SQLite file
"""


MAX_INVITATIONS = 1000
MAX_DAYS = 365


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for ``cairn``."""
    parser = argparse.ArgumentParser(
        prog="cairn", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run Cairn (SQLite in the instance folder, http://localhost:8000)",
        description="Run Cairn on its embedded default: SQLite in the instance folder.",
    )
    serve.add_argument("--host", default="localhost", help="address to listen on (localhost)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--production",
        action="store_true",
        help="serve with the waitress WSGI server (threads, no debugger)",
    )
    serve.add_argument("--threads", type=int, default=8, help="worker threads in production (8)")
    serve.add_argument(
        "--instance", metavar="DIR", help="instance folder (or set CAIRN_INSTANCE_PATH)"
    )
    invite = commands.add_parser(
        "invite",
        help="make invitations: one-time codes, each opening one copy on the server",
        description="Make invitations and print their codes, one a line. Each opens one "
        "copy on the server, once, for the person it is given to (typed in the app's "
        "settings where the start code would be). Only a hash of each is stored: write "
        "them down now.",
    )
    invite.add_argument(
        "--count", type=int, default=1, help=f"how many (1 to {MAX_INVITATIONS}; 1)"
    )
    invite.add_argument(
        "--days", type=int, default=30, help=f"how long each lasts (1 to {MAX_DAYS} days; 30)"
    )
    invite.add_argument(
        "--instance", metavar="DIR", help="instance folder (or set CAIRN_INSTANCE_PATH)"
    )
    verify = commands.add_parser(
        "verify",
        help="check an evidence bundle: every entry, file, event and receipt, and what anchors it",
        description="Check an evidence bundle made in the app: every entry of the zip must be "
        "listed in its manifest with its SHA-256; each file must match the event that added "
        "it; every event's hash is recomputed and the chain followed to its head; each of "
        "the server's signed time receipts is checked. Then it says what anchors the record "
        "in time, or that it is internally consistent only. Exits 0 when all is verified, 1 "
        "when anything is not, 2 when it is not a readable bundle or an option cannot be read.",
    )
    verify.add_argument("bundle", metavar="BUNDLE", help="the .zip file made by Cairn")
    verify.add_argument(
        "--key",
        metavar="PUBLICKEY",
        help="the server's receipt key as /api/receipts/key publishes it (the publicKey, "
        "base64url), or a file holding it or that JSON; without it, receipts are checked "
        "against the key that came with the bundle",
    )
    verify.add_argument(
        "--head",
        metavar="HASH[:N]",
        help="a chain head you noted earlier (from a printed report: the fingerprint, or its "
        "first 32 or more hex digits, and optionally :N, its event number); the bundle must "
        "contain it unchanged",
    )
    verify.add_argument(
        "--tsa-ca",
        metavar="PEMFILE",
        help="the time-stamping authority's CA certificate(s), PEM, from the authority "
        "itself; without it, time-stamps are checked against the certificates that came "
        "with the bundle",
    )
    return parser


def verify(args: argparse.Namespace) -> int:
    """Check a bundle and print what was found."""
    from .verify import (
        BundleError,
        CertificateTextError,
        HeadTextError,
        KeyTextError,
        parse_certificates,
        parse_head,
        parse_key,
        plain,
        report,
        verify_bundle,
    )

    try:
        key = parse_key(args.key) if args.key is not None else None
    except KeyTextError as error:
        print(plain(f"cairn verify: --key: {error}"), file=sys.stderr)
        return 2
    try:
        head = parse_head(args.head) if args.head is not None else None
    except HeadTextError as error:
        print(f"cairn verify: --head: {error}", file=sys.stderr)
        return 2
    try:
        roots = parse_certificates(args.tsa_ca) if args.tsa_ca is not None else None
    except CertificateTextError as error:
        print(plain(f"cairn verify: --tsa-ca: {error}"), file=sys.stderr)
        return 2
    try:
        result = verify_bundle(args.bundle, key=key, head=head, tsa_roots=roots)
    except BundleError as error:
        print(plain(f"cairn verify: {args.bundle}: {error}"), file=sys.stderr)
        return 2
    print(report(result))
    return 0 if result.ok else 1


# What the proxy tells Cairn about each request (werkzeug's ProxyFix reads the same).
PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


def is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def waitress_options(config, threads: int, host: str = "localhost") -> dict:
    """Waitress's settings for ``config``. Behind a proxy, waitress must be told whom to
    trust, or it deletes X-Forwarded-* and every visitor is the proxy: one person's wrong
    codes would lock everyone out, and no request would count as HTTPS (no HSTS)."""
    options = {
        "threads": threads,
        "ident": "",
        "connection_limit": int(config["CONNECTION_LIMIT"]),
        "channel_timeout": int(config["CHANNEL_TIMEOUT"]),
        # More than about a thousand sockets need poll(): select() stops at 1024.
        "asyncore_use_poll": True,
    }
    hops = int(config["BEHIND_PROXY"])
    if hops:
        options |= {
            "trusted_proxy": str(
                config["TRUSTED_PROXY"] or ("*" if is_loopback(host) else "127.0.0.1")
            ),
            "trusted_proxy_count": hops,
            "trusted_proxy_headers": PROXY_HEADERS,
            "clear_untrusted_proxy_headers": True,
        }
    return options


def _app(instance: str | None) -> Flask:
    """The app, on the instance folder given or set (default: ./instance)."""
    if instance:
        os.environ["CAIRN_INSTANCE_PATH"] = instance
    elif "CAIRN_INSTANCE_PATH" not in os.environ:
        os.environ["CAIRN_INSTANCE_PATH"] = os.path.join(os.getcwd(), "instance")

    from . import create_app

    return create_app()


def invite(args: argparse.Namespace) -> int:
    """Make invitations in the server's database and print their codes."""
    if not 1 <= args.count <= MAX_INVITATIONS or not 1 <= args.days <= MAX_DAYS:
        print(
            f"cairn invite: --count is 1 to {MAX_INVITATIONS}, --days 1 to {MAX_DAYS}.",
            file=sys.stderr,
        )
        return 2
    import datetime

    from . import invitations
    from .db import get_db

    app = _app(args.instance)
    with app.app_context():
        codes = invitations.make(get_db(), args.count, args.days)
    until = datetime.date.today() + datetime.timedelta(days=args.days)
    print("\n".join(codes), flush=True)
    print(
        f"Each opens one copy on the server, once, until {until:%-d %B %Y}. Give each to one "
        "person with the app's address; they type it in Settings, where the start code goes.",
        file=sys.stderr,
    )
    return 0


def serve(args: argparse.Namespace) -> int:
    """Create the app and serve it until interrupted."""
    app = _app(args.instance)
    url = f"http://{args.host}:{args.port}/"
    # Passkeys are checked against the address phones use; behind a proxy set CAIRN_ORIGIN.
    app.config["ORIGIN"] = app.config.get("ORIGIN") or url.rstrip("/")
    print(f"Cairn is running at {url} (instance folder: {app.instance_path})", flush=True)
    if not is_loopback(args.host):
        print(
            "Phones need HTTPS for the service worker and passkeys: put Cairn behind a TLS "
            "proxy (see README) and set CAIRN_BEHIND_PROXY=1.",
            flush=True,
        )
    if args.production:
        import logging

        import waitress

        # Waitress logs a malformed X-Forwarded-For whole, the client's address in it.
        logging.getLogger("waitress").addFilter(
            lambda record: "proxy header" not in str(record.msg)
        )

        options = waitress_options(app.config, args.threads, args.host)
        waitress.serve(app, host=args.host, port=args.port, **options)
    else:
        from werkzeug.serving import run_simple

        run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``cairn`` command line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "invite":
        return invite(args)
    if args.command == "verify":
        return verify(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
