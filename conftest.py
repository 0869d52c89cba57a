"""Repository-wide pytest configuration.

Keeps the build output, the virtual environment and the benchmarks out of collection,
whatever paths pytest is given (see also ``norecursedirs`` in pyproject.toml).
"""

collect_ignore = ["setup.py"]
collect_ignore_glob = [
    "_build/*",
    ".venv/*",
    "benchmarks/*",
    "build/*",
    "dist/*",
    "**/.ipynb_checkpoints/*",
]
