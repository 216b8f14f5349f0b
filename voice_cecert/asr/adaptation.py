"""Adapt pocketsphinx's bundled acoustic model to one voice and microphone (MAP).

Why: the bundled model was trained on other people's voices. Where a voice fits it poorly,
commands are misheard however good the grammar is: espeak-ng's voices, the hardest in the
benchmark, got 63% of the development commands right in sessions of their own. After each
voice read the 20 sentences of `enrolment.yaml` once and the model was adapted to them, the
same commands went to 95.5% (docs/BENCHMARKS.md, "Sixth session").
Maximum a posteriori (MAP) re-estimation moves each Gaussian, mixture weight and transition
the takes were aligned with toward the voice, in proportion to how much of the voice it saw,
and leaves the rest as trained. The fifth session shipped MLLR instead (one affine transform
of all the means, pocketsphinx's `mllr` option), which reached 83% of the same commands: a
single global transform cannot follow a voice as far as per-Gaussian estimates can.

How: the work is done by CMU's own tools, Debian's `sphinxtrain` (bw collects the statistics
by aligning each recording with its sentence; map_adapt re-estimates the parameters;
mk_s2sendump quantises the mixture weights into the `sendump` pocketsphinx reads) and
`sphinxbase-utils` (sphinx_fe computes the features the same way the decoder does). bw needs
two things the wheel's model lacks: mixture weights (the wheel ships them quantised, as
`sendump`, which `_mixture_weights` expands back the way sphinxtrain's sendump.py does) and
the model definition as text (pocketsphinx_mdef_convert, Debian's `pocketsphinx`).

Privacy: the recordings exist only in a private temporary folder while the tools run, and are
deleted when they finish; what is kept is the adapted model's statistics (averages over many
frames of speech, about 3.6 MB), from which no word or sound can be played back.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_cecert.errors import UserError

# tool -> the Debian package that has it
TOOLS = {
    "sphinx_fe": "sphinxbase-utils",
    "bw": "sphinxtrain",
    "map_adapt": "sphinxtrain",
    "mk_s2sendump": "sphinxtrain",
    "pocketsphinx_mdef_convert": "pocketsphinx",
}
# sphinxtrain installs its programs outside PATH
TOOL_DIRS = ("/usr/lib/sphinxtrain", "/usr/libexec/sphinxtrain", "/usr/local/lib/sphinxtrain")
MODEL_FILES = ("means", "variances", "transition_matrices", "feat.params", "noisedict")
# what adaptation changes -> the decoder option that loads it in place of the model's own
ADAPTED = {
    "means": "mean",
    "variances": "var",
    "transition_matrices": "tmat",
    "sendump": "sendump",
}
TOOL_SECONDS = 300


class AdaptationError(UserError):
    """The voice could not be learned (the tools failed, or too little speech)."""


@dataclass(frozen=True)
class LearnedVoice:
    """The adapted files (name in ADAPTED -> contents), each the shape of the model's own."""

    files: dict[str, bytes]


@dataclass(frozen=True)
class Take:
    """One sentence as the user read it: 16 kHz mono int16 PCM, conditioned the way the
    recogniser conditions what it decodes, so the model learns the same signal."""

    text: str
    audio: bytes


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in TOOL_DIRS:
        path = os.path.join(folder, name)
        if os.access(path, os.X_OK):
            return path
    return None


def missing_packages() -> list[str]:
    """Debian packages to install before `estimate` can run (empty: ready)."""
    return list(dict.fromkeys(pkg for tool, pkg in TOOLS.items() if find_tool(tool) is None))


def words_of(sentence: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", sentence.lower()).split()


def check(voice: LearnedVoice, model_dir: str | Path) -> None:
    """Raise ValueError unless `voice` has every adapted file, each the size of the model's
    own and with the same header: pocketsphinx reads these files without validating them."""
    if set(voice.files) != set(ADAPTED):
        raise ValueError("it does not hold the files a learned voice has")
    for name, data in voice.files.items():
        own = Path(model_dir) / name
        with open(own, "rb") as handle:
            start = handle.read(4096)
        if len(data) != own.stat().st_size or _header(data) != _header(start):
            raise ValueError(f"its {name} do not fit the speech model")


def _header(data: bytes) -> bytes:
    """The text header of a Sphinx parameter file (up to endhdr), or the sendump's first
    bytes (its title and format lines)."""
    end = data.find(b"endhdr\n", 0, 4096)
    return data[: end if end >= 0 else 256]


def decoder_options(folder: str | Path) -> dict[str, str]:
    """pocketsphinx options that load a learned voice saved as files in `folder`."""
    return {option: str(Path(folder) / name) for name, option in ADAPTED.items()}


def estimate(takes: list[Take], model_dir: str | Path, dictionary: str | Path) -> LearnedVoice:
    """The model adapted to the voice in `takes` (the files that change)."""
    missing = missing_packages()
    if missing:
        raise AdaptationError(
            "learning a voice needs CMU Sphinx's training tools: "
            f"sudo apt-get install {' '.join(missing)}"
        )
    if not takes:
        raise AdaptationError("no sentences were recorded, so there is nothing to learn from")
    source = Path(model_dir)
    with tempfile.TemporaryDirectory(prefix="voice-cecert-enrol-") as tmp:  # mode 0700
        work = Path(tmp)
        hmm, out = work / "hmm", work / "adapted"
        out.mkdir()
        try:
            _prepare_model(source, hmm)
        except OSError as exc:
            raise AdaptationError(f"the speech model could not be read ({exc})") from None
        ids, transcripts = [], []
        for i, take in enumerate(takes):
            name = f"take{i:03d}"
            _write_wav(work / f"{name}.wav", take.audio)
            ids.append(name)
            transcripts.append(f"<s> {' '.join(words_of(take.text))} </s> ({name})")
        (work / "ids").write_text("\n".join(ids) + "\n")
        (work / "transcripts").write_text("\n".join(transcripts) + "\n")
        # -cmn batch: each recording is normalised as a whole, which for whole sentences comes
        # closest to the running mean the live decoder has settled on
        _run("sphinx_fe", {
            "-argfile": hmm / "feat.params", "-samprate": 16000, "-c": work / "ids",
            "-di": work, "-do": work, "-ei": "wav", "-eo": "mfc", "-mswav": "yes",
        })  # fmt: skip
        _run("bw", {
            "-hmmdir": hmm, "-moddeffn": hmm / "mdef.txt", "-ts2cbfn": ".ptm.",
            "-feat": "1s_c_d_dd", "-svspec": "0-12/13-25/26-38", "-cmn": "batch",
            "-agc": "none", "-dictfn": dictionary, "-ctlfn": work / "ids",
            "-lsnfn": work / "transcripts", "-accumdir": work, "-cepdir": work,
        })  # fmt: skip
        _run("map_adapt", {
            "-moddeffn": hmm / "mdef.txt", "-ts2cbfn": ".ptm.", "-meanfn": hmm / "means",
            "-varfn": hmm / "variances", "-mixwfn": hmm / "mixture_weights",
            "-tmatfn": hmm / "transition_matrices", "-accumdir": work,
            "-mapmeanfn": out / "means", "-mapvarfn": out / "variances",
            "-mapmixwfn": out / "mixture_weights", "-maptmatfn": out / "transition_matrices",
        })  # fmt: skip
        _run("mk_s2sendump", {
            "-pocketsphinx": "yes", "-moddeffn": hmm / "mdef.txt",
            "-mixwfn": out / "mixture_weights", "-sendumpfn": out / "sendump",
        })  # fmt: skip
        try:
            voice = LearnedVoice({name: (out / name).read_bytes() for name in ADAPTED})
        except OSError as exc:
            raise AdaptationError(f"the training tools gave no adapted model ({exc})") from None
    try:
        check(voice, source)
    except ValueError as exc:
        raise AdaptationError(f"the training tools gave no usable model ({exc})") from None
    if voice.files["means"] == (source / "means").read_bytes():
        # bw aligned none of the takes (too short, silent, unknown words): nothing moved
        raise AdaptationError(
            "none of the recordings could be matched with its sentence, so nothing was learned"
        )
    return voice


def _run(tool: str, options: dict[str, object], *rest: object) -> None:
    path = find_tool(tool)
    assert path is not None  # checked by missing_packages
    args = [path, *(str(v) for pair in options.items() for v in pair), *map(str, rest)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=TOOL_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AdaptationError(f"{tool} could not run ({exc})") from None
    if done.returncode != 0:
        errors = [ln for ln in done.stderr.splitlines() if "ERROR" in ln or "FATAL" in ln]
        last = (errors or done.stderr.strip().splitlines() or ["no message"])[-1]
        raise AdaptationError(f"{tool} failed: {last.strip()}")


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm)


def _prepare_model(source: Path, target: Path) -> None:
    """A copy of the model as bw reads it (links where the file is used as it is)."""
    target.mkdir()
    for name in MODEL_FILES:
        os.symlink(source / name, target / name)
    _write_mixture_weights(_mixture_weights(source / "sendump"), target / "mixture_weights")
    _run("pocketsphinx_mdef_convert", {}, "-text", source / "mdef", target / "mdef.txt")


def _mixture_weights(sendump: Path) -> np.ndarray:
    """(senones, streams, codewords) weights from pocketsphinx's quantised `sendump`."""
    data = sendump.read_bytes()
    order = "<" if struct.unpack_from("<I", data)[0] <= 65536 else ">"
    pos, header = 0, {}

    def read_str() -> str | None:
        nonlocal pos
        (size,) = struct.unpack_from(order + "I", data, pos)
        pos += 4
        if size == 0:
            return None
        text = data[pos : pos + size - 1].decode("latin-1")
        pos += size
        return text

    read_str()  # title
    while (line := read_str()) is not None:
        key, _, value = line.partition(" ")
        header[key] = value.split()
    if int(header.get("cluster_count", ["0"])[0]) != 0:
        raise AdaptationError("the model's sendump is clustered, which is not supported")
    shift = int(header.get("mixw_shift", ["10"])[0])
    streams = int(header["feature_count"][0])
    codewords, senones = struct.unpack_from(order + "II", data, pos)
    pos += 8
    raw = np.frombuffer(data, np.uint8, streams * codewords * senones, pos)
    logs = raw.reshape(streams, codewords, senones).astype(np.int64) << shift
    weights = np.power(1.0001, -logs.astype(np.float64)).transpose(2, 0, 1)
    return weights / weights.sum(axis=2, keepdims=True)


def _write_mixture_weights(weights: np.ndarray, path: Path) -> None:
    """Sphinx-III binary parameter file, as sphinxtrain's s3mixw writes it."""
    head = b"s3\nversion 1.0\n"
    pad = -(len(head) + len(b"endhdr\n")) % 4
    with open(path, "wb") as out:
        out.write(head + b" " * pad + b"endhdr\n")
        out.write(struct.pack("=i", 0x11223344))
        out.write(struct.pack("=IIII", *weights.shape, weights.size))
        out.write(weights.astype("=f4").tobytes())
