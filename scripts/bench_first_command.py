#!/usr/bin/env python
"""The first command of a session: fresh recogniser, starting from the model's cepstral mean
or from the one remembered from the same voice's earlier speech (voice_cecert/asr/cepstral_mean.py).

Why: pocketsphinx subtracts a running cepstral mean that starts at the model's `cmninit` and
settles over several utterances, so the command said right after the app starts is the one
most often misheard. scripts/bench_intents.py decodes each condition as one long session and
hides that. Here every command gets its own new recogniser, twice: cold, and seeded with the
mean a recogniser learned on that voice's out-of-domain sentences (standing in for the user's
earlier session), saved to and loaded from a real store file. Synthetic voices only (flite,
espeak-ng): a regression yardstick, not a figure for human speech.

Usage: python scripts/bench_first_command.py [--step 1] [--commands FILE] [--ood FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_intents as bench  # noqa: E402

from voice_cecert import synth  # noqa: E402
from voice_cecert.asr import cepstral_mean  # noqa: E402


def decode(stack: bench.Stack, item: bench.Item) -> bool:
    """Feed one rendering and judge it, both as scripts/bench_intents.py does."""
    row = bench.decode(stack, item, synth.read_wav(item.wav))
    return bench.judge(item, row["events"])[0]


def learn(items: list[bench.Item], sets: dict[str, frozenset[str]], store: Path) -> None:
    """One earlier session per voice: its out-of-domain sentences, then the mean is saved."""
    for voice in sorted({it.voice for it in items}):
        stack = bench.Stack("pocketsphinx", condition=True)
        stack.set_allowed(sets["idle"])
        for it in items:
            if it.voice == voice:
                decode(stack, it)
        cepstral_mean.remember(stack.recognizer, voice, store)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--step", type=int, default=3, help="every n-th command (default 3)")
    p.add_argument("--commands", type=Path, default=bench.COMMANDS)
    p.add_argument("--ood", type=Path, default=bench.OOD)
    args = p.parse_args()
    if args.step < 1 or args.step % 2 == 0:
        raise SystemExit("--step must be odd: commands alternate between the two voice families")
    for path in (args.commands, args.ood):
        if not path.is_file():
            raise SystemExit(f"no such file: {path}")
    sets = bench.dialogue_sets()
    right: Counter[tuple[str, str]] = Counter()
    total: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        items = bench.build_items(False, Path(tmp), sets, args.commands, args.ood)
        store = Path(tmp) / cepstral_mean.FILE_NAME
        learn([it for it in items if it.kind == "ood"], sets, store)
        for it in [it for it in items if it.kind == "cmd"][:: args.step]:
            total[it.family] += 1
            for start in ("cold", "remembered"):
                stack = bench.Stack("pocketsphinx", condition=True)
                if start == "remembered" and not cepstral_mean.restore(
                    stack.recognizer, it.voice, store
                ):
                    raise SystemExit(f"no mean was learned for {it.voice}")
                stack.set_allowed(sets[it.state])
                right[(it.family, start)] += decode(stack, it)
    print(f"first command to a fresh recogniser ({args.commands.name}, every {args.step})")
    print("| voices | cold start | remembered mean | commands |\n|---|---|---|---|")
    for family, n in sorted(total.items()):
        cold, warm = right[(family, "cold")], right[(family, "remembered")]
        share = f"{cold} ({100 * cold / n:.1f}%) | {warm} ({100 * warm / n:.1f}%)"
        print(f"| {family} | {share} | {n} |")


if __name__ == "__main__":
    main()
