"""Three small fixes to the website's theme (sphinx-book-theme 1.3 under Jupyter Book 1.x).

1. One setting, ``repository.url`` in _config.yml, turns on every button that needs it.

   sphinx-book-theme builds the Binder and Colab launch buttons (and the repository
   button) from the repository's address. With the address empty the theme fails on a
   notebook page if a launch provider is configured, and Jupyter Book refuses a
   repository button without an address. So _config.yml names the providers once, and
   this extension switches them off while ``repository.url`` is empty:

   - ``url: ""``: no launch buttons and no repository button. The download buttons
     (.ipynb, source, PDF) are there either way.
   - ``url: https://github.com/OWNER/REPO``: the repository button on every page, and
     the Binder and Colab launch buttons on every notebook page (Colab only for GitHub
     addresses: it opens notebooks from GitHub only).

2. Each inline script once per page. sphinx-thebe and sphinx-togglebutton add their inline
   configuration scripts after the builder has started, and Sphinx 7 then writes them
   twice into every page (once with the file name None, once ""); the second
   ``const THEBE_JS_URL`` is a JavaScript error in the browser ("Identifier
   'THEBE_JS_URL' has already been declared").

3. No second search box in an empty top bar. pydata-sphinx-theme 0.17 puts a search
   field in a header bar unless ``navbar_persistent`` is given; sphinx-book-theme has no
   header bar (its search field is in the sidebar), so the header showed nothing but a
   duplicate search field.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sphinx.application import Sphinx
from sphinx.config import Config

LAUNCH_PROVIDERS = ("binderhub_url", "jupyterhub_url", "colab_url", "deepnote_url", "jupyterlite_url")


def theme_options(app: Sphinx, config: Config) -> None:
    options = config.html_theme_options
    url = (options.get("repository_url") or "").strip()
    launch = dict(options.get("launch_buttons") or {})
    if not url:
        for key in LAUNCH_PROVIDERS:
            launch[key] = ""
        launch["thebe"] = False
        options["use_repository_button"] = False
        options["use_issues_button"] = False
        options["use_edit_page_button"] = False
    else:
        options["repository_url"] = url.rstrip("/")
        options["use_repository_button"] = True
        if urlsplit(url).hostname != "github.com":
            launch["colab_url"] = ""
            launch["deepnote_url"] = ""
    options["launch_buttons"] = launch
    options.setdefault("navbar_persistent", [])


def _script_key(script) -> tuple:
    if isinstance(script, str):
        return ("str", script)
    attributes = getattr(script, "attributes", {}) or {}
    return ("js", getattr(script, "filename", None) or "", tuple(sorted(attributes.items())))


def scripts_once(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    # Before the theme reads its options (at builder-inited).
    app.connect("config-inited", theme_options, priority=100)
    app.connect("html-page-context", scripts_once, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
