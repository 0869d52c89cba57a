"""Checks on the built website in _build/html.

Run after the build (``make test`` runs ``make book`` first, then ``pytest tests/site``).
A plain ``pytest`` does not collect this folder (``norecursedirs`` in pyproject.toml).
If _build/html is missing every test here fails: it never skips.

- every page of _toc.yml was built;
- no page loads anything from the network: every script, stylesheet, image, font or
  frame comes from the site itself (plain ``<a>`` links to references are fine);
- math is typeset by the local copy of MathJax in _static/mathjax;
- the API reference documents every public name of lossbook;
- every image on a page exists and has alt text;
- every internal link resolves: its file was built, and its #fragment is an id there;
- every number tied to the code is on its page, with its stored value.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from built_site import CSS_REMOTE, REMOTE, ROOT, Page, built_pages, local_target, parse

TOC = ROOT / "_toc.yml"

# The public losses and helpers that the API page must document (DESIGN.md).
PUBLIC_LOSS_NAMES = [
    "mse",
    "mae",
    "huber",
    "log_cosh",
    "quantile",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "hinge",
    "sigmoid_focal",
    "softmax_cross_entropy",
    "categorical_cross_entropy",
    "sigmoid",
    "softmax",
    "log_softmax",
    "entropy",
    "cross_entropy",
    "kl_divergence",
]
def _toc_entries() -> list[str]:
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)

    walk(toc)
    return [re.sub(r"\.(md|ipynb)$", "", entry) for entry in found]


@pytest.fixture(scope="module")
def pages(site) -> dict[Path, Page]:
    return {p: parse(p) for p in built_pages(site)}


def test_index_exists_and_opens_the_book(site):
    text = (site / "index.html").read_text(encoding="utf-8")
    assert "book/index.html" in text, "index.html should lead to the book's home page"
    assert (site / "book" / "index.html").is_file()


@pytest.mark.parametrize("entry", _toc_entries())
def test_every_toc_page_is_built(site, entry):
    assert (site / f"{entry}.html").is_file(), f"{entry} is in _toc.yml but {entry}.html was not built"


def test_pages_were_found(pages):
    assert len(pages) >= len(_toc_entries())


def test_no_page_loads_remote_resources(site, pages):
    remote = [
        f"{path.relative_to(site)}: <{tag} {attr}={url!r}>"
        for path, page in pages.items()
        for tag, attr, url in page.resources
        if REMOTE.match(url)
    ]
    remote += [
        f"{path.relative_to(site)}: inline CSS loads {url}"
        for path, page in pages.items()
        for css in page.inline_css
        for url in CSS_REMOTE.findall(css)
    ]
    assert not remote, "pages load resources from the network:\n" + "\n".join(remote)


def test_local_resources_exist(site, pages):
    missing = [
        f"{path.relative_to(site)}: <{tag} {attr}={url!r}>"
        for path, page in pages.items()
        for tag, attr, url in page.resources
        if not REMOTE.match(url) and not url.startswith("data:") and not local_target(path.parent, url).exists()
    ]
    assert not missing, "pages refer to files that were not built:\n" + "\n".join(missing)


def test_stylesheets_load_nothing_remote(site):
    remote = []
    for css in site.joinpath("_static").rglob("*.css"):
        for url in CSS_REMOTE.findall(css.read_text(encoding="utf-8", errors="replace")):
            remote.append(f"{css.relative_to(site)}: {url}")
    assert not remote, "stylesheets load resources (fonts?) from the network:\n" + "\n".join(remote)


def test_math_uses_the_local_mathjax(site, pages):
    math_pages = {path: page for path, page in pages.items() if page.math}
    assert math_pages, "no page has math: the check below would prove nothing"
    assert site.joinpath("book", "glossary.html") in math_pages
    problems = []
    for path, page in math_pages.items():
        mathjax = [src for src in page.scripts if "mathjax" in src.lower() or "tex-" in src.lower()]
        if not mathjax:
            problems.append(f"{path.relative_to(site)}: has math but loads no MathJax")
        for src in mathjax:
            target = local_target(path.parent, src)
            if REMOTE.match(src):
                problems.append(f"{path.relative_to(site)}: MathJax from the network: {src}")
            elif "_static" not in Path(urlsplit(src).path).parts or not target.is_file():
                problems.append(f"{path.relative_to(site)}: MathJax not in the built _static: {src}")
    assert not problems, "\n".join(problems)
    # The CommonHTML output needs its fonts next to it.
    assert any(site.joinpath("_static", "mathjax", "output", "chtml", "fonts").iterdir())


def test_api_page_documents_every_public_name(site, pages):
    import lossbook

    api = pages[site / "book" / "api.html"]
    names = sorted(set(PUBLIC_LOSS_NAMES) | set(lossbook.__all__))
    missing = [name for name in names if f"lossbook.{name}" not in api.ids]
    assert not missing, f"book/api.html has no entry for: {missing}"


def test_api_page_opens_with_a_table_of_every_loss(site):
    """The loss-table directive (_ext/loss_table.py) writes one row per registered loss,
    each linking to the loss's entry and showing its formula and options."""
    import lossbook

    html = (site / "book" / "api.html").read_text()
    start = html.index("loss-table")
    table = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr.*?</tr>", table, flags=re.S)[1:]  # without the header
    linked = [re.search(r'href="#lossbook\.(\w+)"', row).group(1) for row in rows]
    assert linked == list(lossbook.LOSSES)
    for row, loss in zip(rows, lossbook.LOSSES.values()):
        assert 'class="math' in row
        for option in loss.options:
            assert f"{option}=" in row
        for counterpart in loss.counterparts.values():
            assert counterpart.split(" ")[0] in row
    assert html.index("loss-table") < html.index('id="lossbook.Loss"')  # the page opens with it


def test_images_exist_and_have_alt_text(site, pages):
    problems = []
    for path, page in pages.items():
        for img in page.images:
            src = img.get("src", "")
            if src.startswith("data:"):
                continue
            if not local_target(path.parent, src).is_file():
                problems.append(f"{path.relative_to(site)}: missing image {src}")
            alt = img.get("alt", "").strip()
            if "_images/" in src and (not alt or alt == src or alt.endswith(Path(src).name)):
                problems.append(f"{path.relative_to(site)}: image {Path(src).name} has no alt text")
    assert not problems, "\n".join(problems)


def test_tour_figures_are_numbered_and_captioned(site):
    page = (site / "book" / "tour.html").read_text(encoding="utf-8")
    for name in ("fig-tour-regression-losses", "fig-tour-classification-losses"):
        match = re.search(rf'<figure[^>]*id="{name}".*?</figure>', page, re.DOTALL)
        assert match, f"figure {name} not found in tour.html"
        assert "<figcaption" in match.group(0), f"figure {name} has no caption"


def test_internal_links_resolve(site, pages):
    """Every link from one page of the site to another (or within a page) resolves."""
    broken = []
    checked = 0
    for page, parsed in pages.items():
        for href in parsed.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue  # links that leave the site are not checked offline
            target = local_target(page.parent, href) if parts.path else page
            where = f"{page.relative_to(site)}: {href}"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            checked += 1
            if parts.fragment and target.suffix == ".html":
                ids = parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no id {parts.fragment!r})")
    assert checked > 100, f"only {checked} internal links found"
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_numbers_tied_to_the_code_are_on_the_pages(site):
    """Each {eval} role of a notebook (Markdown cells and figure captions) is, on its page and in
    the same order, a ``tied-value`` span holding the value stored in its cell
    (_ext/tied_values.py): none is lost, none left raw."""
    import sys

    import nbformat

    sys.path.insert(0, str(ROOT / "_ext"))
    import tied_values

    checked = 0
    problems = []
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        expected = [
            tied_values.result_text(tied_values.stored_results(cell).get(match.group(1), {}))
            for cell in nb.cells
            for match in tied_values.EVAL_ROLE.finditer(tied_values.cell_text(cell))
        ]
        html = (site / "book" / f"{path.stem}.html").read_text(encoding="utf-8")
        shown = [unescape(v) for v in re.findall(r'<span class="tied-value">(.*?)</span>', html, re.DOTALL)]
        if shown != expected:
            problems.append(f"{path.stem}: the notebook ties {expected}, the page shows {shown}")
        if "{eval}" in html:
            problems.append(f"{path.stem}: a raw {{eval}} role on the page")
        checked += len(expected)
    assert checked >= 20, f"only {checked} tied values in the book"
    assert not problems, "\n".join(problems)
