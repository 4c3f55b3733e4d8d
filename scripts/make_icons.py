"""Draw the icon sets of the disguise apps (PNG) with the standard library only.

Each disguise looks like a plain system utility: calculator, notes, converter and timer.
Shapes are signed distance functions in a unit square; edges are anti-aliased by turning
the distance to an edge (in pixels) into coverage.

Run: python scripts/make_icons.py  (writes pwa/<disguise>/*.png)
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent / "pwa"

Colour = tuple[int, int, int]
Box = tuple[float, float, float, float]
Shape = tuple[Box, Callable[[float, float], float], Colour]

WHITE = (0xFF, 0xFF, 0xFF)


def rgb(code: str) -> Colour:
    """Turn ``#rrggbb`` into an RGB tuple."""
    return (int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16))


def png(width: int, height: int, pixels: list[bytes], *, alpha: bool) -> bytes:
    """Encode rows of RGBA (or RGB) bytes as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + row for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def box(x0: float, y0: float, x1: float, y1: float, radius: float, colour: Colour) -> Shape:
    """A rounded rectangle."""
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2

    def sdf(x: float, y: float) -> float:
        qx, qy = abs(x - cx) - hw + radius, abs(y - cy) - hh + radius
        return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - radius

    return (x0, y0, x1, y1), sdf, colour


def line(x0: float, y0: float, x1: float, y1: float, width: float, colour: Colour) -> Shape:
    """A stroke with round caps from (x0, y0) to (x1, y1)."""
    dx, dy, half = x1 - x0, y1 - y0, width / 2
    length2 = dx * dx + dy * dy

    def sdf(x: float, y: float) -> float:
        t = min(max(((x - x0) * dx + (y - y0) * dy) / length2, 0), 1)
        return math.hypot(x - x0 - t * dx, y - y0 - t * dy) - half

    bounds = (min(x0, x1) - half, min(y0, y1) - half, max(x0, x1) + half, max(y0, y1) + half)
    return bounds, sdf, colour


def ring(cx: float, cy: float, radius: float, width: float, colour: Colour) -> Shape:
    """A circle outline; ``width`` 0 draws a filled disc."""
    outer = radius + width / 2

    def sdf(x: float, y: float) -> float:
        distance = math.hypot(x - cx, y - cy) - radius
        return abs(distance) - width / 2 if width else distance

    return (cx - outer, cy - outer, cx + outer, cy + outer), sdf, colour


def polygon(points: list[tuple[float, float]], colour: Colour) -> Shape:
    """A convex polygon with its corners listed clockwise (y grows downwards)."""
    edges = []
    for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1], strict=True):
        length = math.hypot(bx - ax, by - ay)
        edges.append((ax, ay, (by - ay) / length, (ax - bx) / length))

    def sdf(x: float, y: float) -> float:
        return max((x - ax) * nx + (y - ay) * ny for ax, ay, nx, ny in edges)

    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys)), sdf, colour


def intersect(shape: Shape, mask: Shape) -> Shape:
    """The part of ``shape`` inside ``mask`` (drawn in the colour of ``shape``)."""
    bounds, first, colour = shape
    second = mask[1]
    return bounds, lambda x, y: max(first(x, y), second(x, y)), colour


def calculator(simple: bool) -> list[Shape]:
    """A light display over a grid of keys, the right-hand column orange."""
    key, operator = rgb("#5f6368"), rgb("#f29900")
    shapes = [box(0.18, 0.14, 0.82, 0.30, 0.04, rgb("#e8eaed"))]
    if not simple:
        shapes.append(box(0.52, 0.20, 0.76, 0.24, 0.02, rgb("#9aa0a6")))
    count, gap = (3, 0.06) if simple else (4, 0.04)
    width = (0.64 - gap * (count - 1)) / count
    height = (0.52 - gap * (count - 1)) / count
    for row in range(count):
        for col in range(count):
            x, y = 0.18 + col * (width + gap), 0.36 + row * (height + gap)
            colour = operator if col == count - 1 else key
            shapes.append(box(x, y, x + width, y + height, min(width, height) * 0.3, colour))
    return shapes


def notes(simple: bool) -> list[Shape]:
    """A cream page with ruled lines and a folded top-right corner."""
    x0, y0, x1, y1, fold = 0.24, 0.14, 0.76, 0.86, 0.14

    def folded(dx: float, dy: float, colour: Colour) -> Shape:
        page = box(x0 + dx, y0 + dy, x1 + dx, y1 + dy, 0.04, colour)
        a, b = (x1 - fold - 1 + dx, y0 - 1 + dy), (x1 + 1 + dx, y0 + fold + 1 + dy)
        return intersect(page, polygon([a, b, (-5, 5)], colour))

    shapes = [
        folded(0.015, 0.025, rgb("#d9a514")),
        folded(0, 0, rgb("#fffdf5")),
        polygon([(x1 - fold, y0), (x1, y0 + fold), (x1 - fold, y0 + fold)], rgb("#e6dcbc")),
    ]
    rules = [0.42, 0.62] if simple else [0.38, 0.50, 0.62, 0.74]
    for i, y in enumerate(rules):
        end = 0.56 if i == len(rules) - 1 else 0.66
        grey = rgb("#9aa0a6" if simple else "#b0b3b8")
        shapes.append(line(0.34, y, end, y, 0.06 if simple else 0.035, grey))
    return shapes


def converter(simple: bool) -> list[Shape]:
    """Two white arrows pointing opposite ways, over a ruler."""
    stroke, head = (0.11, 0.12) if simple else (0.08, 0.10)
    top, bottom = (0.32, 0.62) if simple else (0.28, 0.54)
    shapes = []
    for y, tip, back in ((top, 0.76, 0.76 - head), (bottom, 0.24, 0.24 + head)):
        shapes.append(line(0.24, y, 0.76, y, stroke, WHITE))
        shapes += [line(tip, y, back, y + dy, stroke, WHITE) for dy in (-head, head)]
    if not simple:
        tick = rgb("#aecbfa")
        shapes.append(line(0.24, 0.82, 0.76, 0.82, 0.03, tick))
        for i in range(9):
            x = 0.24 + i * 0.065
            shapes.append(line(x, 0.82, x, 0.72 if i % 4 == 0 else 0.76, 0.025, tick))
    return shapes


def timer(simple: bool) -> list[Shape]:
    """A stopwatch: white ring, one hand, a crown on top and a side button."""
    cx, cy, radius = 0.5, 0.56, 0.28

    def at(r: float, degrees: float) -> tuple[float, float]:
        a = math.radians(degrees)
        return cx + r * math.sin(a), cy - r * math.cos(a)

    shapes = [
        ring(cx, cy, radius, 0.09 if simple else 0.07, WHITE),
        line(cx, cy - radius, cx, 0.2, 0.06, WHITE),
        box(0.42, 0.13, 0.58, 0.2, 0.03, WHITE),
        line(cx, cy, *at(0.16, 45), 0.06, WHITE),
        ring(cx, cy, 0.045, 0, WHITE),
    ]
    if not simple:
        shapes.append(line(*at(0.33, 45), *at(0.39, 45), 0.06, WHITE))
        shapes += [line(*at(0.19, a), *at(0.21, a), 0.03, WHITE) for a in (0, 90, 180, 270)]
    return shapes


DISGUISES: dict[str, tuple[str, Callable[[bool], list[Shape]]]] = {
    "calculator": ("#202124", calculator),
    "notes": ("#f6c026", notes),
    "converter": ("#1a73e8", converter),
    "timer": ("#188038", timer),
}


def draw(size: int, scene: list[Shape], background: Colour, *, safe: float, rounded: bool) -> bytes:
    """Render ``scene`` at ``size``, the unit square scaled to the central ``safe`` fraction."""
    scale = size * safe
    offset = size * (1 - safe) / 2
    corner = size * 0.18 if rounded else 0
    # Pixel ranges each shape may touch, so most pixels test only a few shapes.
    spans = []
    for (x0, y0, x1, y1), sdf, colour in scene:
        px0, py0 = math.floor(x0 * scale + offset) - 1, math.floor(y0 * scale + offset) - 1
        px1, py1 = math.ceil(x1 * scale + offset) + 1, math.ceil(y1 * scale + offset) + 1
        spans.append((px0, py0, px1, py1, sdf, colour))
    rows = []
    for y in range(size):
        active = [s for s in spans if s[1] <= y <= s[3]]
        row = bytearray()
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            u, v = (px - offset) / scale, (py - offset) / scale
            colour = background
            for x0, _, x1, _, sdf, shade in active:
                if x0 <= x <= x1:
                    cover = min(max(0.5 - sdf(u, v) * scale, 0), 1)
                    if cover:
                        colour = tuple(
                            round(c * (1 - cover) + s * cover)
                            for c, s in zip(colour, shade, strict=True)
                        )
            row += bytes(colour)
            if rounded:
                dx = max(corner - px, px - (size - corner), 0)
                dy = max(corner - py, py - (size - corner), 0)
                row.append(round(min(max(corner - math.hypot(dx, dy) + 0.5, 0), 1) * 255))
        rows.append(bytes(row))
    return png(size, size, rows, alpha=rounded)


def main() -> None:
    """Write every icon each disguise's manifest and page name."""
    for name, (theme, scene) in DISGUISES.items():
        out, background = PWA / name, rgb(theme)
        out.mkdir(parents=True, exist_ok=True)
        full, simple = scene(False), scene(True)
        files = {
            "icon-192.png": draw(192, full, background, safe=0.9, rounded=True),
            "icon-512.png": draw(512, full, background, safe=0.9, rounded=True),
            # Maskable: full bleed, the motif inside the 80% safe-zone circle.
            "maskable-512.png": draw(512, full, background, safe=0.72, rounded=False),
            "apple-touch-icon.png": draw(180, full, background, safe=0.8, rounded=False),
            "favicon-32.png": draw(32, simple, background, safe=1.1, rounded=True),
        }
        for filename, data in files.items():
            (out / filename).write_bytes(data)
            print(f"{out.relative_to(PWA.parent)}/{filename}: {len(data)} bytes")


if __name__ == "__main__":
    main()
