"""Error answers at unit level (Flask test client): JSON without internals,
HTML only for browsers on the e-mailed link route."""
import os
import shutil

import pytest


@pytest.fixture
def failing_app(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("very secret internal detail")

    return app


def test_unhandled_errors_are_json_without_internals(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal server error", "status": 500}
    assert b"secret" not in response.data and b"Traceback" not in response.data


def test_link_route_without_accept_header_answers_html(client):
    response = client.get("/users/alice/" + "A" * 43, headers={"Accept": ""})
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_link_route_answers_json_to_json_clients(client):
    response = client.get("/users/alice/" + "A" * 43, headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_other_routes_answer_json_to_browsers(client):
    response = client.get("/users/nobody", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "application/json"


def test_healthz_is_503_when_the_database_is_gone(app, client):
    app.extensions["nes_keyserver"].store.dispose()
    database = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    shutil.rmtree(os.path.dirname(database))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"error": "database unavailable", "status": 503}
