def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_home_per_role(login_as):
    page = login_as("unit_admin").get("/").get_data(as_text=True)
    assert "山中村" in page
