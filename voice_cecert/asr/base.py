"""The recogniser contract every engine meets.

Audio arrives as fixed-size blocks of 16 kHz mono signed 16-bit little-endian PCM
(`voice_cecert.audio.BLOCK_BYTES` each). An engine is fed every block; the shared endpointer
(`voice_cecert.vad`) decides where utterances start and end, so an engine only decodes speech
and returns a Transcript exactly when an utterance ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Reading:
    """A second reading of an utterance as free text (see `Transcript.second`)."""

    text: str
    confidence: float
    fit: float | None = None


@dataclass(frozen=True)
class Transcript:
    """What was heard in one utterance.

    `start`/`end` are seconds since the start of the stream (end = when the speech stopped, not
    when the endpointer fired). `confidence` is 0..1 (engine-specific scale, mapped into 0..1).
    `grammar` tells whether the text was constrained to a phrase list, which the intent matcher
    uses to judge how far to trust it.

    `verified` is False when the engine checked a grammar result against unconstrained
    speech and found the grammar fits far worse (speech that is not a command, forced onto
    the nearest phrase); engines that do not check leave it True. `fit` is that check's
    score when one was made (engine-specific scale, higher is a better fit), else None.
    `plausible` is False when even the safety net should not act on the words: the fit is so
    far below the check's threshold that the phrase is a guess, not a mishearing (a crisis
    phrase forced onto "I left my keys in the kitchen"). Only meaningful when not verified.
    """

    text: str
    confidence: float
    start: float
    end: float
    grammar: bool = False
    verified: bool = True
    fit: float | None = None
    plausible: bool = True
    second: Reading | None = None


@runtime_checkable
class Recognizer(Protocol):
    name: str

    def set_grammar(self, phrases: Sequence[str] | None) -> None:
        """Constrain recognition to these phrases; None means free dictation."""

    def feed(self, block: bytes) -> Transcript | None:
        """Consume one block; return a Transcript when an utterance has just ended."""

    def partial(self) -> str:
        """Best guess so far for the utterance in progress ('' when none)."""

    def flush(self) -> Transcript | None:
        """End of stream: finish any utterance in progress."""

    def reset(self) -> None:
        """Drop any utterance in progress (e.g. audio heard while the app was speaking)."""
