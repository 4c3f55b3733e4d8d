"""Draw the app icons (PNG) with the standard library only: a stack of three stones.

Run: python scripts/make_icons.py  (writes pwa/icons/*.png)
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"
BACKGROUND = (0x1F, 0x3A, 0x3D)
STONES = [(0xE8, 0xE2, 0xD6), (0xC9, 0xC0, 0xAE), (0xA8, 0x9F, 0x8C)]


def png(width: int, height: int, pixels: list[bytes]) -> bytes:
    """Encode rows of RGBA bytes as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + row for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def draw(size: int, *, safe: float, rounded: bool) -> bytes:
    """Draw the icon at ``size``; stones fit within the central ``safe`` fraction."""
    # Stones as ellipses (cx, cy, rx, ry) in a unit square, bottom to top.
    stones = [(0.5, 0.70, 0.30, 0.12), (0.5, 0.49, 0.22, 0.10), (0.5, 0.31, 0.14, 0.08)]
    scale = size * safe
    offset = size * (1 - safe) / 2
    corner = size * 0.18 if rounded else 0
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            alpha = 1.0
            if corner:
                dx = max(corner - px, px - (size - corner), 0)
                dy = max(corner - py, py - (size - corner), 0)
                alpha = min(max(corner - math.hypot(dx, dy) + 0.5, 0), 1)
            colour = BACKGROUND
            for (cx, cy, rx, ry), stone in zip(stones, STONES, strict=True):
                ex, ey = (px - offset) / scale - cx, (py - offset) / scale - cy
                distance = (math.hypot(ex / rx, ey / ry) - 1) * min(rx, ry) * scale
                cover = min(max(0.5 - distance, 0), 1)
                if cover:
                    colour = tuple(
                        round(c * (1 - cover) + s * cover)
                        for c, s in zip(colour, stone, strict=True)
                    )
            row += bytes((*colour, round(alpha * 255)))
        rows.append(bytes(row))
    return png(size, size, rows)


def main() -> None:
    """Write every icon the manifest and the page name."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(draw(192, safe=0.9, rounded=True))
    (OUT / "icon-512.png").write_bytes(draw(512, safe=0.9, rounded=True))
    # Maskable: full bleed, the stones inside the 80% safe zone.
    (OUT / "maskable-512.png").write_bytes(draw(512, safe=0.72, rounded=False))
    (OUT / "apple-touch-icon.png").write_bytes(draw(180, safe=0.8, rounded=False))
    (OUT / "favicon-32.png").write_bytes(draw(32, safe=0.95, rounded=True))


if __name__ == "__main__":
    main()
