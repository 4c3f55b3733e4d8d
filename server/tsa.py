"""RFC 3161 time-stamps: time from an authority that is not Cairn.

The phone sends a chain head's hash (nothing more leaves it); the server asks a
time-stamping authority (TSA) to stamp that hash and hands back the authority's signed
answer, a ``TimeStampResp``, which the phone keeps encrypted with the diary and carries in
the evidence bundle. ``cairn verify`` checks it, and so does ``openssl ts -verify -digest
<the head's hash>`` (README).

Which authority: ``CAIRN_TSA_URL`` names one (a public TSA, or the operator's own); the
server passes the request on, so the page never talks to another origin. Without one, an
operator can set ``CAIRN_TSA=own``: the server answers as its own TSA, with a key and a
certificate made in the instance folder (``tsa/``) on first use and signed through
``openssl ts -reply``. That is only as independent as the operator; a TSA run by someone
else is better. With neither, there are no time-stamps (the server's receipts still are).

The request is built with asn1crypto and the answer read with rfc3161-client: no
hand-written DER.
"""

from __future__ import annotations

import datetime
import fcntl
import http.client
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import algos, tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from rfc3161_client import PKIStatus, decode_timestamp_response

# A TSA's answer is a signature and a few certificates: a few KB. More is not one.
MAX_ANSWER_BYTES = 64 * 1024
TIMEOUT_SECONDS = 15
# The policy the server's own TSA stamps under (an arc for Cairn's own use, not registered).
OWN_POLICY = "1.3.6.1.4.1.55555.1.1"


class AuthorityError(Exception):
    """The authority did not give a good time-stamp; the message says why, in plain words."""


class Authority(Protocol):
    name: str

    def answer(self, query: bytes) -> bytes:
        """The authority's ``TimeStampResp`` (DER) to a ``TimeStampReq`` (DER)."""
        ...

    def certificates(self) -> list[str]:
        """PEM certificates a checker may use to check this authority's stamps."""
        ...


@dataclass(frozen=True)
class Stamp:
    response: bytes  # the TimeStampResp, DER
    time: datetime.datetime  # the authority's time in it (UTC)


def query_for(digest: bytes) -> tuple[bytes, int]:
    """A ``TimeStampReq`` (DER) for a SHA-256 ``digest``, asking for the signer's
    certificate, with a fresh nonce; and that nonce."""
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "hashed_message": digest,
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    return request.dump(), nonce


def stamp(authority: Authority, digest: bytes) -> Stamp:
    """Ask ``authority`` to stamp ``digest`` and check its answer is a granted stamp of
    exactly that digest, for this request (its nonce).

    :raise AuthorityError: when it is not.
    """
    query, nonce = query_for(digest)
    answer = authority.answer(query)
    try:
        response = decode_timestamp_response(answer)
        status = PKIStatus(response.status)
        info = response.tst_info
    except ValueError as error:  # what the parser raises for anything it cannot read
        raise AuthorityError("The time-stamping authority's answer could not be read.") from error
    if status != PKIStatus.GRANTED:  # what checkers accept (rfc3161-client refuses "with mods")
        raise AuthorityError("The time-stamping authority refused to stamp it.")
    if info.message_imprint.message != digest or info.nonce != nonce:
        raise AuthorityError("The time-stamping authority stamped something else.")
    return Stamp(answer, info.gen_time.astimezone(datetime.UTC))


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """An authority's answer is its own: a redirect is not followed (it could point the
    server at an address of the operator's network)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirect not followed", headers, fp)


_OPENER = urllib.request.build_opener(_NoRedirects)
_CALLS = threading.BoundedSemaphore(4)


class RemoteAuthority:
    """A TSA reached over HTTP (RFC 3161 section 3.4)."""

    def __init__(self, url: str, certificates: list[str] | None = None) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError("TSA_URL must be an http:// or https:// address")
        self.url = url
        self.name = url
        self._certificates = certificates or []

    def answer(self, query: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url,
            data=query,
            headers={"Content-Type": "application/timestamp-query"},
            method="POST",
        )
        # At most a few at once, each within one deadline: a slow or hostile authority
        # cannot hold the server's threads.
        if not _CALLS.acquire(blocking=False):
            raise AuthorityError("The time-stamping authority is busy. Try again soon.")
        try:
            deadline = time.monotonic() + TIMEOUT_SECONDS
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as reply:
                body = b""
                while len(body) <= MAX_ANSWER_BYTES:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the answer took too long")
                    chunk = reply.read1(8192)
                    if not chunk:
                        break
                    body += chunk
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
            raise AuthorityError("The time-stamping authority could not be reached.") from error
        finally:
            _CALLS.release()
        if len(body) > MAX_ANSWER_BYTES:
            raise AuthorityError("The time-stamping authority's answer was too large.")
        return body

    def certificates(self) -> list[str]:
        return self._certificates


class OwnAuthority:
    """The server as its own TSA: a CA and a time-stamping certificate made in
    ``folder`` on first use, stamps signed by ``openssl ts -reply``. A stamp carries the
    time-stamping certificate only (the CA is published at /api/timestamp/authority): with
    the CA too, OpenSSL writes the two in an order strict DER readers refuse."""

    name = "this server's own time-stamping authority"

    def __init__(self, folder: Path) -> None:
        openssl = shutil.which("openssl")
        if openssl is None:
            raise ValueError("TSA=own needs the openssl command (Debian: apt-get install openssl)")
        self.openssl = openssl
        self.folder = folder
        if not (folder / "tsa.pem").exists():
            _make_authority(folder)

    def answer(self, query: bytes) -> bytes:
        # OpenSSL reads the serial file, counts on and writes it back: two at once (threads
        # or server processes) read it half-written and refuse, or give one serial twice.
        # A lock on the folder lets one stamp be signed at a time, across processes.
        with tempfile.TemporaryDirectory() as tmp, open(self.folder / "serial.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            asked, answered = Path(tmp) / "query.tsq", Path(tmp) / "reply.tsr"
            asked.write_bytes(query)
            try:
                subprocess.run(  # noqa: S603 - fixed arguments, files we wrote
                    [
                        self.openssl,
                        "ts",
                        "-reply",
                        "-config",
                        str(self.folder / "openssl.cnf"),
                        "-queryfile",
                        str(asked),
                        "-inkey",
                        str(self.folder / "tsa.key"),
                        "-signer",
                        str(self.folder / "tsa.pem"),
                        "-out",
                        str(answered),
                    ],  # fmt: skip
                    check=True,
                    capture_output=True,
                    timeout=TIMEOUT_SECONDS,
                )
                return answered.read_bytes()
            except (subprocess.SubprocessError, OSError) as error:
                raise AuthorityError("This server could not make a time-stamp.") from error

    def certificates(self) -> list[str]:
        return [(self.folder / "ca.pem").read_text()]


def _make_authority(folder: Path) -> None:
    """Make the own TSA's CA, its time-stamping certificate and OpenSSL's settings, in a
    temporary folder moved into place in one step (another process may be doing the same:
    the first to finish wins, the other's is thrown away)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tsa-", dir=folder.parent))
    os.chmod(work, 0o700)
    now = datetime.datetime.now(datetime.UTC)
    ca_key, tsa_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cairn time-stamping CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    tsa = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cairn time-stamping")]))
        .issuer_name(ca_name)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (work / "ca.pem").write_bytes(ca.public_bytes(pem))
    (work / "tsa.pem").write_bytes(tsa.public_bytes(pem))
    key = tsa_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(work / "tsa.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    (work / "serial").write_text("01\n")
    (work / "openssl.cnf").write_text(
        f"""[ tsa ]
default_tsa = own
[ own ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = {OWN_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
    )
    try:
        work.rename(folder)
    except OSError:
        shutil.rmtree(work, ignore_errors=True)  # another process made it first


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
