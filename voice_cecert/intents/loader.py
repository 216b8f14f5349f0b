"""Read an intents file (hassil YAML plus a few voice-cecert keys) and expand its sentences.

One file is the single source of truth for both the recogniser grammar and the matcher, so
loading validates everything a grammar or a match could trip over later and reports it as one
line naming the file. Expansion is cached by content hash: the dialogue asks for grammars of
several states, and each must not pay for parsing again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from hassil import Intents
from hassil.errors import HassilError
from hassil.parser import ParseError
from hassil.sample import sample_sentence

from voice_cecert.errors import UserError
from voice_cecert.intents.normalize import normalize

DEFAULT_INTENTS = Path(__file__).with_name("cecert.yaml")

# Beyond this the grammar gets slow to compile and fuzzy matching loses precision: a template
# that blows up (long permutations, many optionals) should be rewritten, not silently used.
MAX_SENTENCES = 20_000

_OWN_KEYS = ("groups", "always", "filler", "filler_for", "fuzzy_needs")

# A data block with `metadata: {loose: true}` holds loose talk ("I feel cut off from my team"):
# the matcher and the recogniser's second pass (a phrase language model) know its sentences,
# the first-pass grammar does not. Every grammar phrase lowers the fit of the others against
# the phone loop, so long, wordy sentences cost commands there; the second pass can afford
# them because it runs only on speech the grammar could not place.
LOOSE = "loose"


def is_loose(data: Any) -> bool:
    """Whether a hassil intent data block is marked as loose talk."""
    return bool((data.metadata or {}).get(LOOSE))


# libyaml's parser when PyYAML was built with it (the PyPI wheels are): the intents file is
# about 1,000 lines and the pure-Python parser took 70 ms of every start for it, libyaml 7 ms.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, eq=False)
class IntentSet:
    """Everything the grammar and the matcher need from one intents file.

    Compared and hashed by identity: loading is cached by content, so one file is one object.
    """

    source: str
    digest: str
    hassil: Intents
    names: tuple[str, ...]
    groups: Mapping[str, frozenset[str]]
    always: frozenset[str]
    filler: tuple[str, ...]
    sentences: tuple[tuple[str, str], ...]
    filler_for: frozenset[str] = frozenset()
    fuzzy_needs: Mapping[str, frozenset[str]] = field(default_factory=dict)
    loose: frozenset[tuple[str, str]] = frozenset()  # (name, sentence) only in loose blocks

    @property
    def routines(self) -> frozenset[str]:
        return self.groups.get("routines", frozenset())

    def resolve(self, allowed: Iterable[str] | None) -> frozenset[str]:
        """Intent names for a mix of intent and group names; None means every intent.

        Intents listed under `always` (the safety net) are included whatever is asked for.
        """
        if allowed is None:
            return frozenset(self.names)
        if isinstance(allowed, str):
            allowed = (allowed,)
        names: set[str] = set(self.always)
        for item in allowed:
            if item in self.groups:
                names |= self.groups[item]
            elif item in self.names:
                names.add(item)
            else:
                raise ValueError(f"unknown intent or group {item!r} in {self.source}")
        return frozenset(names)


def load_intents(path: str | Path | None = None) -> IntentSet:
    """Load and expand an intents file (the built-in CE-CERT one by default)."""
    file = Path(path) if path is not None else DEFAULT_INTENTS
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise UserError(f"intents file not found: {file}") from None
    except OSError as exc:
        raise UserError(f"cannot read intents file {file}: {exc.strerror}") from None
    return _build(str(file), hashlib.sha256(raw).hexdigest(), raw)


@lru_cache(maxsize=8)
def _build(source: str, digest: str, raw: bytes) -> IntentSet:
    def fail(problem: str) -> UserError:
        return UserError(f"bad intents file {source}: {problem}")

    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_YAML_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"not valid YAML ({first})") from None
    if not isinstance(data, dict):
        raise fail("expected a mapping with 'language' and 'intents'")
    intents_dict = data.get("intents")
    if not isinstance(intents_dict, dict) or not intents_dict:
        raise fail("no 'intents' mapping")
    data.setdefault("language", "en")
    for name, body in intents_dict.items():
        _check_intent(name, body, fail)

    names = tuple(str(name) for name in intents_dict)
    groups = _groups(data.get("groups") or {}, names, fail)
    always = _name_list(data.get("always") or [], "always", names, fail)
    filler = _filler(data.get("filler"), fail)
    filler_for = frozenset(names)
    if data.get("filler_for") is not None:
        members = _name_list(data["filler_for"], "filler_for", (*names, *groups), fail)
        filler_for = frozenset().union(*(groups.get(m, {m}) for m in members))
    fuzzy_needs = _fuzzy_needs(data.get("fuzzy_needs") or {}, names, fail)
    hassil_dict = {k: v for k, v in data.items() if k not in _OWN_KEYS}
    try:
        hassil_intents = Intents.from_dict(hassil_dict)
    except (HassilError, ParseError, KeyError, TypeError, ValueError, AssertionError) as exc:
        raise fail(f"{type(exc).__name__}: {exc}") from None
    sentences, loose = _expand(hassil_intents, fail)
    missing = sorted(set(names) - {name for name, _ in sentences})
    if missing:
        raise fail(f"intent {missing[0]!r} has no sentences")
    return IntentSet(
        source=source,
        digest=digest,
        hassil=hassil_intents,
        names=names,
        groups=groups,
        always=always,
        filler=filler,
        sentences=sentences,
        filler_for=filler_for,
        fuzzy_needs=fuzzy_needs,
        loose=loose,
    )


def _check_intent(name: Any, body: Any, fail: Any) -> None:
    if isinstance(name, bool):
        raise fail(f"intent name {name!r}: YAML reads yes/no/on/off as true/false, quote it")
    if not isinstance(name, str) or not name:
        raise fail(f"intent name {name!r} is not a string")
    blocks = body.get("data") if isinstance(body, dict) else None
    if not isinstance(blocks, list) or not blocks:
        raise fail(f"intent {name!r} needs a 'data' list")
    for block in blocks:
        sentences = block.get("sentences") if isinstance(block, dict) else None
        if not isinstance(sentences, list) or not sentences:
            raise fail(f"intent {name!r}: every data block needs a 'sentences' list")
        if not all(isinstance(s, str) and s.strip() for s in sentences):
            raise fail(f"intent {name!r}: sentences must be non-empty strings")
        metadata = block.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise fail(f"intent {name!r}: 'metadata' must be a mapping, like {{{LOOSE}: true}}")
        if isinstance(metadata, dict) and not isinstance(metadata.get(LOOSE, False), bool):
            raise fail(f"intent {name!r}: '{LOOSE}' in 'metadata' must be true or false")


def _name_list(value: Any, key: str, names: tuple[str, ...], fail: Any) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise fail(f"'{key}' must be a list of intent names")
    for item in value:
        if isinstance(item, bool):
            raise fail(f"'{key}' has {item!r}: YAML reads yes/no/on/off as true/false, quote it")
        if item not in names:
            raise fail(f"'{key}' names unknown intent {item!r}")
    return frozenset(str(item) for item in value)


def _groups(value: Any, names: tuple[str, ...], fail: Any) -> dict[str, frozenset[str]]:
    if not isinstance(value, dict):
        raise fail("'groups' must map group names to lists of intent names")
    groups: dict[str, frozenset[str]] = {}
    for group, members in value.items():
        if group in names:
            raise fail(f"group {group!r} has the same name as an intent")
        groups[str(group)] = _name_list(members, f"groups.{group}", names, fail)
    return groups


def _fuzzy_needs(value: Any, names: tuple[str, ...], fail: Any) -> dict[str, frozenset[str]]:
    if not isinstance(value, dict):
        raise fail("'fuzzy_needs' must map intent names to lists of words")
    needs: dict[str, frozenset[str]] = {}
    for name, words in value.items():
        if name not in names:
            raise fail(f"'fuzzy_needs' names unknown intent {name!r}")
        if isinstance(words, list) and any(isinstance(w, bool) for w in words):
            raise fail(
                f"'fuzzy_needs' for {name!r}: quote on/off/yes/no (YAML reads them as true/false)"
            )
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise fail(f"'fuzzy_needs' for {name!r} must be a list of words")
        needs[str(name)] = frozenset(w for word in words for w in normalize(word).split())
    return needs


def _filler(value: Any, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if not isinstance(value, str):
        raise fail("'filler' must be a string or list of words")
    return tuple(dict.fromkeys(normalize(value).split()))


def _expand(
    intents: Intents, fail: Any
) -> tuple[tuple[tuple[str, str], ...], frozenset[tuple[str, str]]]:
    """Every (intent, sentence), and those that only loose blocks give."""
    seen: dict[tuple[str, str], bool] = {}  # -> came only from loose blocks
    try:
        for name, intent in intents.intents.items():
            for data in intent.data:
                loose = is_loose(data)
                lists = {**intents.slot_lists, **data.slot_lists}
                rules = {**intents.expansion_rules, **data.expansion_rules}
                for sentence in data.sentences:
                    for text in sample_sentence(sentence, lists, rules, intents.language):
                        key = (name, normalize(text))
                        seen[key] = seen.get(key, True) and loose
                        if len(seen) > MAX_SENTENCES:
                            raise fail(
                                f"templates expand to more than {MAX_SENTENCES} sentences; "
                                "use fewer optional words or permutations"
                            )
    except (HassilError, ParseError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise fail(f"template problem: {first}") from None
    except (ValueError, TypeError, KeyError) as exc:
        raise fail(f"{type(exc).__name__}: {exc}") from None
    kept = tuple(key for key in seen if key[1])
    return kept, frozenset(key for key in kept if seen[key])
