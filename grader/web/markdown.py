"""Statements and hints as the specs write them (Markdown), and generated messages, rendered to safe HTML.

markdown-it-py parses CommonMark (plus tables and strikethrough); fenced and indented code is highlighted by
Pygments with the same classes as the teacher's view of a submission, so one stylesheet serves both. The HTML
then goes through nh3 (the Ammonia sanitizer) with a short allow-list: a spec is the teacher's text, but a
feedback message can quote a student's answer, so nothing rendered here may carry a script, a handler, a
style or a link to anything but http(s)/mailto.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer, TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from grader.core.richtext import to_html

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "span", "div",
    "ul", "ol", "li", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "a", "sub", "sup",
}
ALLOWED_ATTRIBUTES = {"span": {"class"}, "div": {"class"}, "code": {"class"}, "pre": {"class"},
                      "a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
# Statements are a few KB; this bounds the work a pathological text (a huge quoted answer) can cause.
MAX_MARKDOWN_CHARS = 200_000


def _highlight(code: str, language: str, _attrs: str) -> str:
    """Pygments HTML for a code block; Python when no language is named (the course's code is Python)."""
    try:
        lexer = get_lexer_by_name(language) if language else PythonLexer()
    except ClassNotFound:
        lexer = TextLexer()
    # Starting with <pre tells markdown-it not to wrap it again; the class matches the teacher view's CSS.
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code>{body}</code></pre>\n'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The one configured parser: CommonMark without raw HTML, with tables and strikethrough."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    # An indented block (how the exam statements quote code) is highlighted like a fenced one.
    # MarkdownIt types its renderer as the bare protocol; made without renderer_cls, it is the HTML one.
    assert isinstance(md.renderer, RendererHTML)
    fence_rule = md.renderer.rules["fence"]

    def code_block(_renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                   env: EnvType) -> str:
        token = tokens[idx]
        token.info = "python"
        return fence_rule(tokens, idx, options, env)

    md.add_render_rule("code_block", code_block)
    return md


def _sanitized(html: str) -> Markup:
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow"))


def render_markdown(text: str | None) -> Markup:
    """`text` (Markdown a teacher wrote: statements, hints, model answers) as sanitized HTML, safe to put in a
    page as is; empty for None."""
    if not text:
        return Markup("")
    return _sanitized(_parser().render(text[:MAX_MARKDOWN_CHARS]))


def render_message(text: str | None) -> Markup:
    """A generated message (grader/core/richtext.py) as HTML: its words escaped, never read as Markdown (so
    `25*16+16` keeps its asterisks), its code marks as <code>, its technical detail folded in <details>."""
    if not text:
        return Markup("")
    return Markup(to_html(text[:MAX_MARKDOWN_CHARS]))
