"""The little SVG the figures share: escaped text and the accessible frame around a drawing.

Everything a student can influence (layer names, classes, activations) goes through `esc`, so a layer called
`<script>` is drawn as those characters. No JavaScript, no external resources: the pictures are static
server-rendered images that scale with their viewBox.
"""

from __future__ import annotations

from grader.core.i18n import Lang, format_number
from grader.core.safetext import markup_text

FONT = "font-family=\"system-ui, sans-serif\""
INK = "#1f2933"
MUTED = "#52606d"
ACCENT = "#2f6fdd"
WARN = "#c92a2a"
SOFT = "#e6effc"


def esc(text: object) -> str:
    """`text` safe inside an SVG element or attribute (no control character or bidi override either)."""
    return markup_text(text)


def number(value: float, lang: Lang) -> str:
    """A measured value as people read it on a chart: 3 significant digits, decimal comma in Spanish."""
    return format_number(value, lang, significant=3)


def text(x: float, y: float, content: object, *, size: int = 12, anchor: str = "middle", color: str = INK,
         weight: str = "normal", css: str = "") -> str:
    """A real <text> label (readable by screen readers and searchable), escaped."""
    cls = f' class="{esc(css)}"' if css else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{color}" '
            f'font-weight="{weight}"{cls}>{esc(content)}</text>')


def line(x1: float, y1: float, x2: float, y2: float, *, color: str = MUTED, width: float = 1.0,
         dash: str = "") -> str:
    """A straight line, optionally dashed."""
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{dashed}/>')


def document(*, width: float, height: float, title: str, desc: str, body: list[str], css: str) -> str:
    """The whole accessible SVG: role="img", a <title> and a <desc> saying in words what it shows."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
            f'width="100%" preserveAspectRatio="xMidYMin meet" role="img" class="{css}" '
            f'aria-labelledby="{css}-title {css}-desc" {FONT}>'
            f'<title id="{css}-title">{esc(title)}</title><desc id="{css}-desc">{esc(desc)}</desc>'
            + "".join(body) + "</svg>")
