"""Specs' Markdown renders to sanitized HTML: every shipped statement, prompt and hint, and hostile input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from grader.core.i18n import Text
from grader.core.specs.loader import load_catalog
from grader.web.markdown import render_markdown

# What Markdown left unrendered looks like in the visible text of a page.
RAW_MARKDOWN = [re.compile(p, re.MULTILINE) for p in (
    r"\*\*\S", r"\S\*\*", r"```", r"^#{1,6} ", r"^\s*[-*] \S.*\n\s*[-*] \S", r"(?<!\w)__\S", r"\]\(",
)]


class _Text(HTMLParser):
    """The visible text of an HTML fragment, outside code (code may hold `**` as Python's power)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(name, value or "") for name, value in attrs]
        self._code += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self._code -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        if not self._code:
            self.parts.append(data)


def _visible(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def _texts() -> list[tuple[str, str]]:
    """(where, Markdown) for every statement, question prompt, hint and explanation of every exercise."""
    out = []
    for spec in load_catalog().specs.values():
        items: list[tuple[str, Text | None]] = [("statement", spec.statement)]
        for question in spec.questions:
            items += [(f"{question.id}.prompt", question.prompt), (f"{question.id}.hint", question.hint),
                      (f"{question.id}.explanation", question.explanation)]
        items += [(f"{check.id}.hint", check.hint) for check in spec.checks]
        for where, text in items:
            if text is not None:
                out += [(f"{spec.id}:{where}:{lang}", text.get(lang)) for lang in ("es", "en")]
    return out


def test_every_shipped_text_renders_with_no_raw_markdown_left() -> None:
    """The statements and prompts students read show headings, bold and code as HTML, not as `**` and `#`."""
    texts = _texts()
    assert len(texts) > 100
    leftovers = []
    for where, markdown in texts:
        visible = "".join(_visible(render_markdown(markdown)).parts)
        leftovers += [f"{where}: {pattern.pattern}" for pattern in RAW_MARKDOWN if pattern.search(visible)]
    assert leftovers == []


def test_exam_statement_quotes_code_as_highlighted_blocks() -> None:
    """exam-serie2 quotes Keras code indented: it becomes a highlighted code block, the bold a <strong>."""
    html = str(render_markdown(load_catalog().get("exam-serie2").statement.es))
    assert "<strong>Problema 1</strong>" in html
    assert '<pre class="highlight"><code>' in html
    assert '<span class="n">Dense</span>' in html


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "<a href='javascript:alert(1)'>x</a>", "```html\n<script>alert(1)</script>\n```",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", '<div style="position:fixed">x</div>',
])
def test_hostile_markdown_cannot_script_or_style_the_page(hostile: str) -> None:
    """Raw HTML is text, links keep only http(s)/mailto, and no attribute can run code or restyle the page."""
    parsed = _visible(str(render_markdown(hostile)))
    assert not {"script", "img", "style", "iframe"} & set(parsed.tags)
    assert [name for name, _ in parsed.attrs if name.startswith("on") or name == "style"] == []
    assert [value for name, value in parsed.attrs if name == "href" and not value.startswith("http")] == []


def test_links_are_kept_safe_and_marked_external() -> None:
    """An http link survives with rel noopener, so a statement can point at the course notes."""
    html = str(render_markdown("[Keras](https://keras.io/api/)"))
    assert 'href="https://keras.io/api/"' in html and "noopener" in html


def test_empty_text_renders_nothing() -> None:
    """A missing hint renders as an empty string, not as 'None'."""
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""
