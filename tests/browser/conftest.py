"""Real-browser tests: JupyterLab and Voilà on loopback ports, Chromium driven by Playwright.

Everything the servers and the browser write (settings, kernels' runtime files, the ratings
file, the browser profile) lives in a temporary HOME, so a test run never touches the real
home folder. Servers are started by this file and stopped by the process ids it started.

Chromium comes from the system (Debian's ``chromium`` package) because Playwright's own
browser download needs the internet. The tests never install anything: ``make browser`` does
(CI runs it first). When Chromium is missing the browser tests skip and say how to get it, or
fail when ``CINELAB_REQUIRE_BROWSER=1`` (CI), so CI cannot pass without them. Set
``CINELAB_CHROMIUM`` to use another Chromium or Chrome binary.

Run only these tests with ``pytest -m browser``. A failing test leaves a screenshot in
``test-artifacts/browser/``; click-to-update timings are written to
``test-artifacts/browser/timings.json``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
DEMO_NOTEBOOK = "07_interactive_recommender.ipynb"
ARTIFACTS = REPO / "test-artifacts" / "browser"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90
OFF_MACHINE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        # No "select a kernel" dialog; and the strictest windowing mode, where cells outside
        # the viewport are removed from the page, so widgets are tested in the hardest case.
        "autoStartDefaultKernel": True,
        "windowingMode": "full",
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives a real Chromium against JupyterLab or Voila (slow-ish)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so the page fixture can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# ---------------------------------------------------------------------------- environment
@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> dict:
    """Environment variables pointing HOME, XDG, Jupyter and CineLab state at a temp folder."""
    root = tmp_path_factory.mktemp("browser-home")
    folders = {
        "HOME": root,
        "XDG_CONFIG_HOME": root / ".config",
        "XDG_DATA_HOME": root / ".local" / "share",
        "XDG_CACHE_HOME": root / ".cache",
        "JUPYTER_CONFIG_DIR": root / ".jupyter",
        "JUPYTER_DATA_DIR": root / ".local" / "share" / "jupyter",
        "JUPYTER_RUNTIME_DIR": root / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": root / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": root / "lab-workspaces",
        "IPYTHONDIR": root / ".ipython",
        "MPLCONFIGDIR": root / ".matplotlib",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update({key: str(value) for key, value in folders.items()})
    env["CINELAB_RATINGS_FILE"] = str(root / "my_ratings.json")
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    for name, settings in LAB_SETTINGS.items():
        target = folders["JUPYTERLAB_SETTINGS_DIR"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings))
    return {"env": env, "root": root, "ratings_file": Path(env["CINELAB_RATINGS_FILE"])}


def free_port() -> int:
    """A loopback TCP port nobody listens on right now, chosen by the operating system."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------------------- chromium
@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The Chromium binary: $CINELAB_CHROMIUM, else /usr/bin/chromium (installed as root)."""
    override = os.environ.get("CINELAB_CHROMIUM")
    if override:
        if not Path(override).is_file():
            pytest.fail(f"CINELAB_CHROMIUM={override} does not exist.", pytrace=False)
        return Path(override)
    if SYSTEM_CHROMIUM.is_file():
        return SYSTEM_CHROMIUM
    advice = (
        "browser tests need Chromium: run `make browser` (Debian/Ubuntu: apt-get install "
        "chromium) or point CINELAB_CHROMIUM at a Chromium or Chrome binary"
    )
    if os.environ.get("CINELAB_REQUIRE_BROWSER") == "1":
        pytest.fail(advice, pytrace=False)
    pytest.skip(advice)


@pytest.fixture(scope="session")
def browser(chromium_path, sandbox):
    from playwright.sync_api import sync_playwright

    profile = sandbox["root"] / "chromium-profile"
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(chromium_path),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            env=sandbox["env"],
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, request):
    """A fresh tab; on failure a full-page screenshot goes to test-artifacts/browser/."""
    tab = browser.new_page()
    tab.set_default_timeout(30_000)
    # Offline like a classroom: anything not served from loopback (e.g. icon fonts from a CDN
    # in Voila's templates) fails at once instead of hanging the page's load.
    tab.route(OFF_MACHINE, lambda route: route.abort())
    yield tab
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"{request.node.name}.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot of the failing page: {shot}")
    tab.close()


# ---------------------------------------------------------------------------- servers
class Server:
    """A server process we started, its base URL, and a log file to show when it fails."""

    def __init__(self, name: str, command: list[str], url: str, env: dict, log: Path, cwd: Path):
        self.name, self.url, self.log = name, url, log
        with log.open("wb") as stream:
            self.process = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT
            )

    def wait_until_ready(self, probe_url: str) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early:\n{self.tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(probe_url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        self.stop()
        pytest.fail(f"{self.name} did not answer within {SERVER_START_TIMEOUT} s:\n{self.tail()}")

    def tail(self, n_chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n_chars:]

    def stop(self) -> None:
        """Terminate the process we started (it shuts its kernels down), kill if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def notebook_copy(sandbox) -> Path:
    """A copy of notebooks/, so running cells in the browser never touches committed files."""
    target = sandbox["root"] / "notebooks"
    shutil.copytree(NOTEBOOKS, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return target


@pytest.fixture(scope="session")
def voila_server(sandbox, notebook_copy, tmp_path_factory):
    """Voilà serving the demo notebook exactly as ``make demo`` does, on a random port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "voila",
        DEMO_NOTEBOOK,
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--template=lab",
        "--progressive_rendering=True",
        "--VoilaConfiguration.show_tracebacks=True",
    ]
    log = tmp_path_factory.mktemp("logs") / "voila.log"
    server = Server(
        "Voila", command, f"http://127.0.0.1:{port}/", sandbox["env"], log, notebook_copy
    )
    try:
        server.wait_until_ready(f"http://127.0.0.1:{port}/voila/static/voila.js")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(sandbox, notebook_copy, tmp_path_factory):
    """JupyterLab on a random loopback port with a random token; the app object is exposed
    to the page (``window.jupyterapp``) so tests can run commands like "run all cells"."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={notebook_copy}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
    ]
    if running_as_root():
        command.append("--allow-root")
    log = tmp_path_factory.mktemp("logs") / "jupyterlab.log"
    server = Server(
        "JupyterLab", command, f"http://127.0.0.1:{port}/", sandbox["env"], log, notebook_copy
    )
    server.token = token
    try:
        server.wait_until_ready(f"http://127.0.0.1:{port}/api/status?token={token}")
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------------------- timings
@pytest.fixture(scope="session")
def timings():
    """Collect end-to-end timings; written to test-artifacts/browser/timings.json at the end."""
    measured: dict[str, list[float]] = {}
    yield measured
    if measured:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "timings.json").write_text(json.dumps(measured, indent=1) + "\n")
