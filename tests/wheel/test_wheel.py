"""lossbook as a wheel, installed where nothing of the book is: `make test-wheel`.

One test, in steps (each needs the one before): build the wheel from a copy of the package's
sources, install it into a new virtual environment with only lossbook's own dependencies,
import it there and compare ``lossbook.__version__`` with the installed metadata; then add
the ``test`` extra and run the doctests against the installed copy, and collect the test
suite there, which fails if a test module needs a package that the extra lacks.

Installs use the lock as constraints, so they take the versions already in the package cache
(uv when it is on the PATH, as the Makefile does, else pip). Not collected by a plain `pytest`
(``norecursedirs`` in pyproject.toml).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements-lock.txt"
# Distributions of the book that must not come with lossbook.
BOOK_ONLY = {"jupyter-book", "sphinx", "nbval", "jupyterlab", "ipykernel", "playwright", "pytest", "pandas"}
# What the copy of the repository for the test suite leaves out (and tests/wheel itself).
LEAVE_OUT = (".git", ".venv", "_build", "lossbook", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
             "build", "dist", "wheel", ".ipynb_checkpoints", ".jupyter_cache")


def run(*args, cwd=None, env=None):
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def install(python: Path, *requirements: str) -> None:
    """Install into the venv of ``python``, with the lock as constraints (uv if on the PATH)."""
    uv = shutil.which("uv")
    if uv:
        run(uv, "pip", "install", "--python", python, "-c", LOCK, *requirements)
    else:
        # --no-compile: pip's byte-compiling of scipy and the rest is most of its time here.
        run(sys.executable, "-m", "pip", "--python", python, "install", "--no-compile", "-q", "-c", LOCK, *requirements)


def distributions(python: Path) -> dict[str, str]:
    script = (
        "import json, re; from importlib.metadata import distributions as d; "
        "print(json.dumps({re.sub(r'[-_.]+', '-', x.metadata['Name']).lower(): x.version for x in d()}))"
    )
    return json.loads(run(python, "-c", script))


def project_dependencies() -> list[str]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [re.match(r"[A-Za-z0-9._-]+", d).group(0) for d in dependencies]


def source_modules() -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "lossbook").rglob("*") if p.is_file() and p.suffix in {".py", ".typed"}}


def test_the_wheel_installs_alone_imports_and_passes_its_doctests(tmp_path):
    # 1. Build from a copy of what the wheel is made of, so the work tree gains no build/.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "lossbook", src / "lossbook", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist, src)
    (wheel,) = dist.glob("*.whl")
    match = re.fullmatch(r"lossbook-(.+)-py3-none-any\.whl", wheel.name)
    assert match, wheel.name

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"lossbook-{match.group(1)}.dist-info/METADATA").decode()
    assert source_modules() <= names, f"missing from the wheel: {sorted(source_modules() - names)}"
    assert not [n for n in names if n.startswith(("tests/", "book/", "benchmarks/", "_ext/"))]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    requires = {canonical for canonical in re.findall(r"^Requires-Dist: ([A-Za-z0-9._-]+)(?![^\n]*extra ==)", metadata, re.M)}
    assert requires == set(project_dependencies())

    # 2. A new venv with the wheel and what it depends on, nothing else.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    install(python, str(wheel))
    installed = distributions(python)
    assert installed["lossbook"] == match.group(1)
    assert not BOOK_ONLY & installed.keys(), f"book packages in lossbook's install: {BOOK_ONLY & installed.keys()}"

    # 3. Import it from outside the work tree: the installed copy, its version, its metadata.
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    probe = (
        "import json, importlib.metadata as m, lossbook as lb; "
        "print(json.dumps([lb.__version__, m.version('lossbook'), lb.__file__, lb.mse([1.0, 2.0], [1.0, 3.0])]))"
    )
    version, metadata_version, location, value = json.loads(run(python, "-c", probe, cwd=tmp_path, env=env))
    assert version == metadata_version == match.group(1)
    assert Path(location).is_relative_to(venv), location
    assert value == 0.5

    # 4. The test extra: the doctests of the installed copy, and the whole suite collects.
    install(python, f"lossbook[test] @ {wheel.as_uri()}")
    # The repository without lossbook/, so that the tests import the installed wheel.
    suite = tmp_path / "suite"
    shutil.copytree(ROOT, suite, ignore=shutil.ignore_patterns(*LEAVE_OUT))
    assert not (suite / "lossbook").exists() and (suite / "tests" / "conftest.py").exists()
    pytest = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    doctests = run(*pytest, "--doctest-modules", "--pyargs", "lossbook", cwd=suite, env=env)
    assert passed(doctests) == count_doctests() > 0
    collection = run(*pytest, "--collect-only", "tests", cwd=suite, env=env)
    assert collected(collection) > 0
    modules = {line.split("::")[0] for line in collection.splitlines() if "::" in line}
    expected = {f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py")}
    assert modules == expected, f"test modules not collected: {sorted(expected - modules)}"


def count_doctests() -> int:
    """The docstrings with examples in lossbook's sources: pytest makes one doctest of each."""
    import doctest
    import importlib
    import pkgutil

    import lossbook

    finder = doctest.DocTestFinder()
    names = ["lossbook", *(m.name for m in pkgutil.walk_packages(lossbook.__path__, "lossbook."))]
    return sum(1 for name in names for test in finder.find(importlib.import_module(name)) if test.examples)


def passed(output: str) -> int:
    summary = output.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed in [\d.]+s(?: \(.*\))?", summary)
    assert match, output[-3000:]
    return int(match.group(1))


def collected(output: str) -> int:
    summary = output.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) tests? collected in [\d.]+s(?: \(.*\))?", summary)
    assert match, output[-3000:]
    return int(match.group(1))
