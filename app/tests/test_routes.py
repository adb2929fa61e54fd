"""HTTP behaviour of every route."""

import json

from webapp import create_app


def test_index_json_when_asked(client):
    resp = client.get("/", headers={"Accept": "application/json"})
    assert resp.status_code == 200
    assert resp.get_json() == {"name": "demo", "version": "1.2.3", "commit": "abc1234"}


def test_index_html_for_browsers(client):
    resp = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    assert '<dd id="version">1.2.3</dd>' in body
    assert "abc1234" in body


def test_index_defaults_to_html_without_accept(client):
    resp = client.get("/")
    assert resp.mimetype == "text/html"


def test_index_prefers_html_when_equal_quality(client):
    resp = client.get("/", headers={"Accept": "application/json, text/html"})
    assert resp.mimetype == "text/html"


def test_index_escapes_values(tmp_path):
    app = create_app({"APP_NAME": "<script>x</script>", "DRAIN_FILE": str(tmp_path / "d")})
    body = app.test_client().get("/").get_data(as_text=True)
    assert "<script>x</script>" not in body
    assert "&lt;script&gt;" in body


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readyz_ready(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ready"}


def test_readyz_draining(client, tmp_path):
    (tmp_path / "drain").write_text("")
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["status"] == "draining"


def test_unknown_path_is_json_404(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert resp.is_json
    assert resp.get_json()["status"] == 404
    assert "Traceback" not in resp.get_data(as_text=True)


def test_wrong_method_is_json_405(client):
    resp = client.post("/healthz")
    assert resp.status_code == 405
    assert resp.get_json()["error"] == "Method Not Allowed"


def test_unhandled_error_is_json_500_without_traceback(app):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    resp = app.test_client().get("/boom")
    assert resp.status_code == 500
    assert resp.get_json() == {"error": "Internal Server Error", "status": 500}
    assert "secret internals" not in resp.get_data(as_text=True)


def test_settings_from_environment(monkeypatch):
    monkeypatch.setenv("APP_NAME", "from-env")
    monkeypatch.setenv("APP_VERSION", "9.9.9")
    monkeypatch.setenv("APP_COMMIT", "deadbee")
    resp = create_app().test_client().get("/", headers={"Accept": "application/json"})
    assert json.loads(resp.data) == {"name": "from-env", "version": "9.9.9", "commit": "deadbee"}
