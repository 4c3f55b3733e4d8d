"""Reading a bundle's zip without trusting it: every entry's name checked, every read bounded.

A bundle is checked by people who may be handed a file made to trip the checker. Nothing
here raises anything but :class:`BundleError`; an entry that cannot be read is reported by
name, not by a traceback.
"""

from __future__ import annotations

import functools
import hashlib
import json
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
# The phone writes about 1 KB per event: 128 MiB is over 100,000 events. More is refused
# before it is inflated, so a small zip cannot make the checker hold gigabytes.
MAX_MANIFEST_BYTES = 128 << 20
# A real manifest has about ten per event (counting those inside payload text).
MAX_MANIFEST_PARTS = 4_000_000
UTF8_FLAG = 0x800
# What reading a damaged or hostile entry can raise, from zipfile and zlib.
READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


class BundleError(Exception):
    """The file is not a bundle this version can read."""


class DamagedEntry(Exception):
    """One entry of the zip cannot be read whole."""


@dataclass(frozen=True)
class Archive:
    """An open bundle: its zip, its entries in order, and the problems with their names."""

    zf: zipfile.ZipFile
    entries: list[zipfile.ZipInfo]
    name_problems: dict[str, list[str]]

    def only(self, name: str) -> zipfile.ZipInfo | None:
        """The entry called ``name``, or None when there is none or more than one."""
        return self.by_name.get(name)

    @functools.cached_property
    def by_name(self) -> dict[str, zipfile.ZipInfo]:
        """Each entry whose name appears once, by name."""
        counts = Counter(info.filename for info in self.entries)
        return {info.filename: info for info in self.entries if counts[info.filename] == 1}


def open_archive(path: str | Path) -> Archive:
    """Open the zip at ``path`` and look at every entry's name.

    :raise BundleError: when it is not a zip this version can read.
    """
    try:
        zf = zipfile.ZipFile(path)
        entries = zf.infolist()
    except UnicodeDecodeError as error:
        raise BundleError(f"an entry's name is marked UTF-8 but is not: {error}") from None
    except (*READ_ERRORS, zipfile.LargeZipFile) as error:
        raise BundleError(f"it is not a zip file this version can read: {error}") from None
    return Archive(zf, entries, _name_problems(entries))


def _name_problems(entries: list[zipfile.ZipInfo]) -> dict[str, list[str]]:
    """What is wrong with each entry's name: repeated, outside the folder, not UTF-8."""
    problems: dict[str, list[str]] = {}
    counts = Counter(info.filename for info in entries)
    for info in entries:
        name, found = info.filename, []
        if counts[name] > 1:
            found.append(f"appears {counts[name]} times (an unzip tool shows only one of them)")
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            found.append("has a name that points outside the bundle's folder")
        if not info.flag_bits & UTF8_FLAG and not name.isascii():
            found.append("has a name that is not marked UTF-8 (tools may show it differently)")
        if found and name not in problems:
            problems[name] = found
    return problems


def read_manifest(archive: Archive) -> object:
    """The parsed ``manifest.json``, read within :data:`MAX_MANIFEST_BYTES`.

    :raise BundleError: when there is not exactly one, or it cannot be read as JSON.
    """
    listed = [info for info in archive.entries if info.filename == MANIFEST]
    if not listed:
        raise BundleError(f"there is no {MANIFEST} in it: it is not a Cairn bundle")
    if len(listed) > 1:
        raise BundleError(
            f"it holds {len(listed)} files called {MANIFEST}; a bundle has one, so this one "
            "was altered (an unzip tool shows only one of them)"
        )
    info = listed[0]
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BundleError(
            f"its {MANIFEST} would inflate to {info.file_size:,} bytes, more than the "
            f"{MAX_MANIFEST_BYTES:,} this version reads"
        )
    try:
        with archive.zf.open(info) as f:
            raw = f.read(MAX_MANIFEST_BYTES + 1)
    except READ_ERRORS as error:
        raise BundleError(f"its {MANIFEST} is damaged: {error}") from None
    if len(raw) > MAX_MANIFEST_BYTES:
        raise BundleError(f"its {MANIFEST} is larger than the {MAX_MANIFEST_BYTES:,} bytes read")
    # Each [ or { becomes an object of its own: a few bytes of "[]" could become gigabytes.
    parts = raw.count(b"[") + raw.count(b"{")
    if parts > MAX_MANIFEST_PARTS:
        raise BundleError(
            f"its {MANIFEST} has {parts:,} lists and objects, more than the "
            f"{MAX_MANIFEST_PARTS:,} this version reads"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BundleError(f"its {MANIFEST} is nested too deeply to be a manifest") from None
    except ValueError as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BundleError(f"its {MANIFEST} is not readable JSON: {error}") from None


def sha256_of(archive: Archive, info: zipfile.ZipInfo) -> tuple[str, int]:
    """The SHA-256 (hex) and length of an entry's bytes, read in chunks (memory stays flat).

    :raise DamagedEntry: when the entry is damaged (a wrong CRC, bad compressed data).
    """
    digest, size = hashlib.sha256(), 0
    try:
        with archive.zf.open(info) as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except READ_ERRORS as error:
        raise DamagedEntry(f"is damaged and cannot be read whole ({error})") from None
    return digest.hexdigest(), size
