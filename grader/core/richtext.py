"""Generated messages as structured text: code marked when the message is built, never Markdown.

The grader writes its messages in plain words with two marks of its own: a name or a piece of code between
backticks (`model`, `input_shape=[25]`), and, after a blank line, a technical detail (the original Keras or
Python error) introduced by `DETAIL_ES` or `DETAIL_EN`. Nothing else means anything: an asterisk is a
multiplication, an underscore part of a name. Pages render these parts (code as <code>, the detail folded
away); plain-text places (a drawing's title, a CSV, the terminal) read them with `plain`.

Markdown is kept for what the teacher wrote in a spec (statements, hints, model answers): see web/markdown.py.
"""

from __future__ import annotations

import re
from html import escape
from typing import Literal

from pydantic import BaseModel, ConfigDict

from grader.core.i18n import Text
from grader.core.safetext import clean

DETAIL_ES = "Detalle técnico: "
DETAIL_EN = "Technical detail: "
_CODE = re.compile(r"`([^`\n]+)`")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


class Part(BaseModel):
    """One piece of a message: words, or code to show as code."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["text", "code"]
    value: str


class Message(BaseModel):
    """A generated message read into its parts: the sentence, and the technical detail if any."""

    model_config = ConfigDict(frozen=True)

    parts: tuple[Part, ...]
    detail: str | None = None
    detail_label: str | None = None  # "Detalle técnico" or "Technical detail", as the message was written


def strip_ansi(text: str) -> str:
    """`text` without terminal colour and cursor codes (Keras bolds its errors with them)."""
    return _ANSI.sub("", text)


def code(value: object) -> str:
    """`value` marked as code in a message (a backtick inside it would end the mark, so it becomes ')."""
    return "`" + str(value).replace("`", "'") + "`"


def with_detail(message: Text, detail: str) -> Text:
    """`message` followed by the technical detail (the original error, ANSI codes removed), to be folded."""
    detail = strip_ansi(detail).strip()
    return Text(es=f"{message.es}\n\n{DETAIL_ES}{detail}", en=f"{message.en}\n\n{DETAIL_EN}{detail}")


def parse(text: str) -> Message:
    """The parts of a generated message (see the module's docstring)."""
    detail = label = None
    for mark in (DETAIL_ES, DETAIL_EN):
        head, sep, tail = text.partition(f"\n\n{mark}")
        if sep:
            text, detail, label = head, tail, mark.rstrip(": ")
            break
    parts: list[Part] = []
    last = 0
    for match in _CODE.finditer(text):
        if match.start() > last:
            parts.append(Part(kind="text", value=text[last:match.start()]))
        parts.append(Part(kind="code", value=match.group(1)))
        last = match.end()
    if last < len(text):
        parts.append(Part(kind="text", value=text[last:]))
    return Message(parts=tuple(parts), detail=detail, detail_label=label)


def to_html(text: str) -> str:
    """A generated message as escaped HTML: its words (line breaks kept), its code marks as <code>, its
    technical detail folded in <details>. Never Markdown: `25*16+16` keeps its asterisks."""
    message = parse(strip_ansi(text))
    html = "".join(f"<code>{_text(part.value)}</code>" if part.kind == "code"
                   else "<br>".join(_text(line) for line in part.value.split("\n")) for part in message.parts)
    if message.detail is not None:
        html += (f'<details class="detail"><summary>{_text(message.detail_label or "")}</summary>'
                 f"<pre>{_text(message.detail)}</pre></details>")
    return html


def _text(value: str) -> str:
    """`value` cleaned and escaped for an element's content (never an attribute): quotes stay as written.
    Cleaned because a hand-back page is XHTML, where a control character would break the document."""
    return escape(clean(value), quote=False)


def plain(text: str) -> str:
    """A generated message for plain-text places: code marks dropped, the technical detail left out."""
    return "".join(part.value for part in parse(strip_ansi(text)).parts)
