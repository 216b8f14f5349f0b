"""The phrases' trigram model: a proper distribution, and loadable by pocketsphinx."""

from __future__ import annotations

import math

import pocketsphinx
import pytest

from voice_cecert.asr import phrase_lm

PHRASES = [
    "start a breathing break",
    "start a movement break",
    "help me breathe",
    "i keep going over that session",
    "stop",
]


def probability(probs, backoff, gram):
    if len(gram) == 1:
        return probs[1].get(gram, 0.0)
    if gram in probs[len(gram)]:
        return probs[len(gram)][gram]
    return backoff.get(gram[:-1], 1.0) * probability(probs, backoff, gram[1:])


@pytest.mark.parametrize(
    "context", [("<s>",), ("start",), ("<s>", "start"), ("start", "a"), ("a", "movement"), ("me",)]
)
def test_every_context_is_a_distribution_over_the_vocabulary(context):
    probs, backoff = phrase_lm.estimate(PHRASES)
    words = [g[0] for g in probs[1] if g != ("<s>",)]
    total = sum(probability(probs, backoff, (*context, w)) for w in words)
    assert total == pytest.approx(1.0, abs=1e-9)


def test_unseen_recombinations_keep_some_probability():
    probs, backoff = phrase_lm.estimate(PHRASES)
    seen = probability(probs, backoff, ("help", "me", "breathe"))
    unseen = probability(probs, backoff, ("help", "me", "break"))  # never said so
    assert seen > unseen > 0


def test_pocketsphinx_loads_the_model_and_scores_phrases_above_shuffles(tmp_path):
    path = tmp_path / "phrases.arpa"
    phrase_lm.write_arpa(PHRASES, path)
    text = path.read_text()
    assert text.startswith("\\data\\") and text.rstrip().endswith("\\end\\")
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    model = pocketsphinx.NGramModel(decoder.config, decoder.logmath, str(path))
    assert model.size() == 3  # the order: a trigram model
    decoder.add_lm_file("phrases", str(path))  # how the engine loads it; raises on failure

    def logprob(sentence):
        probs, backoff = phrase_lm.estimate(PHRASES)
        tokens = ["<s>", *sentence.split(), "</s>"]
        return sum(
            math.log(probability(probs, backoff, tuple(tokens[max(0, i - 2) : i + 1])))
            for i in range(1, len(tokens))
        )

    assert logprob("start a breathing break") > logprob("break breathing a start")
