"""Security headers on every response, CSRF protection, and trust of a TLS proxy."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# No inline script or style, nothing from another origin. blob: serves decrypted evidence
# (images, audio, video) that lives only in memory; data: is for tiny generated images.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-src 'none'",
        "frame-ancestors 'none'",
    ]
)

# Camera, microphone and location are asked for only by the app itself, and only when the
# user taps for them; everything else is off.
PERMISSIONS = ", ".join(
    [
        "camera=(self)",
        "microphone=(self)",
        "geolocation=(self)",
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
        "accelerometer=()",
        "autoplay=()",
        "display-capture=()",
        "gyroscope=()",
        "magnetometer=()",
        "midi=()",
        "payment=()",
        "usb=()",
    ]
)


def init_app(app: Flask) -> None:
    """Wire CSRF protection, the proxy fix and the headers every response carries."""
    csrf.init_app(app)
    hops = int(app.config["BEHIND_PROXY"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    tls_only = bool(app.config["FORCE_TLS"])

    @app.after_request
    def headers(response: Response) -> Response:
        h = response.headers
        h["Content-Security-Policy"] = CSP + ("; upgrade-insecure-requests" if tls_only else "")
        # same-origin (not no-referrer): Flask-WTF checks the Referer of HTTPS posts.
        h["Referrer-Policy"] = "same-origin"
        h["Permissions-Policy"] = PERMISSIONS
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.is_secure:
            h["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        if request.path.startswith("/api/"):
            h["Cache-Control"] = "no-store"
        return response
