"""The GitHub Actions workflows, read as data (they cannot run here).

- tests.yml runs `make test` on every push and pull request, on the oldest and the newest
  Python the Makefile names, with pip's cache, and nothing that skips the browser tests;
- pages.yml publishes only what tests.yml built and tested: its deploy job needs the tests;
- newest.yml runs weekly without the lock and opens an issue when it fails.

The checks are plain functions returning a list of problems, so the tests at the bottom can
show that each one fails on a workflow that breaks it.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert match, f"{name} is not set in the Makefile"
    return match.group(1)


OLDEST, NEWEST = makefile_variable("OLDEST_PYTHON"), makefile_variable("NEWEST_PYTHON")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else dict(on)


def runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def uses(job: dict) -> list[str]:
    return [step["uses"] for step in job.get("steps", []) if "uses" in step]


# -- the checks ---------------------------------------------------------------


def check_tests(workflow: dict) -> list[str]:
    problems = []
    on = triggers(workflow)
    for event in ("push", "pull_request", "workflow_call"):
        if event not in on:
            problems.append(f"tests.yml does not run on {event}")
    push = on.get("push") or {}
    if push.get("branches") or set(push.get("branches-ignore", [])) - {"main"}:
        problems.append("tests.yml leaves out pushes to some branches (only main may be, as pages.yml tests it)")
    job = workflow["jobs"].get("test")
    if job is None:
        return problems + ["tests.yml has no job `test`"]
    pythons = [str(v) for v in job.get("strategy", {}).get("matrix", {}).get("python", [])]
    if sorted(pythons) != sorted({OLDEST, NEWEST}):
        problems.append(f"the matrix is {pythons}, not the oldest and newest Python ({OLDEST}, {NEWEST})")
    if "ubuntu" not in job.get("runs-on", ""):
        problems.append("the tests do not run on Ubuntu")
    command = runs(job)
    if not re.search(r"^make test(\s|$)", command, re.M):
        problems.append("the job does not run `make test`")
    if re.search(r"LOCK=(\s|$)", command):
        problems.append("the job installs without the lock")
    if re.search(r"not browser|--deselect|--ignore|-k |SKIP", command):
        problems.append("the job leaves tests out")
    setup = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    if not setup or setup[0].get("with", {}).get("cache") != "pip":
        problems.append("setup-python does not restore pip's cache")
    elif "requirements-lock.txt" not in setup[0]["with"].get("cache-dependency-path", ""):
        problems.append("pip's cache is not keyed on the lock")
    publish = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    if len(publish) != 1:
        problems.append("the test job does not upload the tested site for Pages")
    elif publish[0].get("with", {}).get("path") != "_build/html" or f"'{NEWEST}'" not in publish[0].get("if", ""):
        problems.append("the site uploaded for Pages is not _build/html of the newest Python's tested run")
    return problems


def check_pages(workflow: dict, tests: dict) -> list[str]:
    problems = []
    on = triggers(workflow)
    if (on.get("push") or {}).get("branches") != ["main"]:
        problems.append("pages.yml does not publish pushes to main")
    jobs = workflow["jobs"]
    callers = [name for name, job in jobs.items() if job.get("uses") == "./.github/workflows/tests.yml"]
    if len(callers) != 1:
        return problems + ["pages.yml does not run tests.yml"]
    if jobs[callers[0]].get("with", {}).get("publish") is not True:
        problems.append("pages.yml does not ask tests.yml for the tested site")
    deploys = [name for name, job in jobs.items() if "actions/deploy-pages@v4" in uses(job)]
    if len(deploys) != 1:
        return problems + ["pages.yml has no deploy job"]
    needs = jobs[deploys[0]].get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    if callers[0] not in needs:
        problems.append("the deploy job does not wait for the tests")
    if "if" in jobs[deploys[0]]:
        problems.append("the deploy job has a condition that could run it after failed tests")
    for name, job in jobs.items():
        if "make book" in runs(job) or "upload-pages-artifact" in " ".join(uses(job)):
            problems.append(f"pages.yml job {name} builds or uploads a site of its own, not the tested one")
    return problems


def check_newest(workflow: dict) -> list[str]:
    problems = []
    schedule = triggers(workflow).get("schedule") or []
    crons = [entry.get("cron", "") for entry in schedule]
    weekly = [c for c in crons if len(c.split()) == 5 and c.split()[2:4] == ["*", "*"] and re.fullmatch(r"[0-6]", c.split()[4])]
    if not weekly:
        problems.append(f"newest.yml has no weekly schedule (cron {crons})")
    job = workflow["jobs"].get("newest")
    if job is None:
        return problems + ["newest.yml has no job `newest`"]
    if not re.search(r"^make test .*LOCK=(\s|$)", runs(job), re.M):
        problems.append("newest.yml does not run `make test LOCK=` (without the lock)")
    if job.get("continue-on-error"):
        problems.append("newest.yml's failures are ignored (continue-on-error)")
    pythons = [str(v) for v in job.get("strategy", {}).get("matrix", {}).get("python", [])]
    if NEWEST not in pythons:
        problems.append("newest.yml does not test the newest Python")
    reporters = [
        j for j in workflow["jobs"].values()
        if "failure()" in str(j.get("if", "")) and "gh issue" in runs(j) and "newest" in str(j.get("needs", ""))
    ]
    if not reporters:
        problems.append("a failure of newest.yml opens no issue")
    return problems


# -- the workflows of this repository ------------------------------------------


def test_every_workflow_is_valid_yaml_with_jobs():
    names = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert names == ["newest.yml", "pages.yml", "tests.yml"]
    for name in names:
        workflow = load(name)
        assert triggers(workflow) and workflow["jobs"], name
        for job in workflow["jobs"].values():
            for action in uses(job) + ([job["uses"]] if "uses" in job else []):
                assert action.startswith("./") or re.search(r"@v\d+$", action), f"{name}: {action} is not pinned to a major version"


def test_tests_workflow():
    assert check_tests(load("tests.yml")) == []


def test_pages_workflow_publishes_only_tested_commits():
    assert check_pages(load("pages.yml"), load("tests.yml")) == []


def test_weekly_job_against_the_newest_releases():
    assert check_newest(load("newest.yml")) == []


def test_ci_run_is_make_test():
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_oldest_job_uses_the_lower_bounds_on_the_oldest_python_lossbook_supports():
    job = load("tests.yml")["jobs"]["oldest"]
    floor = re.search(r'requires-python\s*=\s*">=(\d+\.\d+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(setup["with"]["python-version"]) == floor
    assert re.search(r"pip install -c \.ci/oldest\.txt -e \"\.\[test\]\"", runs(job))
    assert re.search(r"^python -m pytest", runs(job), re.M)


# -- each check fails on a workflow that breaks it -----------------------------


def broken(name: str, change) -> dict:
    workflow = copy.deepcopy(load(name))
    change(workflow)
    return workflow


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda w: w["jobs"]["test"]["strategy"]["matrix"].update(python=[NEWEST]), "not the oldest and newest"),
        (lambda w: w.update({True: {"push": None}}), "does not run on pull_request"),
        (lambda w: w["jobs"]["test"]["steps"][2].update(run="make test-package"), "does not run `make test`"),
        (lambda w: w["jobs"]["test"]["steps"][2].update(run="make test LOCK="), "without the lock"),
        (lambda w: w["jobs"]["test"]["steps"][1]["with"].pop("cache"), "pip's cache"),
        (lambda w: w["jobs"]["test"]["steps"][2].update(run="make test SKIP=browser"), "leaves tests out"),
    ],
)
def test_tests_check_catches(change, problem):
    assert any(problem in p for p in check_tests(broken("tests.yml", change)))


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda w: w["jobs"]["deploy"].pop("needs"), "does not wait for the tests"),
        (lambda w: w["jobs"]["deploy"].update({"if": "always()"}), "could run it after failed tests"),
        (lambda w: w["jobs"].pop("tests") and w["jobs"]["deploy"].pop("needs"), "does not run tests.yml"),
        (
            lambda w: w["jobs"].update(build={"runs-on": "ubuntu-latest", "steps": [{"run": "make book"}]}),
            "builds or uploads a site of its own",
        ),
    ],
)
def test_pages_check_catches(change, problem):
    assert any(problem in p for p in check_pages(broken("pages.yml", change), load("tests.yml")))


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda w: w[True].update(schedule=[{"cron": "23 4 * * *"}]), "no weekly schedule"),
        (lambda w: w[True].pop("schedule"), "no weekly schedule"),
        (lambda w: w["jobs"]["newest"]["steps"][2].update(run="make test PYTHON=python"), "without the lock"),
        (lambda w: w["jobs"]["newest"].update({"continue-on-error": True}), "ignored"),
        (lambda w: w["jobs"].pop("report"), "opens no issue"),
    ],
)
def test_newest_check_catches(change, problem):
    assert any(problem in p for p in check_newest(broken("newest.yml", change)))
