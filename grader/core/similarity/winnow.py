"""Fingerprints of canonical code by winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003).

Every run of K tokens is hashed; in every window of W consecutive hashes the smallest is kept. Any passage
of K + W - 1 tokens two hand-ins share yields at least one common fingerprint, and far fewer hashes are
kept than there are k-grams. Each fingerprint remembers the units (statements) its k-gram touches, so the
shared parts can be shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from grader.core.similarity.normalize import Unit

K = 12  # tokens per k-gram: about one short statement (`v = Dense(16, activation='relu')` is 11)
W = 6  # window: a shared passage of K + W - 1 = 17 tokens is always seen


def _hash(tokens: Sequence[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(tokens).encode(), digest_size=8).digest(), "big")


def fingerprints(units: Sequence[Unit], *, k: int = K, w: int = W) -> dict[int, frozenset[int]]:
    """Winnowed fingerprints of `units`: hash -> indices (into `units`) of the statements holding it.

    k-grams never cross statements: after reordering, which statement follows which says little. A
    statement shorter than a k-gram has one fingerprint, of all its tokens.
    """
    chosen: dict[int, set[int]] = {}
    for index, unit in enumerate(units):
        for digest in _winnow(unit.tokens, k, w):
            chosen.setdefault(digest, set()).add(index)
    return {digest: frozenset(where) for digest, where in chosen.items()}


def _winnow(tokens: Sequence[str], k: int, w: int) -> set[int]:
    """The winnowed hashes of one token sequence."""
    if not tokens:
        return set()
    if len(tokens) <= k:
        return {_hash(tokens)}
    grams = [_hash(tokens[i:i + k]) for i in range(len(tokens) - k + 1)]
    # in every window the minimum is kept; a set, so a minimum shared by overlapping windows is kept once
    return {min(grams[start:start + w]) for start in range(max(1, len(grams) - w + 1))}
