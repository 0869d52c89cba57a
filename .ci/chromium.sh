#!/bin/sh
# The browser for the browser tests (tests/browser): prints its path on stdout, and says in
# one line on stderr where it comes from. Used by `make test-browser` and `make chromium`.
#
#     sh .ci/chromium.sh [VENV_PYTHON]
#
# In this order:
#   1. $CHROMIUM, if it is set (it must run);
#   2. a Chromium or Chrome on the PATH (chromium, chromium-browser, google-chrome, ...);
#   3. Playwright's own Chromium, if `playwright install chromium` was run before;
#   4. Debian's chromium with apt-get, where apt-get exists and we are root or have sudo
#      without a password;
#   5. `playwright install chromium`, which downloads Playwright's Chromium (it needs access to
#      Playwright's download host, which some networks do not allow).
# If none of them gives a browser that runs, it exits 1 with what to do: the browser tests are
# never skipped.
set -u

python=${1:-.venv/bin/python}

say() { echo "Browser tests: $*" >&2; }
found() { say "$1"; echo "$2"; exit 0; }
# A browser that starts and answers --version (Ubuntu's chromium-browser without its snap does not).
runs() { [ -f "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

playwright_chromium() {
    "$python" -c 'import os, sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    path = p.chromium.executable_path
if not os.path.isfile(path):
    sys.exit(1)
print(path)' 2>/dev/null
}

if [ -n "${CHROMIUM:-}" ]; then
    runs "$CHROMIUM" && found "using $CHROMIUM (set in \$CHROMIUM)" "$CHROMIUM"
    say "CHROMIUM=$CHROMIUM does not run ($CHROMIUM --version failed)"
    exit 1
fi

for name in chromium chromium-browser google-chrome google-chrome-stable chrome; do
    path=$(command -v "$name" 2>/dev/null) || continue
    runs "$path" && found "using $path (on the PATH)" "$path"
done

path=$(playwright_chromium) && runs "$path" && found "using Playwright's Chromium, $path" "$path"

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        sudo=
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo="sudo -n"
    else
        sudo=no
    fi
    if [ "$sudo" != no ]; then
        say "installing Debian's chromium with apt-get${sudo:+ (through sudo)}"
        if $sudo apt-get update -qq >&2 &&
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; then
            path=$(command -v chromium 2>/dev/null) && runs "$path" && found "using $path (installed with apt-get)" "$path"
        fi
        say "apt-get gave no chromium that runs"
    fi
fi

say "no Chromium or Chrome here: downloading Playwright's (playwright install chromium)"
if "$python" -m playwright install chromium >&2; then
    path=$(playwright_chromium) && runs "$path" && found "using Playwright's Chromium, $path" "$path"
fi

say "no browser could be found or installed. Install Chromium or Chrome (Debian: apt-get install chromium),\
 or run .venv/bin/python -m playwright install chromium where the network allows it,\
 or set CHROMIUM=/path/to/chrome. The browser tests are not skipped."
exit 1
