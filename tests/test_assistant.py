"""The assistant loop's own parts: push-to-talk gating and adaptive endpointing."""

from __future__ import annotations

from voice_cecert import audio, synth
from voice_cecert.asr.select import make_recognizer
from voice_cecert.assistant import (
    COMMAND_TRAILING_S,
    COMPLETE_TRAILING_S,
    DICTATION_TRAILING_S,
    Endpointing,
    PushToTalk,
)


def test_push_to_talk_opens_on_press_for_one_utterance_or_a_window():
    ptt = PushToTalk(window_s=8.0)
    assert not ptt.is_open(1.0, in_utterance=False)
    ptt.press()
    assert ptt.is_open(2.0, in_utterance=False)
    assert ptt.is_open(9.9, in_utterance=False)
    assert not ptt.is_open(10.1, in_utterance=False)  # nobody spoke: closes again
    ptt.press()
    assert ptt.is_open(11.0, in_utterance=False)
    assert ptt.is_open(19.5, in_utterance=True)  # a sentence under way is not cut off
    ptt.heard()
    assert not ptt.is_open(19.6, in_utterance=False)  # one utterance per press


def test_endpointing_shortens_the_pause_once_a_whole_command_is_heard():
    recognizer = make_recognizer("pocketsphinx")
    grammar = ["stop", "start a breathing break", "what can i say"]
    recognizer.set_grammar(grammar)
    endpointing = Endpointing(recognizer, base=0.6)
    endpointing.grammar_changed(grammar)
    assert recognizer.endpointer.trailing_silence == COMMAND_TRAILING_S
    seen: set[float] = set()
    heard = None
    for block in audio.blocks_from_array(synth.session(["start a breathing break"], "flite:slt")):
        heard = recognizer.feed(block) or heard
        endpointing.after_block(heard is not None)
        if recognizer.in_utterance:
            seen.add(recognizer.endpointer.trailing_silence)
    assert heard is not None and heard.text == "start a breathing break"
    assert COMPLETE_TRAILING_S in seen and COMMAND_TRAILING_S in seen
    assert recognizer.endpointer.trailing_silence == COMMAND_TRAILING_S  # back after the end


def test_endpointing_waits_longer_while_dictating():
    recognizer = make_recognizer("pocketsphinx")
    endpointing = Endpointing(recognizer, base=0.6)
    endpointing.grammar_changed(None)
    assert recognizer.endpointer.trailing_silence == DICTATION_TRAILING_S
