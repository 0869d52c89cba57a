"""The site extension _ext/book_site.py: one setting, repository.url, turns the buttons on."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import book_site  # noqa: E402

PROVIDERS = {
    "notebook_interface": "jupyterlab",
    "binderhub_url": "https://mybinder.org",
    "colab_url": "https://colab.research.google.com",
    "jupyterhub_url": "",
    "thebe": False,
}


def configure(url: str) -> dict:
    options = {"repository_url": url, "launch_buttons": dict(PROVIDERS), "use_repository_button": False}
    book_site.theme_options(None, SimpleNamespace(html_theme_options=options))
    return options


def test_no_address_no_launch_or_repository_buttons():
    options = configure("")
    assert options["launch_buttons"]["binderhub_url"] == ""
    assert options["launch_buttons"]["colab_url"] == ""
    assert options["use_repository_button"] is False
    assert options["navbar_persistent"] == []


def test_github_address_turns_on_binder_colab_and_the_repository_button():
    options = configure("https://github.com/someone/lossbook/")
    assert options["repository_url"] == "https://github.com/someone/lossbook"
    assert options["use_repository_button"] is True
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


@pytest.mark.parametrize("url", ["https://gitlab.com/someone/lossbook", "https://example.org/git/lossbook"])
def test_colab_only_for_github(url):
    options = configure(url)
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert options["launch_buttons"]["colab_url"] == ""


class _Script:
    def __init__(self, filename, **attributes):
        self.filename = filename
        self.attributes = attributes


def test_each_inline_script_once():
    a, b = _Script(None, body="const X = 1;"), _Script("", body="const X = 1;")
    c = _Script("_static/other.js")
    context = {"script_files": [a, b, c, "plain.js", "plain.js"]}
    book_site.scripts_once(None, "page", "page.html", context, None)
    assert context["script_files"] == [a, c, "plain.js"]
