"""Checks on requirements-lock.txt, the lock that `make book` and `make test` install from.

    python .ci/lock.py covers LOCK requirements.txt pyproject.toml
        Before installing: every package named in requirements.txt and in lossbook's
        dependencies has a pin in LOCK. Exits 1, naming what is missing, when the lock is
        stale (someone added a requirement without running `make lock`).
    python .ci/lock.py installed LOCK
        After installing, with the venv's Python: every installed distribution is pinned in
        LOCK, at the version installed. Exits 1 on any difference: a new requirement's own
        dependencies that the lock does not know, or a version other than the locked one.
    python .ci/lock.py diff LOCK
        Prints how the installed versions differ from LOCK, and exits 0 (the weekly job that
        installs the newest releases prints this in its log).

Standard library only: `covers` runs with the Python that creates the venv, before anything
is installed. Version markers in the lock (``; python_full_version < '3.12'``) are evaluated
with ``packaging`` when it can be imported (it is, in the venv).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# A requirement's name at the start of a line: PEP 508 names, before extras, versions, markers.
NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+?))?\s*$")
# Not from the requirements: pip (venv's own), lossbook (this repository), uv (`make lock`
# installs it into .venv when it is not on the PATH).
NOT_LOCKED = {"pip", "lossbook", "uv"}

STALE = "{lock} is stale: {what}.\nRun `make lock`, then `make notebooks` and `make test` (README.md, 'Adding or upgrading a dependency')."


def canonical(name: str) -> str:
    """PEP 503 normalised name: ``Scikit_Learn`` and ``scikit-learn`` are one package.

    >>> canonical("Scikit_Learn")
    'scikit-learn'
    """
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(path: Path) -> list[str]:
    """The packages a requirements file names (not its options, includes or editable paths)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        match = NAME.match(line)
        if match:
            names.append(canonical(match.group(1)))
    return names


def project_dependency_names(path: Path) -> list[str]:
    """The names in pyproject.toml's ``[project] dependencies`` (read without tomllib)."""
    text = path.read_text()
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
    if block is None:
        return []
    return [canonical(m.group(1)) for m in re.finditer(r"[\"']([A-Za-z0-9][A-Za-z0-9._-]*)", block.group(1))]


def read_lock(path: Path) -> list[tuple[str, str, str | None]]:
    """The lock's pins as ``(name, version, marker or None)``, in file order."""
    pins = []
    for line in path.read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            name, version, marker = match.groups()
            pins.append((canonical(name), version, marker))
    return pins


def _marker_holds(marker: str | None) -> bool:
    if marker is None:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:  # only `covers` runs without packaging, and it ignores markers
        return True
    return Marker(marker).evaluate()


def locked_versions(path: Path) -> dict[str, str]:
    """Name -> version for this interpreter (the pins whose marker holds here)."""
    return {name: version for name, version, marker in read_lock(path) if _marker_holds(marker)}


def installed_versions() -> dict[str, str]:
    from importlib.metadata import distributions

    return {canonical(d.metadata["Name"]): d.version for d in distributions()}


def covers(lock: Path, *sources: Path) -> list[str]:
    """Names required by the sources but missing from the lock."""
    pinned = {name for name, _, _ in read_lock(lock)}
    wanted: list[str] = []
    for source in sources:
        names = project_dependency_names(source) if source.suffix == ".toml" else requirement_names(source)
        wanted += [n for n in names if n not in wanted]
    return [n for n in wanted if n not in pinned]


def differences(lock: Path) -> list[str]:
    """How the installed distributions differ from the lock, one line each."""
    locked = locked_versions(lock)
    lines = []
    for name, version in sorted(installed_versions().items()):
        if name in NOT_LOCKED:
            continue
        if name not in locked:
            lines.append(f"{name} {version} is installed but not in the lock")
        elif locked[name] != version:
            lines.append(f"{name} {version} is installed, the lock has {locked[name]}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"covers", "installed", "diff"}:
        print(__doc__, file=sys.stderr)
        return 2
    command, lock, sources = argv[0], Path(argv[1]), [Path(p) for p in argv[2:]]
    if not lock.is_file():
        print(f"{lock} is missing: run `make lock`", file=sys.stderr)
        return 1
    if command == "covers":
        missing = covers(lock, *sources)
        if missing:
            where = " or ".join(str(s) for s in sources)
            print(STALE.format(lock=lock, what=f"no pin for {', '.join(missing)} (named in {where})"), file=sys.stderr)
            return 1
        return 0
    lines = differences(lock)
    if command == "diff":
        print(f"Installed versions against {lock}: " + ("the same" if not lines else f"{len(lines)} differ"))
        for line in lines:
            print("  " + line)
        return 0
    if lines:
        print(
            f"The environment differs from {lock}:\n  " + "\n  ".join(lines) + "\n"
            "If requirements.txt changed, run `make lock` (then `make notebooks` and `make test`); "
            "if packages were installed into .venv by hand, `make distclean` starts afresh.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
