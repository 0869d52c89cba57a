"""Repository-wide pytest configuration.

Keeps the build output, the virtual environment and the benchmarks out of collection,
whatever paths pytest is given (see also ``norecursedirs`` in pyproject.toml).
"""

# Under --nbval, also check the numbers tied to the code ({eval} roles; see the plugin).
pytest_plugins = ["tests.nbval_tied_values"]

collect_ignore = ["setup.py"]
collect_ignore_glob = [
    "_build/*",
    ".venv/*",
    "benchmarks/*",
    "build/*",
    "dist/*",
    "**/.ipynb_checkpoints/*",
]
