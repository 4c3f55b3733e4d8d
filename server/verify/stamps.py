"""RFC 3161 time-stamps in a bundle: an authority's signed word that the chain ending at an
event existed at its time (``server/tsa.py`` gets them; docs/diary-format.md).

Each stamp's message imprint must be the event's own hash (SHA-256), its signature good, and
its certificate chain lead to a trusted authority certificate: one the checker gives with
``--tsa-ca`` (independent), or else the ones that came with the bundle (which a forger could
have replaced, and the output says so).
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from ..encoding import unb64url
from .anchors import Anchor
from .chain import event_hash, when
from .manifest import is_int
from .result import Result


class CertificateTextError(ValueError):
    """The authority certificate given is not one this version can read."""


def parse_certificates(path: str) -> list[x509.Certificate]:
    """The PEM certificates in the file at ``path`` (one or more).

    :raise CertificateTextError: when there are none to read.
    """
    try:
        return _pem_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise CertificateTextError(f"{path} could not be read as PEM certificates") from error


def _pem_certificates(data: bytes) -> list[x509.Certificate]:
    certificates = x509.load_pem_x509_certificates(data)
    if not certificates:
        raise ValueError("no certificate")
    return certificates


def _bundled(listed: list) -> list[x509.Certificate]:
    found: list[x509.Certificate] = []
    for pem in listed:
        try:
            found += _pem_certificates(pem.encode("utf-8")) if isinstance(pem, str) else []
        except (ValueError, UnicodeError):
            continue
    return found


def check_timestamps(
    stamps: list,
    listed: list,
    by_seq: dict[int, dict],
    roots: list[x509.Certificate] | None,
    result: Result,
) -> list[Anchor]:
    """Check each time-stamp against this chain and a trusted authority; return the good ones."""
    trusted = roots if roots is not None else _bundled(listed)
    source = (
        "checked against the authority certificate given"
        if roots is not None
        else "checked only against the authority certificate that came with the bundle"
    )
    anchors: list[Anchor] = []
    unique = list({root.fingerprint(hashes.SHA256()): root for root in trusted}.values())
    verifier = None
    if unique:
        builder = VerifierBuilder()
        for root in unique:
            builder = builder.add_root_certificate(root)
        verifier = builder.build()
    for entry in stamps:
        seq = entry.get("seq") if isinstance(entry, dict) else None
        seq = seq if is_int(seq) else None
        where = f"time-stamp for event {seq if seq is not None else '?'}"
        token = entry.get("token") if isinstance(entry, dict) else None
        event = by_seq.get(seq) if seq is not None else None
        try:
            response = (
                decode_timestamp_response(unb64url(token)) if isinstance(token, str) else None
            )
        except ValueError:
            response = None
        if response is None:
            result.add(where, False, "is in a form this version cannot read")
            continue
        if event is None:
            result.add(where, False, "names an event that is not in the chain")
            continue
        if verifier is None:
            result.add(where, False, "cannot be checked: no authority certificate came with it")
            continue
        try:
            verifier.verify(response, bytes.fromhex(event_hash(event)))
        except (VerificationError, ValueError) as error:
            result.add(where, False, f"does not check out: {error}")
            continue
        if entry.get("hash") != event_hash(event):
            result.add(where, False, f"is listed for a hash other than event {seq}'s")
            continue
        at = int(response.tst_info.gen_time.timestamp() * 1000)
        try:  # the authority's name, when it gives one as a directory name
            name = response.tst_info.name
            who = (
                f" by {name.value.rfc4514_string()}" if isinstance(name, x509.DirectoryName) else ""
            )
        except ValueError:  # another form of name the parser does not know
            who = ""
        result.add(
            where,
            True,
            f"the chain ending at event {seq} ({event['hash']}) was stamped{who} at {when(at)}",
        )
        anchors.append(Anchor(seq, at, "time-stamp", source, roots is not None))
    if stamps and roots is None:
        result.notes.append(
            "The time-stamps were checked against the authority certificate that came with the "
            "bundle, which came from the same place: run again with --tsa-ca and the "
            "authority's own certificate."
        )
    return anchors
