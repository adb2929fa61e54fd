"""Metrics, JSON logs and the WSGI/gunicorn entry points."""

import io
import json
import logging
import os
import runpy
import subprocess
import sys
from pathlib import Path

from webapp import wsgi
from webapp.jsonlog import JsonFormatter, access_logger

APP_DIR = Path(__file__).resolve().parent.parent


def test_metrics_prometheus_text(client):
    client.get("/healthz")
    client.get("/missing")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    text = resp.get_data(as_text=True)
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "http_request_duration_seconds_bucket" in text


def test_access_log_is_json(client, capsys):
    client.get("/healthz", headers={"User-Agent": "probe"})
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    entry = json.loads(lines[-1])
    assert entry["message"] == "request"
    assert entry["path"] == "/healthz"
    assert entry["status"] == 200
    assert entry["user_agent"] == "probe"
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("Z")


def test_formatter_includes_exception():
    exc_info = None
    try:
        raise ValueError("bad")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("op",), exc_info)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed op"
    assert entry["level"] == "error"
    assert "ValueError: bad" in entry["exception"]


def test_access_logger_level_and_stream():
    logger = logging.getLogger("webapp.access")
    saved = list(logger.handlers)
    logger.handlers.clear()
    try:
        stream = io.StringIO()
        log = access_logger(level="warning", stream=stream)
        log.info("hidden")
        log.warning("shown")
        assert [json.loads(x)["message"] for x in stream.getvalue().splitlines()] == ["shown"]
    finally:
        logger.handlers[:] = saved
        logger.setLevel(logging.INFO)


def test_wsgi_module_builds_app():
    assert wsgi.app.name == "webapp"


def test_gunicorn_config_from_env(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "1000")
    monkeypatch.setenv("PORT", "9090")
    conf = runpy.run_path(str(APP_DIR / "gunicorn.conf.py"))
    assert conf["bind"] == "0.0.0.0:9090"
    assert conf["workers"] == conf["max_workers"]
    assert conf["accesslog"] is None
    assert conf["graceful_timeout"] < 30


def test_metrics_aggregate_across_gunicorn_workers(tmp_path):
    # Each gunicorn worker is a process; /metrics must sum all of them. prometheus_client picks
    # its storage at import time, so each "worker" here is a fresh interpreter.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(APP_DIR)}
    worker = "from webapp.metrics import Metrics; Metrics().observe('GET', '/healthz', 200, 0.01)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True)
    render = "import sys; from webapp.metrics import Metrics; sys.stdout.write(Metrics().render()[0].decode())"
    out = subprocess.run([sys.executable, "-c", render], env=env, check=True, capture_output=True, text=True).stdout
    assert 'http_requests_total{method="GET",route="/healthz",status="200"} 2.0' in out


def test_gunicorn_hooks_reset_multiprocess_dir(tmp_path, monkeypatch):
    target = tmp_path / "prom"
    target.mkdir()
    (target / "stale.db").write_text("old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(target))
    conf = runpy.run_path(str(APP_DIR / "gunicorn.conf.py"))
    conf["on_starting"](None)
    assert target.is_dir() and not list(target.iterdir())

    class Worker:  # pylint: disable=too-few-public-methods,missing-class-docstring
        pid = 4242

    conf["child_exit"](None, Worker())
