#!/usr/bin/env python
"""The first command said to a fresh recogniser: decoded once (live cepstral mean from the
model's starting value) or again whole (the engine's default since the second session).

Why: pocketsphinx subtracts a running cepstral mean that starts at the model's `cmninit` and
settles only after an utterance or two, so a user's first command was the one most often
lost; scripts/bench_intents.py decodes each condition as one long session and hides that.
Each command here gets its own new recogniser. Synthetic voices only (flite, espeak-ng): a
regression yardstick, not a figure for human speech.

Usage: python scripts/bench_first_utterance.py [--step 3] [--commands FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_intents as bench  # noqa: E402

from voice_cecert import synth  # noqa: E402
from voice_cecert.audio import BLOCK_BYTES  # noqa: E402


def first_utterance_right(item: bench.Item, state: frozenset[str], redecode: bool) -> bool:
    stack = bench.Stack("pocketsphinx", condition=True)
    stack.recognizer._first_done = not redecode  # type: ignore[attr-defined]
    stack.set_allowed(state)
    pcm = synth.to_bytes(synth.read_wav(item.wav))
    pcm += b"\0" * (-len(pcm) % BLOCK_BYTES)
    events = []
    for k in range(0, len(pcm), BLOCK_BYTES):
        if (got := stack.feed(pcm[k : k + BLOCK_BYTES])) is not None:
            events.append((got, False))
    if (got := stack.flush()) is not None:
        events.append((got, True))
    rows = [
        {
            "text": t.text,
            "intent": i.name if i else None,
            "slots": dict(i.slots) if i else None,
            "flushed": flushed,
        }
        for (t, i, _), flushed in events
    ]
    return bench.judge(item, rows)[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--step", type=int, default=3, help="every n-th command (default 3)")
    p.add_argument("--commands", type=Path, default=bench.COMMANDS)
    args = p.parse_args()
    sets = bench.dialogue_sets()
    with tempfile.TemporaryDirectory() as tmp:
        items = [
            it
            for it in bench.build_items(False, Path(tmp), sets, args.commands, bench.OOD)
            if it.kind == "cmd"
        ][:: args.step]
        counts: dict[tuple[str, bool], int] = {}
        totals: dict[str, int] = {}
        for it in items:
            totals[it.family] = totals.get(it.family, 0) + 1
            for redecode in (False, True):
                key = (it.family, redecode)
                right = first_utterance_right(it, sets[it.state], redecode)
                counts[key] = counts.get(key, 0) + right
    print(f"first command to a fresh recogniser ({args.commands.name}, every {args.step})")
    print(f"{'voices':8} {'live only':>12} {'decoded again':>14}")
    for family, n in sorted(totals.items()):
        print(
            f"{family:8} {counts[(family, False)]:>5} of {n:<3} {counts[(family, True)]:>6} of {n}"
        )


if __name__ == "__main__":
    main()
