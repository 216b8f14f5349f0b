"""A recording speaker on a FakeClock: speech takes time, stop() cuts it short.

Real speakers need a sound card; this one keeps a log of what was said and when, so runner
tests can assert exact timing. Its speech lasts 0.25 s + 0.05 s per character.
"""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

import pytest

from voice_cecert.clock import FakeClock
from voice_cecert.routines import loader
from voice_cecert.routines.runner import Runner, RunOptions


class RecordingSpeaker:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.speaking = False
        self.log: list[tuple[float, str, str]] = []  # (start, kind, text)
        self.volumes: list[float] = []
        self.rates: list[float] = []
        self._stop = threading.Event()

    @staticmethod
    def duration(text: str) -> float:
        return 0.25 + 0.05 * len(text)

    def _play(self, kind: str, text: str, seconds: float) -> None:
        self.log.append((self.clock.now(), kind, text))
        self._stop.clear()
        self.speaking = True
        self.clock.wait_until(self.clock.now() + seconds, self._stop)
        self.speaking = False

    def say(self, text: str) -> None:
        self._play("say", text, self.duration(text))

    def cue(self, kind: str, seconds: float) -> None:
        self._play("cue", kind, seconds)

    def stop(self) -> None:
        self._stop.set()

    def set_rate(self, factor: float) -> None:
        self.rates.append(factor)

    def set_volume(self, factor: float) -> None:
        self.volumes.append(factor)

    def said(self) -> list[str]:
        return [text for _, kind, text in self.log if kind == "say"]

    def when(self, text: str, nth: int = 0) -> float:
        return [t for t, kind, said in self.log if kind == "say" and said == text][nth]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=100.0)


@pytest.fixture
def speaker(clock: FakeClock) -> RecordingSpeaker:
    return RecordingSpeaker(clock)


@pytest.fixture
def make_runner(tmp_path: Path, clock: FakeClock, speaker: RecordingSpeaker):
    """make_runner(yaml_text or routine, **kwargs) -> (runner, events list)."""

    def factory(source, *, options: RunOptions | None = None, answers=None):
        if isinstance(source, str):
            path = tmp_path / "t.yaml"
            header = "id: t\nelement: recovery\ntitle: Test\nsummary: A test.\nlength: 60\n"
            path.write_text(header + "steps:\n" + textwrap.indent(textwrap.dedent(source), "  "))
            routine = loader.load_file(path)
        else:
            routine = source
        runner = Runner(routine, speaker, clock, options=options, answers=answers)
        events: list = []
        runner.subscribe(events.append)
        return runner, events

    return factory
