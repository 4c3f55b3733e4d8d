"""What the app hands out, read back by the browser tests: the neutral name a downloaded
file gets, the report printed to PDF as text, a zip copied with its members changed, and
`cairn verify`'s answer on a bundle."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from playwright.sync_api import Page

# A downloaded file's name: no "backup", "diary", "cairn", only when it was made.
NEUTRAL_NAME = r"\d{4}-\d{2}-\d{2}-\d{4}\.%s"


def print_pdf(page: Page) -> bytes:
    """The page printed to an A4 PDF by Chromium, as the phone's "Save as PDF" does."""
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    return pdf


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page of a PDF as pdftotext reads it (layout kept)."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode().split("\f")[:-1]  # each page ends with a form feed


def pdf_text(page: Page) -> str:
    """The page printed to PDF by Chromium, as pdftotext reads it (layout kept)."""
    return "\f".join(pdf_pages(print_pdf(page)))


def pdf_words(pdf: bytes, page: int) -> tuple[float, list[tuple[str, float]]]:
    """One page's height and each word on it with how far down the page it ends (points),
    as pdftotext -bbox reads them."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out)[1])
    words = re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', out
    )
    return height, [(html.unescape(w), float(y)) for y, w in words]


def pdf_images(pdf: bytes, folder: Path) -> list[dict]:
    """Each image drawn in a PDF, as pdfimages -list tells it: its page, its size in pixels
    and the resolution it is drawn at (so its printed width is width / x-ppi inches)."""
    path = folder / "printed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True)
    rows = out.stdout.decode().splitlines()[2:]  # a header and a rule
    keys = ("page", "width", "height", "x-ppi", "y-ppi")
    at = (0, 3, 4, 12, 13)
    return [
        dict(zip(keys, (float(cols[i]) for i in at), strict=True))
        for cols in (row.split() for row in rows)
        if cols[2] == "image"  # not the soft masks of transparent ones
    ]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def rewrite(bundle: Path, out: Path, change) -> None:
    """Copy a zip, passing each member's bytes through change(name, data)."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))


ROOT = Path(__file__).resolve().parents[1]


def run_verify(bundle: Path, *args: str) -> subprocess.CompletedProcess:
    """`cairn verify` on ``bundle``, as someone checking it would run it."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "verify", str(bundle), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
