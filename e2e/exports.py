"""What the app hands out, read back by the browser tests: the neutral name a downloaded
file gets, the report printed to PDF as text, and a zip copied with its members changed."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from playwright.sync_api import Page

# A downloaded file's name: no "backup", "diary", "cairn", only when it was made.
NEUTRAL_NAME = r"\d{4}-\d{2}-\d{2}-\d{4}\.%s"


def pdf_text(page: Page) -> str:
    """The page printed to PDF by Chromium, as pdftotext reads it (layout kept)."""
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    page.emulate_media(media="screen")
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return out.stdout.decode()


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def rewrite(bundle: Path, out: Path, change) -> None:
    """Copy a zip, passing each member's bytes through change(name, data)."""
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
