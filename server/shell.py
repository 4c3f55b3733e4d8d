"""Serve the app shell from pwa/: the page, its modules, the manifest, icons and the worker."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request
from werkzeug.routing import PathConverter

from . import precache

bp = Blueprint("shell", __name__)


class ShellPath(PathConverter):
    """A path that is not under /api/, so unknown API addresses are a JSON 404, not the shell."""

    regex = r"(?!api(?:/|$))[^/].*?"


def init_app(app: Flask) -> None:
    """Hash the app files once at start-up; the worker is generated from that list."""
    app.url_map.converters["shell"] = ShellPath
    app.extensions["cairn.shell"] = precache.build(
        Path(app.config["PWA_DIR"]), app.config["DEFAULT_DISGUISE"]
    )


def current_shell() -> precache.Shell:
    """Return the shell built for this app at start-up."""
    return current_app.extensions["cairn.shell"]


def _revalidate(response: Response) -> Response:
    # Every app file is revalidated (cheap with its ETag); the worker's cache serves offline.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def worker() -> Response:
    """Serve the service worker at root scope, stamped with the shell's version."""
    response = Response(current_shell().worker_source(), mimetype="text/javascript")
    return _revalidate(response)


@bp.get("/sw/precache.js")
def precache_list() -> Response:
    """Serve the generated list of app files and their hashes."""
    response = Response(current_shell().precache_module(), mimetype="text/javascript")
    return _revalidate(response)


@bp.get(precache.REST)
def rest_list() -> Response:
    """Serve the list of the files that come after a code, for the worker to fetch then."""
    response = Response(current_shell().rest, mimetype="application/json")
    return _revalidate(response)


@bp.get("/", defaults={"name": ""})
@bp.get("/<shell:name>")
def app_file(name: str) -> Response:
    """Serve one app file, or 404 for anything that is not part of the shell.

    :raise 404: the address is not an app file.
    """
    shell = current_shell()
    url = "/" + name
    data = shell.files.get(url)
    if data is None:
        if url + "/" in shell.files:
            return redirect(url + "/", code=308)
        abort(404)
    etag = shell.integrity[url]
    compressed = shell.gzipped.get(url)
    if compressed is not None and request.accept_encodings["gzip"] > 0:
        data, etag = compressed, etag + ".gz"
    response = Response(data, mimetype=shell.mimetype(url))
    if compressed is not None:
        response.vary.add("Accept-Encoding")
        if data is compressed:
            response.content_encoding = "gzip"
    response.set_etag(etag)
    return _revalidate(response.make_conditional(request))
