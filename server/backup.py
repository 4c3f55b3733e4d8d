"""The encrypted copy: the phone's records and file parts, exactly as it stores them.

Everything here is ciphertext under a key the server never has (docs/server-api.md). Uploads
are idempotent: a record is kept only when its version is newer, a part only when it is new
or its IV changed, so sending the same thing twice stores nothing twice, and a phone that
lost its connection asks what the server has and carries on from there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    jsonify,
    request,
    stream_with_context,
)

from . import storage
from .api import json_body
from .auth import NOT_SIGNED_IN, login_required
from .db import Database, Row, get_db, now_ms, open_own, release
from .encoding import b64url, unb64url
from .errors import BadInput, CairnError
from .limits import enforce

bp = Blueprint("backup", __name__, url_prefix="/api/backup")

# The backup file's format (docs/vault-format.md): its beginning names nothing, since a copy
# may lie in a phone's downloads. Phones read this and the older b"CAIRNBK1" / "cairn-backup/1".
FORMAT = "sealed/2"
MAGIC = b"SEALBOX2"
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The diary's id, made at random with its vault (16 bytes or more, base64url).
DIARY = re.compile(r"[A-Za-z0-9_-]{22,64}")
OTHER_DIARY = "This copy on the server belongs to another diary. Nothing was changed."
KIND = re.compile(r"[a-z][a-z0-9-]{0,31}")
IV_BYTES = 12
# One file part: 1 MiB of plaintext and the 16-byte GCM tag.
PART_BYTES = 1024 * 1024 + 16
MAX_INDEX = 1_000_000
RECORDS_PER_CALL = 500
RECORDS_BODY = 1024 * 1024
SLOTS_BODY = 64 * 1024
REMOVE_PER_CALL = 1000
# What each stored row costs beyond its ciphertext (id, kind, IV, the row itself, its
# index entries), so a flood of tiny rows is charged too: the 1 GiB quota holds at most about
# a million rows. (Keep db.py's migration that recounts ``used`` in step.)
ROW_OVERHEAD = 1024
TAG_BYTES = 16
FULL = (
    "The server copy is full, so this was not stored. Nothing was lost: "
    "it is still on this phone. A backup file can hold the rest."
)


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * PART_BYTES:
        raise BadInput(f"{what} must be base64url text.")
    try:
        return unb64url(value)
    except ValueError as exc:
        raise BadInput(f"{what} must be base64url text.") from exc


def _id(value: object, what: str = "id") -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise BadInput(f"Each {what} is 1 to 64 letters, digits, - or _.")
    return value


def _iv(value: object) -> bytes:
    iv = _unb64(value, "iv")
    if len(iv) != IV_BYTES:
        raise BadInput("iv must be 12 bytes.")
    return iv


def _limit_uploads(account: str) -> None:
    """Count one upload for ``account``.

    :raise CairnError 429: too many uploads from this account, or from everyone, in a minute.
    """
    enforce(
        "uploads",
        account,
        per_minute=int(current_app.config["UPLOADS_PER_MINUTE"]),
        ceiling=int(current_app.config["UPLOADS_PER_MINUTE_ALL"]),
        message="Too many uploads. The phone will try again in a minute.",
    )


def _body_limit(limit: int) -> None:
    """Refuse a body over ``limit`` bytes before reading it (413)."""
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise CairnError("The request is too large.", status=413)


def _locked(db: Database, account: str) -> Row:
    """Inside a transaction, hold the account's row until it ends (uploads to one account
    take turns) and return it.

    :raise CairnError 401: the account was deleted meanwhile.
    """
    row = db.lock_account(account)
    if row is None:
        raise CairnError(NOT_SIGNED_IN, status=401)
    return row


def _charge(db: Database, account: Row, delta: int) -> None:
    """Add ``delta`` bytes to what the locked ``account`` row uses, and to the instance's total.

    :raise CairnError 413: that would pass the account's quota (nothing is stored).
    :raise CairnError 507: there is no room on the server for it: the instance's ceiling or
        the disk's reserve (nothing is stored; the phone tries again later).
    """
    used = account["used"] + delta
    if delta > 0 and used > int(current_app.config["BACKUP_QUOTA_BYTES"]):
        raise CairnError(FULL, status=413)
    storage.charge(db, account=account["id"], delta=max(used, 0) - account["used"])
    db.execute(
        "UPDATE accounts SET used = ?, updated = ? WHERE id = ?",
        (max(used, 0), now_ms(), account["id"]),
    )


# --- what the server holds --------------------------------------------------------------------


@bp.put("/diary")
@login_required
def bind_diary() -> Response:
    """Tie the account to the diary whose phone backs up to it: the first phone to ask sets
    it; the same diary again is fine; another diary is refused, so a passkey of one diary
    never writes into another's copy.

    :raise BadInput: not ``{"diary": "<its id>"}``.
    :raise CairnError 409: the account belongs to another diary.
    """
    account = g.account
    diary = json_body().get("diary")
    if not isinstance(diary, str) or not DIARY.fullmatch(diary):
        raise BadInput('Send {"diary": "<the diary\'s id>"}.')
    db = get_db()
    with db.transaction():
        row = _locked(db, account)
        if row["diary"] is None:
            db.execute("UPDATE accounts SET diary = ? WHERE id = ?", (diary, account))
        elif row["diary"] != diary:
            raise CairnError(OTHER_DIARY, status=409)
    return jsonify(diary=diary)


@bp.get("")
@login_required
def holding() -> Response:
    """List what the server holds for this account: record versions and part indexes.

    Read in pages inside one snapshot and sent as it is read, so the server's memory stays
    flat however many rows an account holds.

    :raise CairnError 401: nobody is signed in.
    """
    account = g.account
    db, done = _snapshot()
    try:
        row = db.one("SELECT slots, used, updated, diary FROM accounts WHERE id = ?", (account,))
        if row is None:
            raise CairnError(NOT_SIGNED_IN, status=401)  # deleted meanwhile
        head = {
            "diary": row["diary"],
            "slots": json.loads(row["slots"]) if row["slots"] else None,
            "used": row["used"],
            "quota": int(current_app.config["BACKUP_QUOTA_BYTES"]),
            "updated": row["updated"],
        }
    except BaseException:
        done()
        raise

    def body() -> Iterator[str]:
        try:
            yield json.dumps(head)[:-1] + ',"records":{'
            first = True
            for page in _record_pages(db, account, "id, version"):
                text = ",".join(f"{json.dumps(r['id'])}:{int(r['version'])}" for r in page)
                yield ("" if first else ",") + text
                first = False
            yield '},"chunks":{'
            file, indexes, first = None, [], True
            for page in _chunk_pages(db, account, "file, idx"):
                out = []
                for r in page:
                    if r["file"] != file:
                        if file is not None:
                            out.append(f"{'' if first else ','}{json.dumps(file)}:{indexes}")
                            first = False
                        file, indexes = r["file"], []
                    indexes.append(int(r["idx"]))
                yield "".join(out)
            if file is not None:
                yield f"{'' if first else ','}{json.dumps(file)}:{indexes}"
            yield "}}"
        finally:
            done()

    response = Response(stream_with_context(body()), mimetype="application/json")
    response.call_on_close(done)  # also when the answer is never read
    return response


def _snapshot() -> tuple[Database, Callable[[], None]]:
    """A connection of its own reading one snapshot, and what ends both (once). An answer
    streamed from it outlives the request's own connection."""
    pool = current_app.extensions.get("cairn.db_pool")
    database = open_own()
    try:
        database.begin_snapshot()
    except BaseException:
        release(database, pool)
        raise
    ended = False

    def done() -> None:
        nonlocal ended
        if not ended:
            ended = True
            database.end_snapshot()
            release(database, pool)

    return database, done


# Rows read at a time: records are small; parts are up to 1 MiB each.
RECORD_PAGE = 500
CHUNK_PAGE = 8


def _record_pages(db: Database, account: str, columns: str) -> Iterator[list[Row]]:
    """The account's records in id order, a page at a time (keyset: no OFFSET scans)."""
    after = ""
    while True:
        page = db.all(
            f"SELECT {columns} FROM records WHERE account = ? AND id > ?"  # noqa: S608 (column names only)
            " ORDER BY id LIMIT ?",
            (account, after, RECORD_PAGE),
        )
        if not page:
            return
        yield page
        after = page[-1]["id"]


def _chunk_pages(db: Database, account: str, columns: str, size: int = 500) -> Iterator[list[Row]]:
    """The account's file parts in (file, index) order, ``size`` at a time."""
    file, index = "", -1
    while True:
        page = db.all(
            f"SELECT {columns} FROM chunks WHERE account = ?"  # noqa: S608 (column names only)
            " AND (file > ? OR (file = ? AND idx > ?)) ORDER BY file, idx LIMIT ?",
            (account, file, file, index, size),
        )
        if not page:
            return
        yield page
        file, index = page[-1]["file"], page[-1]["idx"]


# --- uploads ----------------------------------------------------------------------------------


@bp.put("/slots")
@login_required
def put_slots() -> Response:
    """Keep the phone's key slots (the data key, wrapped) as the backup file's header has them.

    :raise BadInput: not ``{"slots": [<objects>]}``.
    :raise CairnError 413: over 64 KiB, or over the quota.
    """
    account = g.account
    _limit_uploads(account)
    _body_limit(SLOTS_BODY)
    slots = json_body().get("slots")
    if not isinstance(slots, list) or not all(isinstance(s, dict) for s in slots):
        raise BadInput('Send {"slots": [<key slots>]}.')
    text = json.dumps(slots, separators=(",", ":"))
    db = get_db()
    with db.transaction():
        row = _locked(db, account)
        _charge(db, row, len(text) - len(row["slots"] or ""))
        db.execute("UPDATE accounts SET slots = ? WHERE id = ?", (text, account))
    return jsonify(ok=True)


@bp.post("/records")
@login_required
def put_records() -> Response:
    """Keep records newer than the server's copy; the same version again stores nothing.

    :raise BadInput: not ``{"records": [{id, kind, version, iv, ct}, …]}``.
    :raise CairnError 413: over 1 MiB or 500 records, or over the quota.
    """
    account = g.account
    _limit_uploads(account)
    _body_limit(RECORDS_BODY)
    given = json_body().get("records")
    if not isinstance(given, list) or len(given) > RECORDS_PER_CALL:
        raise BadInput(f'Send {{"records": [...]}} with at most {RECORDS_PER_CALL} records.')
    incoming: dict[str, tuple[str, int, bytes, bytes]] = {}
    for item in given:
        if not isinstance(item, dict):
            raise BadInput("Each record is an object: {id, kind, version, iv, ct}.")
        ident = _id(item.get("id"))
        kind = item.get("kind")
        if not isinstance(kind, str) or not KIND.fullmatch(kind):
            raise BadInput("Each kind is 1 to 32 small letters, digits or -.")
        version = item.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**53:
            raise BadInput("Each version is a whole number, 1 or more.")
        previous = incoming.get(ident)
        if previous is None or previous[1] < version:
            ct = _unb64(item.get("ct"), "ct")
            if len(ct) < TAG_BYTES:
                raise BadInput("Each ct is at least its 16-byte tag.")
            incoming[ident] = (kind, version, _iv(item.get("iv")), ct)
    db = get_db()
    with db.transaction():
        row = _locked(db, account)
        have: dict[str, tuple[int, int]] = {}
        ids = list(incoming)
        for start in range(0, len(ids), 250):
            part = ids[start : start + 250]
            marks = ",".join("?" * len(part))
            for r in db.all(
                "SELECT id, version, length(ct) AS size FROM records"  # noqa: S608 (table names and ? marks only)
                f" WHERE account = ? AND id IN ({marks})",
                (account, *part),
            ):
                have[r["id"]] = (r["version"], r["size"])
        newer = [
            (account, ident, kind, version, iv, ct)
            for ident, (kind, version, iv, ct) in incoming.items()
            if version > have.get(ident, (0, 0))[0]
        ]
        delta = sum(
            len(row[5]) - have[row[1]][1] if row[1] in have else len(row[5]) + ROW_OVERHEAD
            for row in newer
        )
        if newer:
            _charge(db, row, delta)
        db.many(
            "INSERT INTO records (account, id, kind, version, iv, ct) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account, id) DO UPDATE SET kind = excluded.kind,"
            " version = excluded.version, iv = excluded.iv, ct = excluded.ct",
            newer,
        )
    return jsonify(stored=len(newer))


@bp.put("/chunks/<file>/<int:index>")
@login_required
def put_chunk(file: str, index: int) -> Response:
    """Keep one file part, sent as its bare ciphertext; the same part again stores nothing.

    :raise BadInput: a bad file id, index, ``iv`` or ``final``.
    :raise CairnError 413: over 1 MiB + 16 bytes, or over the quota.
    """
    account = g.account
    _limit_uploads(account)
    _body_limit(PART_BYTES)
    _id(file, "file id")
    if index > MAX_INDEX:
        raise BadInput("That part number is too large.")
    iv = _iv(request.args.get("iv"))
    final = request.args.get("final")
    if final not in ("0", "1"):
        raise BadInput("final must be 0 or 1.")
    ct = request.get_data(cache=False)
    if len(ct) < TAG_BYTES:
        raise BadInput("A part is at least its 16-byte tag.")
    db = get_db()
    with db.transaction():
        row = _locked(db, account)
        old = db.one(
            "SELECT iv, final, length(ct) AS size FROM chunks"
            " WHERE account = ? AND file = ? AND idx = ?",
            (account, file, index),
        )
        if old is not None and bytes(old["iv"]) == iv and old["final"] == int(final):
            return jsonify(stored=False)
        _charge(db, row, len(ct) - old["size"] if old else len(ct) + ROW_OVERHEAD)
        db.execute(
            "INSERT INTO chunks (account, file, idx, final, iv, ct) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account, file, idx) DO UPDATE SET final = excluded.final,"
            " iv = excluded.iv, ct = excluded.ct",
            (account, file, index, int(final), iv, ct),
        )
    return jsonify(stored=True)


@bp.post("/remove")
@login_required
def remove() -> Response:
    """Remove records and whole files the phone no longer has (a withdrawn entry's files).

    :raise BadInput: not ``{"records": [ids], "files": [ids]}``.
    """
    account = g.account
    _limit_uploads(account)
    _body_limit(RECORDS_BODY)
    body = json_body()
    lists = []
    for name in ("records", "files"):
        values = body.get(name, [])
        if not isinstance(values, list) or len(values) > REMOVE_PER_CALL:
            raise BadInput(f"{name} is a list of at most {REMOVE_PER_CALL} ids.")
        lists.append(sorted({_id(v) for v in values}))
    records, files = lists
    db = get_db()
    removed = 0
    freed = 0
    with db.transaction():
        row = _locked(db, account)
        for table, column, ids in (("records", "id", records), ("chunks", "file", files)):
            for start in range(0, len(ids), 250):
                part = ids[start : start + 250]
                marks = ",".join("?" * len(part))
                where = f"account = ? AND {column} IN ({marks})"
                size = db.one(
                    f"SELECT COUNT(*) AS n, COUNT(DISTINCT {column}) AS found,"  # noqa: S608 (table names and ? marks only)
                    " COALESCE(SUM(length(ct)), 0) AS size"
                    f" FROM {table} WHERE {where}",
                    (account, *part),
                )
                db.execute(f"DELETE FROM {table} WHERE {where}", (account, *part))  # noqa: S608 (table names and ? marks only)
                removed += size["found"]  # records, or whole files
                freed += int(size["size"]) + size["n"] * ROW_OVERHEAD
        if freed:
            _charge(db, row, -freed)
    return jsonify(removed=removed)


# --- the whole copy, as a backup file ---------------------------------------------------------


def _frame(head: dict) -> bytes:
    text = json.dumps(head, separators=(",", ":")).encode()
    return len(text).to_bytes(4, "big") + text


@bp.get("/file")
@login_required
def whole_copy() -> Response:
    """Send everything held as one backup file (docs/vault-format.md) without its sealed ending.

    Everything is read inside one snapshot, in pages: once to add up the length (the phone
    shows progress against it), then again as it is sent. The server's memory stays flat in
    the number of rows.

    :raise CairnError 401: nobody is signed in.
    """
    account = g.account
    db, done = _snapshot()
    try:
        row = db.one("SELECT slots, updated, created, diary FROM accounts WHERE id = ?", (account,))
        if row is None:
            raise CairnError(NOT_SIGNED_IN, status=401)  # deleted meanwhile
        head = {
            "t": "header",
            "format": FORMAT,
            "made": row["updated"] or row["created"],
            "slots": json.loads(row["slots"]) if row["slots"] else [],
        }
        if row["diary"]:
            head["id"] = row["diary"]  # the file names nothing: not "diary"
        header = _frame(head)
        length = len(MAGIC) + len(header)
        for page in _record_pages(db, account, RECORD_HEAD):
            length += sum(len(_record_frame(r)) + r["size"] for r in page)
        for page in _chunk_pages(db, account, CHUNK_HEAD):
            length += sum(len(_chunk_frame(c)) + c["size"] for c in page)
    except BaseException:
        done()
        raise

    def body() -> Iterator[bytes]:
        try:
            yield MAGIC + header
            for page in _record_pages(db, account, RECORD_HEAD + ", ct"):
                yield b"".join(_record_frame(r) + bytes(r["ct"]) for r in page)
            for page in _chunk_pages(db, account, CHUNK_HEAD + ", ct", CHUNK_PAGE):
                yield b"".join(_chunk_frame(c) + bytes(c["ct"]) for c in page)
        finally:
            done()

    response = Response(stream_with_context(body()), mimetype="application/octet-stream")
    response.headers["Content-Length"] = str(length)
    response.call_on_close(done)  # also when the answer is never read
    return response


RECORD_HEAD = "id, kind, version, iv, length(ct) AS size"
CHUNK_HEAD = "file, idx, final, iv, length(ct) AS size"


def _record_frame(r: Row) -> bytes:
    return _frame(
        {
            "t": "record",
            "id": r["id"],
            "kind": r["kind"],
            "version": r["version"],
            "iv": b64url(bytes(r["iv"])),
            "n": r["size"],
        }
    )


def _chunk_frame(c: Row) -> bytes:
    return _frame(
        {
            "t": "chunk",
            "file": c["file"],
            "index": c["idx"],
            "final": bool(c["final"]),
            "iv": b64url(bytes(c["iv"])),
            "n": c["size"],
        }
    )


def init_app(app: Flask) -> None:
    """Serve the encrypted copy's routes."""
    app.register_blueprint(bp)
