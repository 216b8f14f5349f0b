"""One voice for the dialogue and the runner: ordering, timing on audio time, barge-in."""

from __future__ import annotations

import threading

from voice_cecert.speech import WavSpeaker
from voice_cecert.speech_queue import RunnerVoice, SpeechQueue
from voice_cecert.stream_clock import StreamClock


def _advance(clock: StreamClock, until: float, step: float = 0.03) -> None:
    t = clock.now()
    while t < until:
        t = round(t + step, 3)
        clock.advance_to(t)


def test_lines_take_their_audio_time_and_say_does_not_block(tmp_path):
    clock = StreamClock()
    speaker = WavSpeaker(tmp_path / "out.wav", clock)
    queue = SpeechQueue(speaker, clock)
    queue.say("Hello there.")
    queue.say("Second line.")
    clock.settle()
    assert queue.speaking and clock.now() == 0.0  # returned at once, time has not moved
    _advance(clock, 10.0)
    first, second = queue.log
    assert first.text == "Hello there." and 0.5 < first.end - first.start < 3.0
    assert second.start == first.end  # one after the other, never overlapping
    assert not queue.speaking
    assert queue.spoke_during(first.start + 0.2) and not queue.spoke_during(second.end + 1.0)
    queue.close()


def test_stop_cuts_the_line_and_drops_the_queue(tmp_path):
    clock = StreamClock()
    queue = SpeechQueue(WavSpeaker(tmp_path / "out.wav", clock), clock)
    queue.say("This is a rather long line that would take several seconds to say aloud.")
    queue.say("This one is never said.")
    _advance(clock, 1.0)
    queue.stop()
    _advance(clock, 8.0)
    assert [s.text for s in queue.log] == [
        "This is a rather long line that would take several seconds to say aloud."
    ]
    assert queue.log[0].end < 1.1
    queue.close()


def test_the_runner_voice_blocks_and_takes_turns_with_the_dialogue(tmp_path):
    clock = StreamClock()
    queue = SpeechQueue(WavSpeaker(tmp_path / "out.wav", clock), clock)
    voice = RunnerVoice(queue)
    queue.say("Dialogue line.")
    clock.settle()
    done = threading.Event()

    def runner() -> None:
        voice.say("Runner line.")
        done.set()

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    clock.adopt(thread)
    clock.settle()
    assert not done.is_set()  # waits for its turn, then for its own line
    _advance(clock, 6.0)
    assert done.is_set()
    assert [s.text for s in queue.log] == ["Dialogue line.", "Runner line."]
    assert queue.log[1].start >= queue.log[0].end
    queue.close()
