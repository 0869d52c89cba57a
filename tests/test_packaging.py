"""Packaging that tells the truth: the lock, the bounds, the version, the test extra.

- requirements-lock.txt pins everything requirements.txt and pyproject.toml name, inside their
  bounds, with one version of each package for every Python (so every Python prints the same
  notebook outputs); a stale lock is caught by .ci/lock.py before anything is installed;
- requirements.txt and pyproject.toml agree on lossbook's lower bounds, and .ci/oldest.txt
  (the CI job on the oldest versions) pins exactly those;
- the version has one source, ``lossbook.__version__`` (the wheel test, tests/wheel, checks
  the built metadata against it);
- the ``test`` extra names every third-party package that a plain `pytest` imports;
- the README states the Pythons the Makefile tests.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENTS = ROOT / "requirements.txt"


def _load_lock_module():
    spec = importlib.util.spec_from_file_location("lockcheck", ROOT / ".ci" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lockcheck = _load_lock_module()


def pyproject() -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10: pytest depends on tomli there
        import tomli as tomllib
    return tomllib.loads(PYPROJECT.read_text())


def requirements(path: Path) -> dict[str, Requirement]:
    reqs = {}
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            req = Requirement(line)
            reqs[lockcheck.canonical(req.name)] = req
    return reqs


def project_requirements() -> dict[str, Requirement]:
    return {lockcheck.canonical(Requirement(r).name): Requirement(r) for r in pyproject()["project"]["dependencies"]}


def lower_bound(req: Requirement) -> str | None:
    bounds = [s.version for s in req.specifier if s.operator == ">="]
    return bounds[0] if len(bounds) == 1 else None


def makefile_variable(name: str) -> str:
    return re.search(rf"^{name}\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)


# -- the lock ---------------------------------------------------------------------


def test_the_lock_pins_every_requirement_inside_its_bounds():
    pins = {name: version for name, version, _ in lockcheck.read_lock(LOCK)}
    wanted = {**requirements(REQUIREMENTS), **project_requirements()}
    for extra in pyproject()["project"]["optional-dependencies"].values():
        wanted.update({lockcheck.canonical(Requirement(r).name): Requirement(r) for r in extra})
    # A requirement for other Pythons only (tomli before 3.11) has no pin to have.
    supported = [makefile_variable("OLDEST_PYTHON"), makefile_variable("NEWEST_PYTHON")]
    wanted = {
        n: r for n, r in wanted.items()
        if r.marker is None or any(r.marker.evaluate({"python_version": v, "python_full_version": f"{v}.0"}) for v in supported)
    }
    missing = sorted(set(wanted) - set(pins))
    assert not missing, f"requirements-lock.txt is stale, no pin for {missing}: run `make lock`"
    outside = {n: (pins[n], str(r.specifier)) for n, r in wanted.items() if not r.specifier.contains(pins[n], prereleases=True)}
    assert not outside, f"locked versions outside the bounds: {outside}"


def test_the_lock_has_one_version_of_each_package_for_every_python():
    versions: dict[str, set[str]] = {}
    for name, version, marker in lockcheck.read_lock(LOCK):
        versions.setdefault(name, set()).add(version)
        # A marker may say where a package is needed, never pick another version per Python.
    forks = {n: sorted(v) for n, v in versions.items() if len(v) > 1}
    assert not forks, f"versions that differ between Pythons (the notebooks' outputs could too): {forks}"
    assert len(versions) > 100


def test_the_lock_is_generated_by_make_lock_for_the_oldest_python():
    header = LOCK.read_text().splitlines()[:3]
    assert "#    make lock" in header
    recipe = (ROOT / "Makefile").read_text()
    assert "pip compile requirements.txt --universal --python-version $(OLDEST_PYTHON)" in recipe
    assert "--fork-strategy fewest" in recipe


def test_a_requirement_missing_from_the_lock_stops_the_install(tmp_path):
    stale = tmp_path / "requirements.txt"
    stale.write_text(REQUIREMENTS.read_text() + "zz-not-locked-a>=3\nzz-not-locked-b\n")
    result = subprocess.run(
        [sys.executable, ROOT / ".ci" / "lock.py", "covers", LOCK, stale, PYPROJECT], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "requirements-lock.txt is stale: no pin for zz-not-locked-a, zz-not-locked-b" in result.stderr
    assert "make lock" in result.stderr
    fresh = subprocess.run([sys.executable, ROOT / ".ci" / "lock.py", "covers", LOCK, REQUIREMENTS, PYPROJECT])
    assert fresh.returncode == 0


def test_an_environment_other_than_the_lock_is_reported(tmp_path):
    import numpy

    lock = tmp_path / "lock.txt"
    lock.write_text(
        "\n".join(
            f"{name}=={'0.0.1' if name == 'numpy' else version}"
            for name, version in lockcheck.installed_versions().items()
            if name not in {"pytest"}
        )
    )
    result = subprocess.run([sys.executable, ROOT / ".ci" / "lock.py", "installed", lock], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"numpy {numpy.__version__} is installed, the lock has 0.0.1" in result.stderr
    assert "make lock" in result.stderr
    assert "pytest" in result.stderr and "is installed but not in the lock" in result.stderr
    diff = subprocess.run([sys.executable, ROOT / ".ci" / "lock.py", "diff", lock], capture_output=True, text=True)
    assert diff.returncode == 0 and "2 differ" in diff.stdout


def test_markers_in_the_lock_are_read_for_this_python(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("tomli==2.0.0 ; python_full_version < '3.11'\nnumpy==1.0 ; python_full_version >= '3.0'\n    # via x\n")
    locked = lockcheck.locked_versions(lock)
    assert locked["numpy"] == "1.0"
    assert ("tomli" in locked) == (sys.version_info < (3, 11))


# -- the bounds and the version -----------------------------------------------------


def test_requirements_txt_and_pyproject_agree_on_lossbooks_lower_bounds():
    from_requirements = requirements(REQUIREMENTS)
    for name, req in project_requirements().items():
        assert lower_bound(req), f"{name} has no single lower bound in pyproject.toml"
        assert lower_bound(from_requirements[name]) == lower_bound(req), name


def test_the_oldest_job_pins_exactly_the_lower_bounds():
    oldest = requirements(ROOT / ".ci" / "oldest.txt")
    for name, req in project_requirements().items():
        (pin,) = oldest[name].specifier
        assert pin.operator == "==" and Version(pin.version) == Version(lower_bound(req)), name
    # validate_data and __sklearn_tags__ came with scikit-learn 1.6; 1.5.2 fails at import.
    assert Version(lower_bound(project_requirements()["scikit-learn"])) >= Version("1.6")


def test_the_version_has_one_source():
    project = pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lossbook.__version__"}
    tree = ast.parse((ROOT / "lossbook" / "__init__.py").read_text())
    versions = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
        and isinstance(node.value, ast.Constant)
    ]
    # A literal, so setuptools reads it without importing lossbook (and numpy) at build time.
    assert len(versions) == 1 and Version(versions[0])


# -- the test extra -------------------------------------------------------------------


def _optional_imports(tree) -> set[int]:
    """The ids of the import statements inside ``try: ... except ImportError`` (optional ones)."""
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            optional |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return optional


def third_party_imports(paths) -> dict[str, set[str]]:
    """Top-level modules imported anywhere in the files (functions too), by module; not those
    of the repository (tests/, _ext/) nor the optional ones (inside ``except ImportError``)."""
    local = {
        "lossbook", "conftest",
        *(p.stem for p in (ROOT / "tests").glob("*.py")),
        *(p.stem for p in (ROOT / "_ext").iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()),
    }
    found: dict[str, set[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text())
        optional = _optional_imports(tree)
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local and top != "__future__":
                    found.setdefault(top, set()).add(path.name)
    return found


def test_the_test_extra_names_every_package_a_plain_pytest_imports():
    from importlib.metadata import packages_distributions

    # What a plain `pytest` collects: pyproject's testpaths, less its norecursedirs.
    collected = [*(ROOT / "tests").glob("*.py"), ROOT / "conftest.py", *(ROOT / "lossbook").rglob("*.py")]
    declared = set(project_requirements())
    declared |= {lockcheck.canonical(Requirement(r).name) for r in pyproject()["project"]["optional-dependencies"]["test"]}
    providers = packages_distributions()
    undeclared = {}
    for module, files in third_party_imports(collected).items():
        distributions = {lockcheck.canonical(d) for d in providers.get(module, [module])}
        if not distributions & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported by the tests but not in lossbook's dependencies or its test extra: {undeclared}"


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nimport numpy as np\n\ndef f():\n    import sphinx.util\n    from yaml import safe_load\n")
    assert set(third_party_imports([sample])) == {"numpy", "sphinx", "yaml"}


def test_the_import_scan_leaves_out_optional_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("try:\n    import nbval\nexcept ImportError:\n    nbval = None\nimport yaml\n")
    assert set(third_party_imports([sample])) == {"yaml"}


# -- what the README claims -------------------------------------------------------------


def test_the_readme_claims_the_pythons_that_are_tested():
    readme = (ROOT / "README.md").read_text()
    oldest, newest = makefile_variable("OLDEST_PYTHON"), makefile_variable("NEWEST_PYTHON")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert f"With Python {oldest} to {newest} and GNU make" in quick_start
    assert not re.search(r"Python 3\.\d+ or (newer|later)", readme), "an untested claim"


@pytest.mark.parametrize("steps", [["make lock", "make notebooks", "make test"]])
def test_the_readme_says_how_to_add_a_dependency(steps):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Adding or upgrading a dependency", 1)[1].split("\n## ", 1)[0]
    positions = [section.find(f"`{step}`") for step in steps]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "requirements.txt" in section
