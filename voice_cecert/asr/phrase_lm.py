"""A trigram language model (ARPA text) estimated from a grammar's phrases.

The grammar decoder can only return a whole phrase, so a loose sentence ("my head keeps
looping on that phone call") comes out as the nearest phrase and fails the phone-loop check.
A backoff trigram over the same phrases lets the decoder recombine pieces of phrases into a
sentence no template holds, which the intent matcher then scores as free text (see
`SphinxRecognizer`'s second pass). Every phrase counts once, like in the grammar.

Absolute discounting with backoff (Ney, Essen & Kneser 1994): each seen n-gram gives up
`DISCOUNT` of its count to the lower order. No pip-installable library estimates and writes
an ARPA file without a compiled toolkit (KenLM's `lmplz`, SRILM), and the estimate is a few
lines over counts that are already in memory.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

ORDER = 3
DISCOUNT = 0.5
_LOG_ZERO = -99.0


def ngram_counts(phrases: Iterable[str], order: int = ORDER) -> list[Counter[tuple[str, ...]]]:
    counts: list[Counter[tuple[str, ...]]] = [Counter() for _ in range(order + 1)]
    for phrase in phrases:
        tokens = ["<s>", *phrase.split(), "</s>"]
        for n in range(1, order + 1):
            for i in range(len(tokens) - n + 1):
                counts[n][tuple(tokens[i : i + n])] += 1
    counts[1].pop(("<s>",), None)  # a sentence start is never predicted
    return counts


def estimate(
    phrases: Iterable[str], order: int = ORDER, discount: float = DISCOUNT
) -> tuple[list[dict[tuple[str, ...], float]], dict[tuple[str, ...], float]]:
    """(probabilities per order, backoff weight per context); index 0 of the first is unused."""
    counts = ngram_counts(phrases, order)
    total = sum(counts[1].values())
    probs: list[dict[tuple[str, ...], float]] = [{}]
    probs.append({g: c / total for g, c in counts[1].items()})
    probs[1][("<s>",)] = 0.0
    backoff: dict[tuple[str, ...], float] = {}

    def lower(gram: tuple[str, ...]) -> float:
        if len(gram) == 1:
            return probs[1].get(gram, 0.0)
        if gram in probs[len(gram)]:
            return probs[len(gram)][gram]
        return backoff.get(gram[:-1], 1.0) * lower(gram[1:])

    for n in range(2, order + 1):
        context_total: Counter[tuple[str, ...]] = Counter()
        followers: defaultdict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for gram, c in counts[n].items():
            context_total[gram[:-1]] += c
            followers[gram[:-1]].append(gram)
        probs.append({g: (c - discount) / context_total[g[:-1]] for g, c in counts[n].items()})
        for context, grams in followers.items():
            left = 1.0 - sum(probs[n][g] for g in grams)
            lower_left = 1.0 - sum(lower(g[1:]) for g in grams)
            backoff[context] = max(left, 1e-9) / max(lower_left, 1e-9)
    return probs, backoff


def write_arpa(phrases: Iterable[str], path: str | Path, order: int = ORDER) -> None:
    probs, backoff = estimate(phrases, order)
    lines = ["\\data\\", *(f"ngram {n}={len(probs[n])}" for n in range(1, order + 1))]
    for n in range(1, order + 1):
        lines += ["", f"\\{n}-grams:"]
        for gram, p in sorted(probs[n].items()):
            line = f"{math.log10(p) if p > 0 else _LOG_ZERO:.5f}\t{' '.join(gram)}"
            if n < order:
                line += f"\t{math.log10(backoff.get(gram, 1.0)):.5f}"
            lines.append(line)
    lines += ["", "\\end\\", ""]
    Path(path).write_text("\n".join(lines), encoding="utf-8")
