from django.db import connection


def test_healthz_answers_200_with_the_database_checked(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_fails(client, db, monkeypatch):
    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("down")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", broken)
        response = client.get("/healthz")
    assert response.status_code == 503


def test_pages_allow_only_our_own_resources(client, db):
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
