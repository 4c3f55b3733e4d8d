"""Answer a share from the phone's share sheet that reached the server instead of the app.

Each disguise's manifest names ``/<disguise>/share`` as its share target; the app's worker
takes those posts on the phone and keeps what was shared there, sealed. One reaches the server
only when no worker is running yet (or an old one without the share target): then the server
keeps nothing, logs nothing, and answers with the disguise as the worker would. The body is
never read: what was shared is none of the server's business.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect

from .security import csrf
from .shell import current_shell

bp = Blueprint("share", __name__)


@bp.post("/<name>/share")
@csrf.exempt  # posted by the phone's share sheet, which has no token; it changes nothing
def shared(name: str) -> Response:
    """Send the phone to the disguise's page (303), without reading what was shared.

    :raise 404: ``name`` is not a disguise.
    """
    page = f"/{name}/"
    if page not in current_shell().files:
        abort(404)
    # The body is left unread: waitress has already taken it in (in memory or an unnamed
    # temporary file) and drops it with the request; werkzeug's server drains it unread.
    response = redirect(page, code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
