"""A length or a 0-10 number said inside a looser sentence.

Templates hold a duration or a number in set frames ("make it three minutes", "about a six").
People wrap them in their own words ("only thirty seconds this time", "honestly a ten", "ride
the wave with me for ninety seconds"); the fuzzy pass then finds the right intent from the
sentence's shape but cannot fill a slot no template placed there. This module finds the value
itself, using the intents file's own `duration` sentences and `number` list, so a new file
with other words for lengths works the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from hassil import Intents, recognize_all
from hassil.expression import Alternative, Expression, ListReference, Permutation, Sequence

from voice_cecert.intents.loader import IntentSet

DURATION = "duration"
NUMBER = "number"
SECONDS = "seconds"
# Longest span tried as a length ("two and a half minutes" is five words).
_MAX_SPAN = 6


def _slot_names(expr: Expression) -> Iterator[str]:
    if isinstance(expr, ListReference):
        yield expr.slot_name
    elif isinstance(expr, (Sequence, Alternative, Permutation)):
        for item in expr.items:
            yield from _slot_names(item)


class SaidValues:
    """Finds lengths and numbers in text, for one intents file."""

    def __init__(self, intents: IntentSet) -> None:
        self.intents = intents

    @cached_property
    def timed(self) -> frozenset[str]:
        """Routines whose templates can carry a length (`seconds`)."""
        hassil = self.intents.hassil
        found = set()
        for name in self.intents.routines:
            for data in hassil.intents[name].data:
                if any(SECONDS in _slot_names(s.expression) for s in data.sentences):
                    found.add(name)
        return frozenset(found)

    @cached_property
    def _lengths(self) -> dict[str, int]:
        """Every sentence of the duration intent (with and without its lead-in words) -> seconds."""
        return self._values(DURATION, SECONDS)

    @cached_property
    def _numbers(self) -> dict[str, int]:
        """The number intent's one-word sentences ("seven") -> their value."""
        found = self._values(NUMBER, NUMBER)
        return {text: value for text, value in found.items() if " " not in text}

    def _values(self, name: str, slot: str) -> dict[str, int]:
        if name not in self.intents.names:
            return {}
        hassil = self.intents.hassil
        alone = Intents(
            language=hassil.language,
            intents={name: hassil.intents[name]},
            slot_lists=hassil.slot_lists,
            expansion_rules=hassil.expansion_rules,
        )
        out: dict[str, int] = {}
        for intent, text in self.intents.sentences:
            if intent != name:
                continue
            for result in recognize_all(text, alone, language=hassil.language):
                value = slot_value(result.entities[slot].value) if slot in result.entities else None
                if isinstance(value, int):
                    out[text] = value
                    break
        return out

    @cached_property
    def _unit_words(self) -> frozenset[str]:
        """Last words of the duration sentences ("minutes", "seconds", "half"): a sentence
        without one says no length, which spares building `_lengths` for most commands."""
        return frozenset(t.split()[-1] for n, t in self.intents.sentences if n == DURATION)

    def seconds(self, words: list[str]) -> int | None:
        """The length said in `words`, or None when none (or two different ones) were said.

        Spans are tried longest first, so "a minute and a half" wins over "a minute".
        """
        if self._unit_words.isdisjoint(words):
            return None
        lengths = self._lengths
        for size in range(min(_MAX_SPAN, len(words)), 0, -1):
            found = {
                lengths[span]
                for start in range(len(words) - size + 1)
                if (span := " ".join(words[start : start + size])) in lengths
            }
            if len(found) == 1:
                return found.pop()
            if found:
                return None
        return None

    def number(self, words: list[str]) -> int | None:
        """The one 0-10 number said in `words`, not as part of a length, or None."""
        values = [self._numbers[w] for w in words if w in self._numbers]
        if len(values) != 1 or self.seconds(words) is not None:
            return None
        return values[0]


def slot_value(value: Any) -> Any:
    """hassil gives range values as floats or digit strings; slots carry ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value
