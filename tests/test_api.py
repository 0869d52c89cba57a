"""The package as a whole: a light import, type hints, and no imports back into the package."""

import ast
import inspect
import pathlib
import subprocess
import sys

import pytest

import lossbook as lb

PACKAGE = pathlib.Path(lb.__file__).parent


def test_import_is_light():
    """`import lossbook` loads numpy, not scikit-learn, pandas, scipy or matplotlib."""
    code = (
        "import sys, lossbook\n"
        "print(sorted(m for m in ('sklearn', 'pandas', 'scipy', 'matplotlib') if m in sys.modules))\n"
        "lossbook.LossClassifier\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "True"]  # the estimators load on first use


def test_estimators_are_listed_although_loaded_lazily():
    assert {"LossRegressor", "LossClassifier"} <= set(dir(lb)) and "LossClassifier" in lb.__all__


def _public_callables():
    for name in lb.__all__:
        obj = getattr(lb, name)
        if isinstance(obj, lb.Loss) or name == "LOSSES":
            continue
        if inspect.isclass(obj):
            members = [
                (f"{name}.{m}", f)
                for m, f in vars(obj).items()
                if inspect.isfunction(f) and (not m.startswith("_") or m in ("__init__", "__call__"))
            ]
            if issubclass(obj, Warning) or issubclass(obj, Exception):
                continue
            yield from members
        elif callable(obj):
            yield name, obj


@pytest.mark.parametrize("name, fn", list(_public_callables()), ids=lambda x: x if isinstance(x, str) else "")
def test_public_api_has_type_hints(name, fn):
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.name != "self" and p.annotation is inspect.Parameter.empty]
    assert not missing, f"{name}: parameters without a type hint: {missing}"
    if fn.__name__ != "__init__":
        assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return type"


def test_losses_carry_typed_signatures():
    for loss in lb.LOSSES.values():
        sig = inspect.signature(loss)
        assert all(p.annotation is not inspect.Parameter.empty for p in sig.parameters.values())


def test_py_typed_marker_is_shipped():
    assert (PACKAGE / "py.typed").is_file()


def test_no_function_level_imports_back_into_the_package():
    offenders = []
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.level > 0 or (inner.module or "").startswith("lossbook")):
                        offenders.append(f"{path.name}:{inner.lineno}")
    # __init__'s PEP 562 __getattr__ imports the estimators module on first use, on purpose.
    assert offenders == [f"__init__.py:{_lazy_import_line()}"] or offenders == []


def _lazy_import_line():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom):
                    return inner.lineno
    return None


def test_private_helpers_are_not_imported_across_modules():
    """Modules talk through public names (loss attributes), not each other's _private helpers."""
    offenders = []
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > 0 and node.module:
                # (``from . import _numerics`` imports a private module, which is fine)
                for alias in node.names:
                    private_name = alias.name.startswith("_")
                    private_module = node.module.startswith("_")
                    if private_name and not private_module:
                        offenders.append(f"{path.name}: from .{node.module} import {alias.name}")
    assert offenders == []
