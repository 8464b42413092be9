"""Browser tests: the standalone portal in a subprocess, driven by Playwright
through Debian's Chromium.

- The portal runs ``python -m flask --app wsgi run`` on a free localhost port,
  once per test session, with its own SQLite file in a temporary folder. It
  always uses that file, even when ``EKTP_ADMIN_TEST_DATABASE_URL`` names a
  server: the view tests' session fixture drops and recreates the schema of
  that server, and the database matrix is covered by them; what these tests
  check is what a clerk sees in a browser.
- The database is set up the way an office would: ``flask ektp init-db``,
  ``load-regions 35.10``, ``create-user``, then ``tests/e2e/seed.py`` (a small
  fixed campaign whose NIKs and names the tests know).
- The browser is the system's ``chromium`` (``apt-get install chromium``);
  Playwright never downloads one. Every test gets a new browser context, and
  any request to a host other than the portal is refused and fails the test
  (the pages must work offline).
- Without Playwright (``pip install -e '.[test]'`` brings it) no module here is
  imported and every one is reported as skipped, with the reason, so that
  ``pytest`` and ``pytest -m "not e2e"`` work where only the package and
  pytest are installed. Under CI (``CI`` set) that is a failure instead: CI
  always runs the browser tests.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import Browser, Page, Response, Route, sync_playwright
except ModuleNotFoundError as missing:
    PLAYWRIGHT_MISSING: str | None = f"Playwright is not installed ({missing}; pip install -e '.[test]')"
else:
    PLAYWRIGHT_MISSING = None
    from .ui import CLERK, CLERK_PASSWORD, USERS

if PLAYWRIGHT_MISSING is not None:

    class _NeedsPlaywright(pytest.Module):
        """A test module of this folder, left unimported: it needs Playwright."""

        def collect(self) -> list[pytest.Item]:
            # Playwright is a test dependency (`.[test]`): without it the browser tests
            # fail, never pass silently as skipped.
            pytest.fail(f"The browser tests need it: {PLAYWRIGHT_MISSING}", pytrace=False)

    def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module:
        return _NeedsPlaywright.from_parent(parent, path=module_path)

ROOT = Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class Portal:
    url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        """The end of the server's output (tracebacks of 500s land here)."""
        return self.log_path.read_text(errors="replace")[-4000:]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of this folder is a browser test (``-m "not e2e"`` leaves it out), marked
    or not: the server runs of CI must never start a browser."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _portal_env(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EKTP_ADMIN_", "FLASK_")) and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'e2e.sqlite'}",
        EKTP_ADMIN_INSTANCE=str(folder / "instance"),
        SECRET_KEY="e2e-secret-key",
        EKTP_ADMIN_INSECURE_COOKIES="1",
        EKTP_ADMIN_REFERENCE_DATE="2016-09-21",
        PYTHONUNBUFFERED="1",
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"setting up the e2e database failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}", pytrace=False)


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the portal exited with {process.returncode}:\n{log_path.read_text(errors='replace')}",
                        pytrace=False)
        try:
            with direct.open(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the portal did not answer within {STARTUP_SECONDS}s:\n{log_path.read_text(errors='replace')}",
                pytrace=False)


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The standalone portal with the seeded campaign, on a free port."""
    folder = tmp_path_factory.mktemp("e2e")
    env = _portal_env(folder)
    flask = ["-m", "flask", "--app", "wsgi"]
    _run([*flask, "ektp", "init-db"], env)
    _run([*flask, "ektp", "load-regions", "35.10"], env)
    _run([*flask, "ektp", "create-user", CLERK, "--role", "clerk", "--kecamatan", "35.10.01",
          "--password", CLERK_PASSWORD], env)
    for username, password, role in USERS.values():
        if username != CLERK:
            _run([*flask, "ektp", "create-user", username, "--role", role, "--password", password], env)
    _run([str(Path(__file__).with_name("seed.py"))], env)

    port = _free_port()
    log_path = folder / "portal.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, *flask, "run", "--host", "127.0.0.1", "--port", str(port), "--no-reload", "--no-debugger"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log_path)
        yield Portal(url=url, log_path=log_path, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "The browser tests need Debian's Chromium on PATH: run `apt-get install chromium` "
            "(./scripts/test and .ci/run install it). Playwright never downloads a browser here.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, portal: Portal) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page on the portal; offline apart from it."""
    context = browser.new_context(base_url=portal.url, viewport=VIEWPORT, accept_downloads=True,
                                  locale="id-ID", timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    portal_host = urlsplit(portal.url).netloc
    foreign: list[str] = []

    def only_the_portal(route: Route) -> None:
        if urlsplit(route.request.url).netloc == portal_host:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_portal)
    server_errors: list[str] = []

    def note_server_error(response: Response) -> None:
        if response.status >= 500:
            server_errors.append(f"{response.status} {response.url}")

    page = context.new_page()
    page.on("response", note_server_error)
    try:
        yield page
    finally:
        context.close()
    if portal.process.poll() is not None:
        pytest.fail(f"the portal died (exit code {portal.process.returncode}):\n{portal.log()}", pytrace=False)
    assert not foreign, f"the pages asked for hosts other than the portal (no CDN allowed): {foreign}"
    assert not server_errors, f"server errors: {server_errors}\n{portal.log()}"
