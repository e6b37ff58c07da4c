"""A live server and a real headless Chromium (Debian's package), driven by Playwright."""

import io
import os
import shutil
import threading
from pathlib import Path

import pytest
import segno
from PIL import Image
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


def _closed_before_sending(app):
    """Each answer read whole and its iterable closed before the server sends it. Werkzeug's server skips
    close() when the browser drops the connection mid-answer (a page left while app.css loads), which
    leaves the static file open: a ResourceWarning, an error under this suite's filterwarnings."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture
def live_server(app, db_url, tmp_path):
    """The app with CSRF on, served from a thread on a free loopback port."""
    served = make_app(db_url, str(tmp_path), WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, _closed_before_sending(served), threaded=True)
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


WIDTH, HEIGHT, FRAMES = 640, 480, 30


def card_video(url: str, path) -> None:
    """The card's QR centred on a white 640 × 480 frame, as a YUV4MPEG2 4:2:0 file (Chromium loops it)."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=8, border=4)
    qr = Image.open(png).convert("L")
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F15:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            out.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """camera_page(url, viewport) → a phone-sized page whose camera films the QR of `url` (Chromium's fake
    camera playing card_video()), failing the test on any page error. Its own Chromium: the fake-camera
    flags are given at launch."""
    launched, errors = [], []

    def open_page(url: str, viewport: dict):
        video = tmp_path / "card.y4m"
        card_video(url, video)
        args = [
            *LAUNCH_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        chromium = browser.browser_type.launch(executable_path=CHROMIUM, args=args)
        launched.append(chromium)
        context = chromium.new_context(viewport=viewport, locale="zh-CN", base_url=live_server)
        context.grant_permissions(["camera"])
        pg = context.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and not refused_form(msg) else None)
        return pg

    yield open_page
    for chromium in launched:
        chromium.close()
    assert not errors, f"errors in the browser console: {errors}"
