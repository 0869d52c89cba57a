"""The book served by JupyterLab (with jupyterlab-myst) from the project's venv, for the tests
in this folder.

``running_lab()`` starts ``jupyter lab`` from the interpreter running the tests (the venv's),
headless, on 127.0.0.1 at a free port, with a random token, and stops it whatever happens:

- it serves a copy of book/ (JupyterLab may autosave a notebook after Run All; the repository's
  notebooks must not change), beside a link to benchmarks/ (one appendix reads its results);
- its configuration, runtime files, settings and workspaces live in a temporary folder, so the
  reader's own JupyterLab settings play no part; the settings turn JupyterLab's windowed
  notebooks off (otherwise only the cells in view are in the page), autosave off, and the news
  and update checks off (no request leaves the machine);
- at the end it is sent SIGTERM (JupyterLab then shuts its kernels down), and killed with its
  whole process group if it has not stopped within 30 seconds.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
SCREENSHOTS = ROOT / "_build" / "screenshots" / "lab"

SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    root: Path  # the folder it serves (a copy of book/)
    process: subprocess.Popen
    log: Path

    def api(self, path: str):
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def open_url(self, notebook: str, workspace: str) -> str:
        """A notebook (or, with ``notebook=""``, the file browser alone) in a workspace of its
        own, reset (no layout restored from elsewhere)."""
        tree = f"/tree/{notebook}" if notebook else ""
        return f"{self.url}/lab/workspaces/{workspace}{tree}?reset&token={self.token}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (JupyterLab shuts its kernels down), then SIGKILL to the process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # the server and anything it left behind
    except ProcessLookupError:
        pass
    process.wait(timeout=timeout)


@contextmanager
def running_lab(startup_timeout: float = 120):
    tmp = Path(tempfile.mkdtemp(prefix="lossbook-lab-"))
    try:
        root = tmp / "book"
        shutil.copytree(BOOK, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (tmp / "benchmarks").symlink_to(ROOT / "benchmarks")
        settings = tmp / "settings"
        for name, values in SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")
        port, token = free_port(), secrets.token_hex(24)
        env = dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(tmp / "config"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
            JUPYTERLAB_SETTINGS_DIR=str(settings),
            JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        )
        log = tmp / "jupyterlab.log"
        command = [
            sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.root_dir={root}",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", "--ServerApp.allow_root=True",
        ]
        with open(log, "w", encoding="utf-8") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        lab = Lab(f"http://127.0.0.1:{port}", token, root, process, log)
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"JupyterLab exited ({process.returncode}):\n{log.read_text()[-3000:]}")
                try:
                    lab.api("/api/status")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not answer in {startup_timeout} s:\n{log.read_text()[-3000:]}")
                    time.sleep(0.5)
            yield lab
        finally:
            stop(process)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
