"""Sample Flask service shipped by the gitops-pipeline.

The app factory wires the routes, Prometheus metrics, JSON access logs and JSON error
handling. Configuration comes from the environment so the same image runs in every
environment (12-factor).
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, jsonify, render_template_string, request
from werkzeug.exceptions import HTTPException

from webapp.jsonlog import access_logger
from webapp.metrics import Metrics

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ name }}</title></head>
<body>
<h1>{{ name }}</h1>
<dl>
<dt>version</dt><dd id="version">{{ version }}</dd>
<dt>commit</dt><dd id="commit">{{ commit }}</dd>
</dl>
</body>
</html>
"""


def _settings(overrides: dict[str, str] | None) -> dict[str, str]:
    env = {
        "APP_NAME": os.environ.get("APP_NAME", "gitops-demo"),
        "APP_VERSION": os.environ.get("APP_VERSION", "0.0.0-dev"),
        "APP_COMMIT": os.environ.get("APP_COMMIT", "unknown"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Touching this file takes the pod out of the Service before shutdown (drain).
        "DRAIN_FILE": os.environ.get("DRAIN_FILE", "/tmp/drain"),
    }
    env.update(overrides or {})
    return env


def create_app(overrides: dict[str, str] | None = None) -> Flask:
    """Build the Flask app; `overrides` replaces environment settings (used by tests)."""
    settings = _settings(overrides)
    app = Flask(__name__)
    app.config.update(settings)
    metrics = Metrics()
    app.extensions["metrics"] = metrics
    logger = access_logger(level=settings["LOG_LEVEL"])

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        # Label by route template, not raw path, so unknown URLs cannot explode cardinality.
        route = request.url_rule.rule if request.url_rule else "<unmatched>"
        metrics.observe(request.method, route, response.status_code, elapsed)
        logger.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 3),
                    "remote_addr": request.remote_addr,
                    "user_agent": request.user_agent.string,
                }
            },
        )
        return response

    @app.get("/")
    def index():
        info = {"name": settings["APP_NAME"], "version": settings["APP_VERSION"], "commit": settings["APP_COMMIT"]}
        best = request.accept_mimetypes.best_match(["text/html", "application/json"], default="text/html")
        if best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]:
            return jsonify(info)
        return render_template_string(PAGE, **info)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        if os.path.exists(settings["DRAIN_FILE"]):
            return jsonify(status="draining"), 503
        return jsonify(status="ready")

    @app.get("/metrics")
    def prometheus_metrics():
        body, content_type = metrics.render()
        return Response(body, mimetype=None, content_type=content_type)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return jsonify(error=err.name, status=err.code, message=err.description), err.code

    @app.errorhandler(Exception)
    def unexpected_error(err: Exception):
        app.logger.exception("unhandled error: %s", err)
        return jsonify(error="Internal Server Error", status=500), 500

    return app
