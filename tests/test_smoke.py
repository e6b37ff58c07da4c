def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_home_per_role(login_as):
    page = login_as("unit_admin").get("/").get_data(as_text=True)
    assert "山中村" in page


def test_an_id_longer_than_any_id_column_is_not_found(login_as):
    """A URL id beyond what the database holds is a plain 404 (SQLite would overflow on it)."""
    admin = login_as("county_admin")
    for url in ("/households/100000000000000000000000", "/shops/100000000000000000000000"):
        assert admin.get(url).status_code == 404
    assert admin.get("/shops/2147483648").status_code == 404


def test_a_number_too_large_for_the_database_is_a_clear_400():
    """The net under the services' own checks: a driver overflow (SQLite) or PostgreSQL's "out of range"
    caused by a request's number answers 400 with a message, and nothing is saved."""
    import sqlalchemy.exc

    from moral_bank import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False})

    class OutOfRange(Exception):
        def __str__(self):
            return "integer out of range"

    @app.post("/api/v1/_overflow")
    def overflow():
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    @app.post("/_out_of_range")
    def out_of_range():
        raise sqlalchemy.exc.DataError("UPDATE x", {}, OutOfRange())

    client = app.test_client()
    answer = client.post("/api/v1/_overflow", json={}, headers={"Accept-Language": "en"})
    assert answer.status_code == 400
    assert answer.json["error"]["message"] == "A number in the request is too large."
    page = client.post("/_out_of_range")
    assert page.status_code == 400 and "数字" in page.get_data(as_text=True)
