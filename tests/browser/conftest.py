"""A live server and a real headless Chromium (Debian's package), driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from moral_bank.core.db import db

from ..conftest import make_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests, but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app, db_url, tmp_path):
    """The app with CSRF on, served from a thread on a free loopback port."""
    served = make_app(db_url, str(tmp_path), WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    # It checks for shutdown() every poll_interval: the default 0.5 s made each test's teardown wait that long.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        db.engine.dispose()


def refused_form(msg) -> bool:
    """A form refused with 422 is the app working as meant (Chromium logs it anyway)."""
    return "status of 422" in msg.text


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page (360 × 740) in Simplified Chinese, failing the test on any page error."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not refused_form(msg) else None)
    yield pg
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
