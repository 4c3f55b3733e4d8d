"""The app shell: the page, its files, the generated worker and precache list."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from server import create_app
from server.config import PWA_DIR


def precache_entries(client) -> dict[str, str]:
    body = client.get("/sw/precache.js").get_data(as_text=True)
    match = re.search(r"export const PRECACHE = (\[.*?\]);", body, re.S)
    assert match, body
    return dict(json.loads(match.group(1)))


DISGUISES = ["calculator", "converter", "notes", "timer"]
# The two modules behind the code that the worker must load at start to seal a share (a module
# worker cannot import() later): the database's shape and SHA-256. Both name nothing.
WORKER_NEEDS = {"/js/vault/schema.js", "/js/vault/sha256.js"}
# What nobody may read before the unlock (issue 5), in any case.
TELLING = re.compile(r"cairn|stalk|diary|incident|harass|evidence|police|abuse", re.IGNORECASE)


def test_root_serves_the_default_disguise(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'<script type="module" src="/js/main.js">' in response.data
    assert b'<link rel="manifest" href="/calculator/manifest.webmanifest">' in response.data
    assert b"<title>Calculator</title>" in response.data
    assert response.data == client.get("/calculator/").data


def test_each_disguise_has_its_own_page_title_manifest_and_icons(client):
    for name in DISGUISES:
        page = client.get(f"/{name}/").get_data(as_text=True)
        manifest = client.get(f"/{name}/manifest.webmanifest").get_json(force=True)
        assert f"<title>{manifest['name']}</title>" in page
        assert f'data-disguise="{name}"' in page
        assert f'<meta name="theme-color" content="{manifest["theme_color"]}">' in page
        for link in ("manifest.webmanifest", "favicon-32.png", "apple-touch-icon.png"):
            assert f'href="/{name}/{link}"' in page
            assert client.get(f"/{name}/{link}").status_code == 200
        assert not TELLING.search(page), name
    ids = {client.get(f"/{n}/manifest.webmanifest").get_json(force=True)["id"] for n in DISGUISES}
    assert len(ids) == len(DISGUISES)


def test_a_disguise_without_its_slash_is_redirected(client):
    response = client.get("/notes")
    assert response.status_code == 308 and response.headers["Location"].endswith("/notes/")


def test_the_default_disguise_is_configurable(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "DEFAULT_DISGUISE": "timer"})
    assert b"<title>Timer</title>" in app.test_client().get("/").data


def test_worker_is_served_at_root_scope_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.get_data(as_text=True).startswith("// version ")


def rest_entries(client) -> dict[str, str]:
    body = client.get("/sw/precache.js").get_data(as_text=True)
    match = re.search(r"export const REST = (\[.*?\]);", body)
    assert match, body
    url, integrity = json.loads(match.group(1))
    rest = client.get(url)
    digest = base64.b64encode(hashlib.sha256(rest.data).digest()).decode()
    assert integrity == f"sha256-{digest}"
    version = re.search(r'export const VERSION = "([0-9a-f]+)";', body).group(1)
    assert rest.get_json()["version"] == version
    return dict(rest.get_json()["files"])


def test_precache_and_the_rest_list_every_app_file_with_its_sha256(client):
    entries = precache_entries(client)
    rest = rest_entries(client)
    on_disk = {
        "/" + p.relative_to(PWA_DIR).as_posix()
        for p in PWA_DIR.rglob("*")
        if p.is_file() and p.name not in ("sw.js", "index.html") and not p.name.startswith(".")
    }
    pages = {"/"} | {f"/{name}/" for name in DISGUISES}
    assert not set(entries) & set(rest)
    assert set(entries) | set(rest) == on_disk | pages
    for url, integrity in {**entries, **rest}.items():
        served = client.get(url)
        assert served.status_code == 200, url
        digest = base64.b64encode(hashlib.sha256(served.data).digest()).decode()
        assert integrity == f"sha256-{digest}", url


def test_the_precache_holds_the_disguise_and_what_the_start_imports_and_no_more(client):
    entries = set(precache_entries(client))
    folders = {
        "/" + p.relative_to(PWA_DIR).as_posix()
        for name in DISGUISES
        for p in (PWA_DIR / name).iterdir()
    }
    pages = {"/"} | {f"/{name}/" for name in DISGUISES}
    modules = {"/" + m for m in static_imports("js/main.js") | {"js/main.js"}}
    # The worker's modules (its generated list, sw/precache.js, is no file) and theirs.
    worker = {"sw/strategy.js", "sw/share.js"}
    worker = {"/" + m for m in worker.union(*map(static_imports, worker))}
    assert "/js/inbox/seal.js" in worker
    assert entries == pages | folders | modules | worker | {"/base.css"}
    behind = ("/js/diary/", "/js/sync/", "/js/formats/", "/js/vault/", "/js/views/", "/js/help/")
    assert not any(url.startswith(behind) for url in entries - WORKER_NEEDS)
    assert "/js/app.js" not in entries and "/app.css" not in entries


def test_nothing_a_stranger_is_sent_names_the_app(client):
    # The worker, its list, and every file a browser gets before a code lets someone in.
    for url in ["/sw.js", "/sw/precache.js", *precache_entries(client)]:
        response = client.get(url)
        assert response.status_code == 200, url
        if not url.endswith(".png"):
            assert not TELLING.search(response.get_data(as_text=True)), url


def test_changing_any_app_file_changes_the_worker(tmp_path):
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    config = {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "PWA_DIR": str(pwa)}
    before = create_app(config).test_client().get("/sw.js").data
    same = create_app(config).test_client().get("/sw.js").data
    assert before == same
    css = pwa / "app.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    after = create_app(config).test_client().get("/sw.js").data
    assert after != before
    # A file only the rest holds changes the version too, though the precache list does not
    # name it: a phone past the code gets it with the next version.
    view = pwa / "js" / "views" / "help.js"
    view.write_text(view.read_text() + "\n// changed\n")
    later = create_app(config).test_client().get("/sw.js").data
    assert later != after


def test_every_manifest_is_installable_shape_and_says_nothing(client):
    for name in DISGUISES:
        response = client.get(f"/{name}/manifest.webmanifest")
        assert response.mimetype == "application/manifest+json"
        manifest = response.get_json(force=True)
        assert manifest["id"] == manifest["start_url"] == f"/{name}/"
        assert manifest["display"] == "standalone" and manifest["scope"] == "/"
        assert not TELLING.search(response.get_data(as_text=True)), name
        sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        for icon in manifest["icons"]:
            png = client.get(icon["src"])
            assert png.status_code == 200 and png.mimetype == "image/png"
            width, height = int.from_bytes(png.data[16:20]), int.from_bytes(png.data[20:24])
            assert f"{width}x{height}" == icon["sizes"]


def test_files_outside_the_shell_are_not_served(client):
    for path in [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/server/__init__.py",
        "/.git/HEAD",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Cairn" not in response.data


def test_hidden_files_are_never_precached(tmp_path):
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    (pwa / ".secret").write_text("nope")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "PWA_DIR": str(pwa)})
    client = app.test_client()
    assert "/.secret" not in precache_entries(client)
    assert client.get("/.secret").status_code == 404


def test_app_files_revalidate_with_etag(client):
    first = client.get("/app.css")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_shell_has_no_inline_script_or_style_and_no_other_origin():
    for path in Path(PWA_DIR).rglob("*"):
        if path.suffix not in {".html", ".js", ".css", ".webmanifest"}:
            continue
        # The SVG namespace is a name, never fetched; quick exit's neutral sites are where
        # the tab goes, never loaded into the page. No other address is allowed.
        text = path.read_text().replace('"http://www.w3.org/2000/svg"', "")
        if path.name in ("exit.js", "prefs.js"):
            text = re.sub(r'to: "https://www\.(bbc\.co\.uk/weather|google\.com/)"', "", text)
        assert not re.search(r"https?://", text), path
        if path.suffix == ".html":
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
            assert "<style" not in text and " style=" not in text, path
            assert not re.search(r"\son[a-z]+=", text), path


def test_text_files_are_gzipped_when_the_browser_accepts_it(client):
    import gzip

    plain = client.get("/js/main.js")
    packed = client.get("/js/main.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] != plain.headers["ETag"]
    icon = client.get("/notes/icon-192.png", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in icon.headers


def static_imports(entry: str) -> set[str]:
    """Every module ``entry`` imports statically, followed through the whole graph."""
    seen: set[str] = set()

    def walk(relative: str) -> None:
        relative = os.path.normpath(relative)
        if relative in seen:
            return
        seen.add(relative)
        source = (PWA_DIR / relative).read_text()
        for match in re.finditer(r'^import[^;]*?from "(\.[^"]+)";', source, re.M | re.S):
            walk(os.path.join(os.path.dirname(relative), match.group(1)))

    walk(entry)
    return seen - {entry}


def test_the_page_preloads_exactly_the_modules_the_start_imports():
    # Without the hints, each import is discovered one level at a time: a slow start offline.
    html = (PWA_DIR / "index.html").read_text()
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/([^"]+)">', html))
    assert preloaded == static_imports("js/main.js")


def test_gzip_refused_with_q_zero_is_not_sent(client):
    response = client.get("/js/main.js", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers
