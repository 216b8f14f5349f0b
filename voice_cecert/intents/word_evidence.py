"""Which intent do the telling words of a loose sentence belong to?

Nearest-sentence scoring (matcher.py) needs the sentence to look like a template. Clinicians
say things like "I'm stuck in a loop about that intake" or "mute yourself until I call you",
which share a few telling words with an intent ("loop", "stuck"; "mute", "until") and little
else; such sentences scored 55-69 against a threshold of 70, mostly with the right intent on
top. This module weighs those words: a word stem used by few intents tells more than one used
by many (inverse intent frequency), and a sentence whose known, telling words mostly belong to
one intent is evidence for it. Unknown words count against the share, because out-of-domain
talk ("the coffee here is really strong") is mostly words no template uses.

Stems come from the Snowball English stemmer, so "breathe", "breathing" and "breaths" meet;
it leaves words of other scripts as they are.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word.replace("'", ""))


@dataclass(frozen=True)
class Evidence:
    """How much of a sentence's telling words belong to one intent."""

    name: str
    weight: float  # summed inverse intent frequency of the sentence's stems the intent uses
    share: float  # weight / the weight of all the sentence's stems (unknown ones at the most)


class WordEvidence:
    """Stem -> intents index over an intents file's expanded sentences."""

    def __init__(self, sentences: Iterable[tuple[str, str]]) -> None:
        stems: dict[str, set[str]] = {}
        for name, text in sentences:
            stems.setdefault(name, set()).update(stem(w) for w in text.split())
        self._stems = stems
        used_by = Counter(s for found in stems.values() for s in found)
        self._unknown = math.log(max(2, len(stems)))  # as telling as a stem of one intent
        self._idf = {s: math.log(len(stems) / n) for s, n in used_by.items()}

    def rank(self, words: Iterable[str], names: Iterable[str]) -> list[Evidence]:
        """Intents among `names` by the weight of `words` they use, best first."""
        heard = {stem(w) for w in words}
        total = sum(self._idf.get(s, self._unknown) for s in heard) or 1.0
        found = []
        for name in names:
            own = self._stems.get(name, set())
            weight = sum(self._idf[s] for s in heard if s in own)
            found.append(Evidence(name, weight, weight / total))
        return sorted(found, key=lambda e: (-e.weight, e.name))
