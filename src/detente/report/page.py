"""The HTML page of a report: self-contained, so it opens offline and can be mailed as one file.

CSS is inline and figures are base64 PNG ``data:`` URIs; the page refers to
nothing outside itself.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from html import escape

import detente

CSS = """
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
th { background: #f3f3f3; }
.note { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5em 1em; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class Plot:
    """A figure as PNG bytes, its file name for ``--png`` and its caption."""

    name: str
    caption: str
    png: bytes


@dataclass
class Section:
    """A heading with notes (why something is missing, how to read it), tables and plots."""

    id: str
    title: str
    notes: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)  # already escaped fragments (tables)
    plots: list[Plot] = field(default_factory=list)


def table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table of plain text cells."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plot(p: Plot) -> str:
    data = base64.b64encode(p.png).decode("ascii")
    return (
        f'<figure id="{escape(p.name)}"><img alt="{escape(p.caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{escape(p.caption)}</figcaption></figure>'
    )


def render(title: str, sections: list[Section]) -> str:
    """The whole page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>Made by detente {escape(detente.__version__)}.</p>",
    ]
    for s in sections:
        parts.append(f'<section id="{escape(s.id)}"><h2>{escape(s.title)}</h2>')
        parts += [f'<p class="note">{escape(n)}</p>' for n in s.notes]
        parts += s.html
        parts += [_plot(p) for p in s.plots]
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
