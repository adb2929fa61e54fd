"""Shared fixtures: an app with fixed settings and its test client."""

import pytest

from webapp import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(
        {
            "APP_NAME": "demo",
            "APP_VERSION": "1.2.3",
            "APP_COMMIT": "abc1234",
            "DRAIN_FILE": str(tmp_path / "drain"),
        }
    )


@pytest.fixture
def client(app):  # pylint: disable=redefined-outer-name
    return app.test_client()
