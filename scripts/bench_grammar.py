"""Grammar size and speed per dialogue state, and matcher latency: prints a table.

For each state's allowed intents: how many sentences the templates expand to, how long building
the grammar takes, how long pocketsphinx takes to compile it (the engine's word graph, and the
JSGF written from the templates), and how long the matcher takes on exact and fuzzy text.

    python scripts/bench_grammar.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pocketsphinx

from voice_cecert.asr.sphinx_engine import SphinxRecognizer, add_extra_words
from voice_cecert.dialogue import ANSWER_INTENTS, IDLE_COMMANDS, ROUTINE_CONTROLS
from voice_cecert.intents import grammar as grammar_module
from voice_cecert.intents.grammar import build_grammar
from voice_cecert.intents.loader import DEFAULT_INTENTS, _build, load_intents
from voice_cecert.intents.matcher import Matcher

# the dialogue's own sets (voice_cecert/dialogue.py), as the assistant uses them
STATES = {
    "everything": None,
    "idle (commands + routines)": [*IDLE_COMMANDS, "routines"],
    "routine running": sorted(ROUTINE_CONTROLS),
    "answer: number": sorted(ROUTINE_CONTROLS | ANSWER_INTENTS["number"]),
    "sleeping": ["wake"],
}
EXACT = ["start a breathing break", "make it three minutes", "stop", "seven"]
FUZZY = ["could you please help me breathe", "the printer is broken", "i am so overwhelmed now"]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def main() -> None:
    raw = DEFAULT_INTENTS.read_bytes()
    began = time.perf_counter()
    _build.__wrapped__(str(DEFAULT_INTENTS), "bench", raw)  # uncached parse + expansion
    print(f"load + expand intents file: {_ms(time.perf_counter() - began)} ms")
    intents = load_intents()
    print(f"sentences: {len(intents.sentences)}, filler words: {len(intents.filler)}\n")

    header = "| state | sentences | filler | build ms | FSG compile ms | JSGF compile ms |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|")
    for state, allowed in STATES.items():
        grammar_module._cached_grammar.cache_clear()
        began = time.perf_counter()
        grammar = build_grammar(allowed, intents)
        build = time.perf_counter() - began
        engine = SphinxRecognizer()
        began = time.perf_counter()
        engine.set_grammar(grammar)
        fsg = time.perf_counter() - began
        decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
        add_extra_words(decoder)  # as the engine does: templates use words like "mindfulness"
        began = time.perf_counter()
        decoder.add_jsgf_string("g", grammar.jsgf)
        jsgf = time.perf_counter() - began
        print(
            f"| {state} | {len(grammar)} | {len(grammar.filler)} | {_ms(build)} "
            f"| {_ms(fsg)} | {_ms(jsgf)} |"
        )

    matcher = Matcher(intents)
    for label, texts in (("exact", EXACT), ("fuzzy / rejected", FUZZY)):
        for text in texts:  # first call builds the per-state index
            matcher.match(text)
        times = []
        for _ in range(20):
            for text in texts:
                began = time.perf_counter()
                matcher.match(text)
                times.append(time.perf_counter() - began)
        print(
            f"\nmatcher, {label} text (all intents): median {_ms(statistics.median(times))} ms, "
            f"max {_ms(max(times))} ms over {len(times)} calls"
        )


if __name__ == "__main__":
    main()
