"""The built website in _build/html, read as files: shared by tests/site and tests/browser.

tests/conftest.py puts this folder on ``sys.path`` (pytest's default "prepend" import mode
does it for every conftest.py outside a package), so the tests import it by name.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"

# <link rel=...> values that only point somewhere and load nothing.
NAVIGATION_RELS = {"index", "search", "next", "prev", "canonical", "alternate", "author", "license", "help", "top", "up"}
# Attributes through which a page loads a resource, per tag.
RESOURCE_ATTRS = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "source": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
}
REMOTE = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//")  # http://, https://, //host
CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)


class Page(HTMLParser):
    """What a built page holds: the resources it loads, its images, links, ids, math, and
    the address of a ``<meta http-equiv="refresh">`` (the root index.html has one)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources: list[tuple[str, str, str]] = []  # (tag, attribute, url)
        self.scripts: list[str] = []
        self.images: list[dict] = []
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.math = 0
        self.refresh: str | None = None
        self.inline_css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "math" in a.get("class", "").split():
            self.math += 1
        if "style" in a:
            self.inline_css.append(a["style"])
        if tag == "style":
            self._in_style = True
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "img":
            self.images.append(a)
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*(\S+)", a.get("content", ""), re.IGNORECASE)
            if match:
                self.refresh = match.group(1).strip("'\"")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if not rels or not rels <= NAVIGATION_RELS:
                self.resources.append((tag, "href", a["href"]))
        for attr in RESOURCE_ATTRS.get(tag, ()):
            if a.get(attr):
                if attr == "srcset":
                    for part in a[attr].split(","):
                        if part.strip():
                            self.resources.append((tag, attr, part.split()[0]))
                else:
                    self.resources.append((tag, attr, a[attr]))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_css.append(data)


@lru_cache(maxsize=None)
def parse(path: Path) -> Page:
    """The parsed page at ``path`` (parsed once per test session)."""
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def built_pages(site: Path = HTML) -> list[Path]:
    """Every HTML page of the site, not the HTML that ships inside _static (theme
    templates, MathJax test pages); empty if the site was not built."""
    if not site.is_dir():
        return []
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def local_target(base: Path, url: str) -> Path:
    """The file that ``url`` (query and fragment dropped) names relative to the folder
    ``base``; a folder stands for its index.html."""
    target = (base / unquote(urlsplit(url).path)).resolve()
    return target / "index.html" if target.is_dir() else target


def require_site(site: Path = HTML) -> Path:
    """``site`` if it was built; otherwise the calling test fails (it never skips)."""
    if not (site / "index.html").is_file():
        pytest.fail(f"{site / 'index.html'} is missing: build the book first (make book)", pytrace=False)
    return site


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 at a free port, for the block; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
