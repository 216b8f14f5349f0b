"""End-to-end harness: a synthesised spoken session is the microphone, the real app listens.

Every part is the real one (synthesised speech from synth.py, the endpointer, pocketsphinx, the
intents matcher, the dialogue, the routine runner, the journal, the WAV speaker rendering the
app's voice with espeak-ng); only the clock is special: it is the audio stream's own time, so a
4-second breathing phase lasts exactly 4 seconds of the WAV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voice_cecert import audio, config, synth
from voice_cecert.assistant import PushToTalk, Session, build_session
from voice_cecert.intents.loader import load_intents
from voice_cecert.journal import Journal
from voice_cecert.launch import make_recognizer
from voice_cecert.speech import WavSpeaker
from voice_cecert.speech_queue import Spoken
from voice_cecert.stream_clock import StreamClock


@pytest.fixture(autouse=True, scope="session")
def _synth_cache(pytestconfig):
    synth.set_cache_dir(pytestconfig.cache.mkdir("voice-cecert-synth"))


@dataclass
class SessionRun:
    session: Session
    marks: list[synth.Mark]
    journal: Journal
    out_wav: Path

    @property
    def said(self) -> list[Spoken]:
        return list(self.session.speech.log)

    def lines(self, start: float = 0.0, end: float = float("inf")) -> list[str]:
        """What the app said between two stream times (cues shown as '(inhale)')."""
        return [s.text for s in self.said if start <= s.start < end]

    def text(self, start: float = 0.0, end: float = float("inf")) -> str:
        return " | ".join(self.lines(start, end))

    def after(self, i: int) -> str:
        """What the app said from the end of spoken command `i` to the start of the next."""
        end = self.marks[i + 1].start if i + 1 < len(self.marks) else float("inf")
        return self.text(self.marks[i].end, end)

    def mark(self, text: str) -> synth.Mark:
        return next(m for m in self.marks if m.text == text)

    def __repr__(self) -> str:  # shown when an assertion fails: the whole session, readable
        said = "\n".join(f"  {s.start:7.2f}-{s.end:7.2f} app: {s.text}" for s in self.said)
        heard = "\n".join(f"  {end:7.2f} heard: {text!r}" for end, text in self.session.heard)
        marks = "\n".join(f"  {m.start:7.2f}-{m.end:7.2f} user: {m.text}" for m in self.marks)
        return f"SessionRun(\n{marks}\n{heard}\n{said}\n)"

    @property
    def heard(self) -> list[str]:
        return [text for _, text in self.session.heard]


def run_session(
    tmp_path: Path,
    parts: Sequence[str | float],
    voice: str = "flite:slt",
    *,
    lead: float = 5.0,
    tail: float = 2.0,
    presses: Sequence[float] = (),
    **settings: Any,
) -> SessionRun:
    """Speak `parts` (text, or float seconds of silence) and run the whole app on it."""
    samples, marks = synth.session_with_marks(parts, voice, lead=lead, tail=tail)
    base = dataclasses.replace(config.Settings(), **settings)
    clock = StreamClock()
    out_wav = tmp_path / "app.wav"
    speaker = WavSpeaker(out_wav, clock, rate=base.rate, volume=base.volume, cue_mode="spoken")
    journal = Journal()
    session = build_session(
        speaker=speaker,
        clock=clock,
        settings=base,
        intents=load_intents(),
        journal=journal,
        push_to_talk=bool(presses),
        save_settings=config.save_settings,
    )
    recognizer = make_recognizer("pocketsphinx", None, base)
    ptt = None
    if presses:
        ptt = PushToTalk()
        for t in presses:
            clock.call_at(t, ptt.press)
    try:
        session.run_audio(audio.blocks_from_array(samples), recognizer, ptt)
    finally:
        session.close()
        speaker.close()
    return SessionRun(session, marks, journal, out_wav)


@pytest.fixture
def speak(tmp_path):
    def run(parts: Sequence[str | float], voice: str = "flite:slt", **kw: Any) -> SessionRun:
        return run_session(tmp_path, parts, voice, **kw)

    return run
