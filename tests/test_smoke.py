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
