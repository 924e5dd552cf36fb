"""Shortening a student's exception message without losing its useful end.

Keras and TensorFlow put the words that matter at the end of long messages ("expected axis -1 of input
shape to have value 784, but received input with shape (None, 64)"), so a plain `text[:n]` cuts exactly
what the student needs. `keep_ends` keeps the head and the tail with an ellipsis between.
"""

from __future__ import annotations

HEAD_CHARS = 120
TAIL_CHARS = 200
ELLIPSIS = " … "


def keep_ends(text: str, head: int = HEAD_CHARS, tail: int = TAIL_CHARS) -> str:
    """`text` unchanged when short, else its first `head` and last `tail` characters joined by ' … '."""
    if len(text) <= head + tail + len(ELLIPSIS):
        return text
    return text[:head].rstrip() + ELLIPSIS + text[len(text) - tail:].lstrip()
