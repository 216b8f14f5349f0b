"""Recogniser grammars from the intents file: a phrase list for any engine, JSGF for pocketsphinx.

Why both: vosk takes a list of phrases, while pocketsphinx compiles a phrase list of a few
thousand sentences slowly (seconds) but compiles the same language written as JSGF rules
(shared `<start>` words, slot lists as rules) in milliseconds. The JSGF is written straight from
hassil's parsed templates, so it accepts exactly the sentences `phrases()` lists.

Rejection: a grammar-constrained decoder maps any speech onto some in-grammar sentence. The
JSGF therefore offers a second way through, a loop of everyday filler words (the intents file's
`filler`); speech that is not a command decodes to filler, which the matcher rejects.

`Grammar` is a tuple of phrases (so it satisfies `Recognizer.set_grammar(phrases)` as is) that
also carries the JSGF, the filler words and a digest engines can cache a compiled grammar by.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList
from hassil.parse_expression import parse_sentence
from hassil.sample import sample_expression

from voice_cecert.intents.loader import IntentSet, is_loose, load_intents
from voice_cecert.intents.normalize import normalize, number_words

# Template text joining a word to a group without a space ("minute[s]"): JSGF rules work on
# whole words, so such sentences are written into the JSGF as their expanded phrases instead.
_WORD_JOIN = re.compile(r"[\w'][\[\(\{<]|[\]\)\}>][\w']")
_RULE_NAME = re.compile(r"[^A-Za-z0-9_]")

# Relative weight of the filler path against the command path in the JSGF top rule. Filler
# must be cheap enough that unrelated speech takes it, yet dearer than a command actually said.
FILLER_WEIGHT = 0.3


class Grammar(tuple[str, ...]):
    """Phrases (sorted, unique) plus the JSGF and filler words they came with.

    `loose` holds the sentences of the allowed intents' loose blocks (loader.is_loose): not
    phrases of the grammar, but material for the recogniser's second pass.
    """

    jsgf: str
    filler: tuple[str, ...]
    filler_weight: float = FILLER_WEIGHT
    digest: str
    loose: tuple[str, ...]

    def __new__(
        cls,
        phrases: Iterable[str],
        jsgf: str,
        filler: tuple[str, ...],
        loose: tuple[str, ...] = (),
    ) -> Grammar:
        self = super().__new__(cls, phrases)
        self.jsgf = jsgf
        self.filler = filler
        self.loose = loose
        self.digest = hashlib.sha256(jsgf.encode()).hexdigest()[:16]
        return self


@dataclass(frozen=True)
class _Scope:
    """Lists and rules visible to one intent data block (globals plus its local ones)."""

    key: str
    lists: dict[str, SlotList]
    rules: dict[str, Sentence]


def phrases(allowed: Iterable[str] | None = None, intents: IntentSet | None = None) -> list[str]:
    """Every sentence of the allowed intents (or groups), as lowercase recogniser words."""
    return list(build_grammar(allowed, intents))


def build_grammar(
    allowed: Iterable[str] | None = None,
    intents: IntentSet | None = None,
    filler: bool | None = None,
) -> Grammar:
    """The grammar for a dialogue state: `allowed` intent/group names, None for all.

    `filler=None` adds the filler path only when the state allows an intent listed under
    the file's `filler_for` (the built-in file: routines and wake): there a wrong match costs
    most (a routine starts out of nowhere, the app wakes with a client in the room), while in
    answer and control states one-word replies ("seven", "pause") lose too often to a cheap
    filler word (measured with pocketsphinx: see the Intents section of the README).
    """
    intents = intents if intents is not None else load_intents()
    names = intents.resolve(allowed)
    if filler is None:
        filler = bool(names & intents.filler_for)
    return _cached_grammar(intents, names, filler)


@lru_cache(maxsize=64)
def _cached_grammar(intents: IntentSet, names: frozenset[str], filler: bool) -> Grammar:
    allowed = [(n, t) for n, t in intents.sentences if n in names]
    sentences = sorted({t for n, t in allowed if (n, t) not in intents.loose})
    loose = tuple(sorted({t for n, t in allowed if (n, t) in intents.loose} - set(sentences)))
    words = intents.filler if filler else ()
    jsgf = _JsgfWriter(intents, names).write(words, sentences)
    return Grammar(sentences, jsgf, words, loose)


def vocabulary(grammar: Grammar) -> set[str]:
    """All words a recogniser needs to know for this grammar (its second pass's too)."""
    phrases = (*grammar, *grammar.loose)
    return {w for phrase in phrases for w in phrase.split()} | set(grammar.filler)


class _JsgfWriter:
    def __init__(self, intents: IntentSet, names: frozenset[str]) -> None:
        self.intents = intents
        self.names = names
        self.rules: dict[str, str] = {}

    def write(self, filler: tuple[str, ...], sentences: list[str]) -> str:
        hassil: Intents = self.intents.hassil
        bodies: list[str] = []
        for name in self.intents.names:
            if name not in self.names:
                continue
            alternatives: list[str] = []
            for index, data in enumerate(hassil.intents[name].data):
                if is_loose(data):
                    continue
                scope = _Scope(
                    key=f"{name}_{index}" if data.slot_lists or data.expansion_rules else "",
                    lists={**hassil.slot_lists, **data.slot_lists},
                    rules={**hassil.expansion_rules, **data.expansion_rules},
                )
                for template in data.sentence_texts:
                    alternatives.append(self._sentence(template, scope))
            rule = self._define(f"intent_{name}", " | ".join(alternatives))
            bodies.append(f"<{rule}>")
        lines = ["#JSGF V1.0;", "grammar voicececert;"]
        command = " | ".join(bodies) if bodies else "<VOID>"
        if filler:
            words = " | ".join(filler)
            self.rules["filler"] = f"( {words} )"
            top = f"/1/ ( {command} ) | /{FILLER_WEIGHT}/ <filler>+"
        else:
            top = command
        lines.append(f"public <utterance> = {top};")
        lines.extend(f"<{name}> = {body};" for name, body in self.rules.items())
        return "\n".join(lines) + "\n"

    def _define(self, name: str, body: str) -> str:
        rule = _RULE_NAME.sub("_", name)
        self.rules[rule] = body
        return rule

    def _sentence(self, template: str, scope: _Scope) -> str:
        sentence = parse_sentence(template, keep_text=True)
        if _WORD_JOIN.search(template):
            flat = sample_expression(sentence.expression, scope.lists, scope.rules)
            return "( " + " | ".join(sorted({normalize(t) for t in flat} - {""})) + " )"
        return self._expr(sentence.expression, scope)

    def _expr(self, expr: Expression, scope: _Scope) -> str:
        if isinstance(expr, TextChunk):
            return normalize(expr.text)
        if isinstance(expr, Alternative):
            items = [self._expr(item, scope) for item in expr.items]
            present = [item for item in items if item]
            body = " | ".join(present) if present else "<NULL>"
            if expr.is_optional or len(present) < len(items):
                return f"[ {body} ]" if present else ""
            return f"( {body} )"
        if isinstance(expr, Permutation):
            orders = itertools.permutations([self._expr(i, scope) for i in expr.items])
            return "( " + " | ".join(" ".join(p for p in order if p) for order in orders) + " )"
        if isinstance(expr, Sequence):
            parts = [self._expr(item, scope) for item in expr.items]
            joined = " ".join(p for p in parts if p)
            return f"( {joined} )" if joined else ""
        if isinstance(expr, RuleReference):
            return self._rule(expr.rule_name, scope)
        if isinstance(expr, ListReference):
            return self._list(expr.list_name, scope)
        raise ValueError(f"unexpected template part {expr!r}")

    def _rule(self, name: str, scope: _Scope) -> str:
        rule = _RULE_NAME.sub("_", f"rule_{scope.key}_{name}")
        if rule not in self.rules:
            self.rules[rule] = "<NULL>"  # placeholder: stops recursion on self-reference
            self.rules[rule] = self._expr(scope.rules[name].expression, scope) or "<NULL>"
        return f"<{rule}>"

    def _list(self, name: str, scope: _Scope) -> str:
        rule = _RULE_NAME.sub("_", f"list_{scope.key}_{name}")
        if rule in self.rules:
            return f"<{rule}>"
        slot_list = scope.lists[name]
        values: list[str] = []
        if isinstance(slot_list, TextSlotList):
            for value in slot_list.values:
                text = self._expr(value.text_in, scope)
                if text:
                    values.append(text)
        elif isinstance(slot_list, RangeSlotList):
            values = [
                number_words(int(n)) for n in slot_list.get_numbers() if float(n).is_integer()
            ]
        elif isinstance(slot_list, WildcardSlotList):
            raise ValueError(f"wildcard list {{{name}}} cannot be part of a recogniser grammar")
        self.rules[rule] = " | ".join(dict.fromkeys(values)) or "<VOID>"
        return f"<{rule}>"
