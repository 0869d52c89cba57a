""".ci/chromium.sh: which browser the browser tests get, on machines with and without apt.

Each test runs the script with a PATH of fake programs only (a fake ``chromium``, ``id``,
``sudo``, ``apt-get``, and a fake venv Python standing in for Playwright), so every branch
is taken here whatever this machine has installed.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "chromium.sh"
SH = "/bin/sh"

BROWSER = '#!/bin/sh\n[ "$1" = --version ] && echo "Chromium 1.2.3" && exit 0\nexit 1\n'
BROKEN = "#!/bin/sh\necho 'chromium-browser needs the snap' >&2\nexit 1\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path):
    """A bin folder (the whole PATH) and a fake venv Python.

    The fake Python answers the script's Playwright query with the path of Playwright's
    Chromium once ``-m playwright install chromium`` has "downloaded" it (created the file).
    """
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    playwright_browser = tmp_path / "ms-playwright" / "chrome"
    log = tmp_path / "calls.log"
    python = write(
        tmp_path / "python",
        f"""#!/bin/sh
echo "python $*" >> {log}
if [ "$1" = -m ]; then
    [ -n "${{NO_DOWNLOAD:-}}" ] && exit 1
    /bin/mkdir -p {playwright_browser.parent} && printf '%s' '{BROWSER}' > {playwright_browser} && /bin/chmod +x {playwright_browser}
    exit 0
fi
[ -x {playwright_browser} ] && echo {playwright_browser} && exit 0
exit 1
""",
    )
    write(bin_ / "id", '#!/bin/sh\necho "${FAKE_UID:-1000}"\n')

    class Machine:
        def __init__(self):
            self.bin, self.python, self.log, self.playwright_browser = bin_, python, log, playwright_browser

        def run(self, **env):
            environ = {"PATH": str(bin_), "HOME": str(tmp_path), **env}
            result = subprocess.run(
                [SH, str(SCRIPT), str(python)], env=environ, capture_output=True, text=True, timeout=60
            )
            self.calls = log.read_text() if log.exists() else ""
            return result

    return Machine()


def test_a_chromium_on_the_path_is_used_as_it_is(machine):
    write(machine.bin / "chromium", BROWSER)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(machine.bin / "chromium")
    assert result.stderr.strip() == f"Browser tests: using {machine.bin / 'chromium'} (on the PATH)"
    assert "install" not in machine.calls


def test_chrome_is_taken_when_the_chromium_on_the_path_does_not_run(machine):
    write(machine.bin / "chromium-browser", BROKEN)
    write(machine.bin / "google-chrome", BROWSER)
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(machine.bin / "google-chrome")


def test_chromium_variable_comes_first_and_must_run(machine, tmp_path):
    write(machine.bin / "chromium", BROWSER)
    mine = write(tmp_path / "my-chrome", BROWSER)
    result = machine.run(CHROMIUM=str(mine))
    assert (result.returncode, result.stdout.strip()) == (0, str(mine))
    broken = write(tmp_path / "broken-chrome", BROKEN)
    result = machine.run(CHROMIUM=str(broken))
    assert result.returncode == 1 and result.stdout == ""
    assert "does not run" in result.stderr


def test_root_on_debian_installs_chromium_with_apt(machine):
    installed = machine.bin / "chromium"
    write(
        machine.bin / "apt-get",
        f"#!/bin/sh\necho \"apt-get $*\" >> {machine.log}\n"
        f"[ \"$1\" = install ] && printf '%s' '{BROWSER}' > {installed} && /bin/chmod +x {installed}\nexit 0\n",
    )
    os.symlink("/usr/bin/env", machine.bin / "env")
    result = machine.run(FAKE_UID="0", NO_DOWNLOAD="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(installed)
    assert "apt-get install -y -qq chromium" in machine.calls
    assert "installing Debian's chromium with apt-get" in result.stderr
    assert "-m playwright" not in machine.calls


def test_a_user_with_sudo_installs_chromium_through_sudo(machine):
    installed = machine.bin / "chromium"
    write(
        machine.bin / "apt-get",
        f"#!/bin/sh\necho \"apt-get $*\" >> {machine.log}\n"
        f"[ \"$1\" = install ] && printf '%s' '{BROWSER}' > {installed} && /bin/chmod +x {installed}\nexit 0\n",
    )
    write(machine.bin / "sudo", f'#!/bin/sh\necho "sudo $*" >> {machine.log}\n[ "$1" = -n ] && shift\nexec "$@"\n')
    os.symlink("/usr/bin/env", machine.bin / "env")
    os.symlink("/bin/true", machine.bin / "true")
    result = machine.run(FAKE_UID="1000", NO_DOWNLOAD="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(installed)
    assert "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium" in machine.calls
    assert "(through sudo)" in result.stderr


def test_without_root_or_sudo_apt_is_not_tried_and_playwright_downloads_its_own(machine):
    write(machine.bin / "apt-get", f"#!/bin/sh\necho \"apt-get $*\" >> {machine.log}\nexit 0\n")
    write(machine.bin / "sudo", "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n")
    result = machine.run(FAKE_UID="1000")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(machine.playwright_browser)
    assert "apt-get" not in machine.calls
    assert "python -m playwright install chromium" in machine.calls
    assert "downloading Playwright's (playwright install chromium)" in result.stderr


def test_playwright_chromium_downloaded_before_is_reused(machine):
    machine.run(FAKE_UID="1000")  # downloads it
    result = machine.run(FAKE_UID="1000", NO_DOWNLOAD="1")
    assert result.stdout.strip() == str(machine.playwright_browser)
    assert machine.calls.count("-m playwright install") == 1
    assert result.stderr.strip() == f"Browser tests: using Playwright's Chromium, {machine.playwright_browser}"


def test_no_browser_at_all_is_an_error_not_a_skip(machine):
    result = machine.run(FAKE_UID="1000", NO_DOWNLOAD="1")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no browser could be found or installed" in result.stderr
    assert "not skipped" in result.stderr
