"""Sign-in rate limits live in Redis when REDIS_URL is set, so every worker shares them."""

import os
import uuid

import pytest

from moral_bank import create_app

from .conftest import make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    finally:
        client.close()
    return REDIS_URL


def test_storage_is_redis_with_redis_url_and_memory_without(monkeypatch, db_url):
    config = {"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "x"}
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    assert create_app(config).config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    monkeypatch.delenv("REDIS_URL")
    assert create_app(config).config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_two_workers_share_one_sign_in_limit_through_redis(app, redis_url, db_url, tmp_path):
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "LOGIN_RATE_LIMIT": "3 per minute",
    }
    worker_a = make_app(db_url, str(tmp_path), **settings).test_client()
    worker_b = make_app(db_url, str(tmp_path), **settings).test_client()
    attempt = {"username": "nobody", "password": "wrong password"}
    assert worker_a.post("/login", data=attempt).status_code == 422
    assert worker_b.post("/login", data=attempt).status_code == 422
    assert worker_a.post("/login", data=attempt).status_code == 422
    refused = worker_b.post("/login", data=attempt, headers={"Accept-Language": "en"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
