"""Pairs of hand-ins that share what students rarely share by chance, scored by that evidence.

Code similarity alone cannot tell a copy from two short correct answers (both score near 1 after
normalisation), so it never flags a pair by itself. What carries the decision is evidence: traces (a
comment, a string, a seed, a notebook id, a training log line, a statement of code) that the two hand-ins
share, that the exercise's own material does not contain, and that few others in the class have. Each kind
of trace has a weight per trace and a cap, so a hundred shared words never outweigh one Colab file id.
Weak kinds (prose, names, settings, code passages) only count in full when the code is also alike; strong
kinds (notebook ids, identical outputs and execution counts) count as they are.
The score is 1 - exp(-total): 0 with no evidence, 0.6 at about one strong trace or several weak ones.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import combinations

from grader.core.similarity.boilerplate import Boilerplate
from grader.core.similarity.document import Document
from grader.core.similarity.normalize import Unit, normalise
from grader.core.similarity.signals import DECIMALS, PROSE, Trace, clip, traces
from grader.core.similarity.winnow import K, fingerprints

DEFAULT_THRESHOLD = 0.6
CODE = "code"
# kind -> (weight of one shared trace, cap for the kind)
WEIGHTS: dict[str, tuple[float, float]] = {
    "Colab file id": (3.0, 3.0), "Colab authorship tag": (3.0, 3.0), "Colab user id": (3.0, 3.0),
    "Colab output id": (1.5, 3.0), "Colab run timestamp": (1.5, 3.0), "run timestamp": (1.5, 3.0),
    "widget id": (1.5, 3.0),
    "cell id": (0.8, 2.4), "notebook name": (0.5, 0.5), "execution counts": (0.6, 0.6),
    "output image": (0.3, 0.6), "output": (0.6, 2.4),
    "comment": (0.4, 1.6), "markdown": (0.4, 1.6), "string": (0.3, 1.2), "answer": (0.4, 1.6),
    "sentence": (0.3, 1.5), "choice": (0.3, 0.9), "architecture": (0.6, 0.6),
    "seed": (0.4, 0.8), "setting": (0.25, 1.0), "number": (0.1, 0.3), "name": (0.1, 0.4), "word": (0.1, 0.4),
    CODE: (0.2, 1.6),
}
STRONG = {"Colab file id", "Colab authorship tag", "Colab user id", "Colab output id", "Colab run timestamp",
          "run timestamp", "widget id", "cell id", "execution counts", "output"}
# Kinds that often show one fact several times (a rare `Dense(322)` is a setting, a number, part of an
# architecture and of a code passage; a comment's words are words): within a family the strongest counts
# in full and the others at OVERLAP.
FAMILY = {"architecture": CODE, "setting": CODE, "number": CODE, "comment": "prose", "string": "prose",
          "markdown": "prose", "word": "prose", "name": "prose", "answer": "prose", "sentence": "prose"}
OVERLAP = 0.3
FULL_CODE_SIMILARITY = 0.5  # weak evidence counts in full from this code similarity up
SHOWN_PER_KIND = 3


@dataclass(frozen=True)
class Profile:
    """One hand-in ready to compare: its canonical units, and its fingerprints and traces that are not
    boilerplate (fingerprint -> indices of the units it covers)."""

    name: str
    units: tuple[Unit, ...]
    prints: dict[int, frozenset[int]]
    traces: dict[tuple[str, str], Trace]
    all_prints: frozenset[int] = frozenset()  # boilerplate included: how alike the code is, as written


@dataclass(frozen=True)
class Evidence:
    """One reason to look at a pair, in words a teacher can show a student."""

    kind: str
    detail: str


@dataclass(frozen=True, order=True)
class Span:
    """Lines `first`..`last` of code cell `cell` (1 for a .py file)."""

    cell: int
    first: int
    last: int


@dataclass(frozen=True)
class PairFlag:
    """A pair worth a teacher's look: its score, code similarity, evidence, and the parts they share."""

    a: str
    b: str
    score: float
    code_similarity: float
    evidence: tuple[Evidence, ...]
    shared_a: tuple[Span, ...] = ()
    shared_b: tuple[Span, ...] = ()


def profile(document: Document, boilerplate: Boilerplate) -> Profile:
    """`document` normalised and fingerprinted, with what the exercise gave everyone taken out."""
    units = normalise(document)
    every = fingerprints(units)
    prints = {h: where for h, where in every.items() if h not in boilerplate.fingerprints}
    found = {key: trace for key, trace in traces(document).items() if not boilerplate.covers(trace)}
    return Profile(name=document.name, units=tuple(units), prints=prints, traces=found, all_prints=frozenset(every))


def rare_limit(class_size: int) -> int:
    """How many hand-ins may share a trace for it still to count as rare (weight 2/holders)."""
    return max(3, class_size // 25)


def compare_class(*, profiles: Sequence[Profile], threshold: float = DEFAULT_THRESHOLD) -> list[PairFlag]:
    """Every pair of `profiles` scoring at least `threshold`, highest score first.

    Only pairs that share at least one rare trace or code passage are examined: every other pair has no
    evidence and scores 0, so a class of hundreds costs little more than reading it.
    """
    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, prof in enumerate(profiles):
        for key in prof.traces:
            holders[key].append(index)
        for digest in prof.prints:
            holders[(CODE, str(digest))].append(index)
    limit = rare_limit(len(profiles))
    shared: dict[tuple[int, int], list[tuple[tuple[str, str], float]]] = defaultdict(list)
    for key, owners in holders.items():
        if 2 <= len(owners) <= limit:
            for pair in combinations(owners, 2):
                shared[pair].append((key, 2 / len(owners)))
    flags = [_judge(profiles[i], profiles[j], found) for (i, j), found in shared.items()]
    kept = [flag for flag in flags if flag.score >= threshold]
    return sorted(kept, key=lambda flag: (-flag.score, flag.a, flag.b))


def overlap(a: Collection[int], b: Collection[int]) -> float:
    """Share of the smaller set of fingerprints found in the other (0 if either is empty)."""
    if not a or not b:
        return 0.0
    return len(set(a) & set(b)) / min(len(a), len(b))


def _judge(a: Profile, b: Profile, found: list[tuple[tuple[str, str], float]]) -> PairFlag:
    """Score one pair from the rare keys it shares (with their rarity weights) and say why."""
    similarity = overlap(a.prints.keys(), b.prints.keys())
    by_kind: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (kind, key), rarity in found:
        by_kind[kind].append((key, rarity))
    # Two answers files (no code at all) have no code to be alike: their prose counts in full.
    no_code = not a.all_prints and not b.all_prints
    damp = 1.0 if no_code else min(1.0, overlap(a.all_prints, b.all_prints) / FULL_CODE_SIMILARITY)
    families: dict[str, list[float]] = defaultdict(list)
    scored: list[tuple[float, Evidence]] = []
    for kind, items in by_kind.items():
        weight, cap = WEIGHTS[kind]
        if kind == CODE:
            units = _rare_units(a, items)
            value, evidence = min(cap, weight * sum(units.values())), _code_evidence(a, units, similarity)
        else:
            items.sort(key=lambda item: (-item[1], item[0]))
            value = min(cap, weight * sum(rarity * _length_factor(kind, key) for key, rarity in items))
            evidence = _trace_evidence(kind, [(a.traces[(kind, key)], b.traces[(kind, key)]) for key, _ in items])
        value *= 1.0 if kind in STRONG else damp
        families[FAMILY.get(kind, kind)].append(value)
        scored.append((value, evidence))
    total = sum(max(values) + OVERLAP * (sum(values) - max(values)) for values in families.values())
    scored.sort(key=lambda item: -item[0])
    traced = [key for key, _ in found if key[0] != CODE]
    return PairFlag(a=a.name, b=b.name, score=round(1 - math.exp(-total), 2), code_similarity=round(similarity, 2),
                    evidence=tuple(evidence for _, evidence in scored),
                    shared_a=_spans(a, b, traced), shared_b=_spans(b, a, traced))


def _length_factor(kind: str, key: str) -> float:
    """How much one shared trace says, by its size. Prose shared word for word is rarer the longer it is: a
    3-word comment counts half, 12 words and more two and a half times. An output line counts by its
    decimal values: one accuracy of 0.8457 is often matched by chance in a class, a whole epoch's four
    metrics never are."""
    if kind in PROSE:
        return min(2.5, max(0.5, len(key.split()) / 5))
    if kind == "output":
        return min(4, len(DECIMALS.findall(key))) / 2
    return 1.0


def _rare_units(a: Profile, items: list[tuple[str, float]]) -> dict[int, float]:
    """Unit of `a` -> how much rare shared code it holds, in k-grams' worth of tokens times rarity: its share
    of fingerprints that are rare and shared, times its length in k-grams (a lone `show()` is little)."""
    per_unit: dict[int, int] = defaultdict(int)
    rarity_of: dict[int, float] = {}
    for key, rarity in items:
        for unit in a.prints[int(key)]:
            per_unit[unit] += 1
            rarity_of[unit] = max(rarity_of.get(unit, 0.0), rarity)
    total = {unit: sum(1 for where in a.prints.values() if unit in where) for unit in per_unit}
    return {unit: rarity_of[unit] * count / total[unit] * len(a.units[unit].tokens) / K
            for unit, count in per_unit.items()}


def _trace_evidence(kind: str, pairs: list[tuple[Trace, Trace]]) -> Evidence:
    shown = [f"{clip(ta.shown)!r} (a: {ta.where}; b: {tb.where})" for ta, tb in pairs[:SHOWN_PER_KIND]]
    more = f"; and {len(pairs) - SHOWN_PER_KIND} more" if len(pairs) > SHOWN_PER_KIND else ""
    return Evidence(kind=kind, detail=f"{len(pairs)} shared, few others have them: " + "; ".join(shown) + more)


def _code_evidence(a: Profile, units: dict[int, float], similarity: float) -> Evidence:
    rare = sorted(units, key=lambda index: (a.units[index].cell, a.units[index].first))
    shown = [f"{a.units[i].text.splitlines()[0][:80]!r} (a: code cell {a.units[i].cell}, line "
             f"{a.units[i].first})" for i in rare[:SHOWN_PER_KIND]]
    return Evidence(kind=CODE, detail=f"{round(similarity * 100)}% of the code that is not the exercise's own "
                    f"is alike after normalisation; {len(rare)} statement{'s' if len(rare) != 1 else ''} few "
                    "others wrote: " + "; ".join(shown))


def _spans(a: Profile, b: Profile, traced: list[tuple[str, str]]) -> tuple[Span, ...]:
    """What `a` shares with `b`, as line spans of its code cells: the statements holding a fingerprint `b`
    has too, and the lines of the rare traces they share (a comment, a string)."""
    units = {index for digest in a.prints.keys() & b.prints.keys() for index in a.prints[digest]}
    spans = {Span(a.units[i].cell, a.units[i].first, a.units[i].last) for i in units}
    spans |= {Span(at[0], at[1], at[1]) for key in traced if (at := a.traces[key].at) is not None}
    return tuple(sorted(spans))
