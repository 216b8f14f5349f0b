"""Make audio look like what acoustic models were trained on, before recognition.

Two problems seen in practice:

- Digital silence. Synthesised speech, noise gates and trimmed WAVs put exact zeros between
  words. pocketsphinx estimates noise and the cepstral mean from the quietest frames, and
  log-energy of zeros is minus infinity (clamped), which skews both. On real human recordings
  with the bundled model and a command grammar, adding a faint noise floor about 40 dB below
  the speech level raised command acceptance from 87% to 93%; pocketsphinx's `dither` and
  peak normalisation alone changed nothing. So every 10 ms stretch whose energy is below the
  floor gets just enough deterministic white noise to reach it; stretches that already have a
  real noise floor (any microphone) are left exactly as they were.
- Quiet input (a phone held away, a soft voice). Frames the VAD calls speech feed a peak-level
  tracker; when speech is well under the target level, a gain (capped, never below 1) lifts
  it. The gain is chosen when an utterance starts and held for the whole utterance, because a
  gain that moved within an utterance would shift the energy feature and the cepstral mean
  mid-word, and one learned from the first few frames (a soft onset) would be far too high.
  It is only used once `MIN_EVIDENCE` seconds of speech were heard, so the first utterance of
  a stream passes at its own level. The gain never attenuates: normal-level audio passes through
  unchanged apart from the floor.

The floor's reference level is fixed per utterance too, and until `MIN_EVIDENCE` seconds of
speech were heard it is the target level, not the level learned so far. It used to follow the
running estimate, which for the first utterance of a stream starts from the few soft onset
frames that opened it: the pre-roll got a floor some 20 dB too faint and the floor then rose
mid-utterance, which shifted pocketsphinx's noise and cepstral-mean estimates just where the
first words are ("make it three minutes" as the first utterance came out "pick up where you").
On 60 first utterances (10 commands x 6 flite/espeak voices, intents grammar) that change alone
took correct transcripts from 45 to 49 (44 without conditioning).

- Steady background noise (fan, air conditioning, hiss). A Wiener suppressor (`Denoiser`)
  with a decision-directed SNR: the noise spectrum is learned afresh from the start of each
  utterance's pre-roll, which the endpointer hands over first and which its noise gate found
  to be non-speech, and each 32 ms frame's bins are pulled down by up to 20 dB. Audio whose
  pre-roll is silent (digital silence, a quiet room) or whose noise is not steady (babble) is
  passed through untouched. `Denoiser` says what it did for accuracy.
- Hiss and other broadband noise, steady or not: RNNoise (`denoise.py`), a small trained
  suppressor, cleans the utterance instead of the Wiener gain when `denoise.suits` finds it
  fits the pre-roll's noise (within 25 dB of the speech, not talk, not a low rumble). On the
  speech-to-intent development items (359 commands, flite and espeak-ng voices, noise kinds in
  rotation) it took acceptance at 10 dB SNR from 185 to 220 (pink 37 -> 65 of 90, white
  43 -> 51 of 89) and at 5 dB from 130 to 170 (pink 26 -> 44, white 12 -> 28); clean results
  were unchanged item for item. The Wiener gain after RNNoise added nothing (221 against 226 at
  10 dB, 169 against 172 at 5 dB, in a first version). Run on the whole stream instead, in
  front of the endpointer, RNNoise also decided where utterances end, and held babble-noise
  utterances open (babble 27 -> 2 of 90 at 10 dB).
  The cleaned audio is 20 ms late and the last 75 ms of an utterance (in the decode tail, past
  the speech) are not handed over; the endpointer hears the audio as it comes, so answers do
  not wait.

Everything works per block with state, so it runs on live audio; `reset()` restarts the noise
generator so the same input always gives the same output.
"""

from __future__ import annotations

import numpy as np

from voice_cecert.asr.denoise import RNNoiseFilter, audible_noise, available, suits

# Mean speech level we aim for (RMS over speech frames, int16 units): about -22 dBFS.
TARGET_LEVEL = 2500.0
MAX_GAIN = 8.0  # +18 dB: enough for a soft voice, not enough to turn room noise into speech
FLOOR_DB: float | None = -40.0  # noise floor relative to the (post-gain) speech level
SUBFRAME = 160  # 10 ms: pocketsphinx's analysis frame shift
_SMOOTHING = 1 / 100  # speech power is averaged over roughly the last 3 s of speech
MIN_EVIDENCE = 0.5  # seconds of speech heard before the level estimate is trusted
_SEED = 20170
DENOISE = True
RNNOISE = True


class Denoiser:
    """Streaming Wiener suppression of steady noise, 512-sample frames, 50% overlap.

    Each bin's gain is xi / (1 + xi), where xi, the a-priori SNR, is decision-directed
    (Ephraim and Malah): mostly the previous frame's cleaned power over the noise, a little of
    this frame's excess power. That smoothing keeps the residual noise from turning into short
    random tones ("musical" noise) that the decoder reads as phones, so the gain can go down to
    -20 dB (`GAIN_FLOOR`) where the old plain power subtraction had to stop at -14 dB.

    Measured on the speech-to-intent items (359 commands and 113 out-of-domain sentences,
    flite and espeak-ng voices, noise kinds in rotation; docs/BENCHMARKS.md "Audio front end"),
    against the plain power subtraction it replaced (twice the noise power, -14 dB floor, noise
    estimate averaged with the previous utterance's): at 10 dB SNR commands accepted 127 -> 143
    (white noise 7 -> 27 of 89) and out-of-domain false accepts 30 -> 22 of 113; at 5 dB 101 ->
    102 and 18 -> 21. Also suppressing pink noise (a steadiness test on 500 Hz - 7 kHz only,
    which pink passes) accepted more (152 and 107) but raised false accepts to 35 and 24, so it
    is not done; a -26 dB floor with the noise also tracked within the utterance: 141.

    The noise spectrum is learned afresh from the start of each utterance's pre-roll (the
    endpointer hands it over first; its noise gate found it non-speech), not averaged with the
    previous utterance's: a noise that changed between utterances (another room, a window
    opened) is then not suppressed with the old spectrum (alone, that took 127 to 132). Only
    steady noise is suppressed (`STEADY_DB`): on babble, whose spectrum one estimate cannot
    describe, subtraction cost 11 of 120 commands at 10 dB SNR (scripts/bench_frontend.py).

    It delays audio by `FRAME` samples (32 ms) within an utterance; the last 32 ms of an
    utterance (in the decode tail, past the speech) are not handed over.
    """

    FRAME = 512
    HOP = 256
    GAIN_FLOOR = 0.1  # amplitude: -20 dB
    SMOOTHING = 0.98  # weight of the previous frame in the decision-directed a-priori SNR
    NOISE_SECONDS = 0.25  # of the pre-roll used to learn the noise
    QUIET = 1.0  # mean noise power per bin (int16^2 units) under which nothing is done
    # Steadiness: std (dB) of the pre-roll's frame levels. White noise measures 0.2-0.5 dB;
    # babble 1.2-2.7, pink 1.1-3.3 and brown 0.9-9 (their power sits in a few low bins).
    STEADY_DB = 1.2

    def __init__(self) -> None:
        window = np.hanning(self.FRAME + 1)[: self.FRAME]
        self._window = np.sqrt(window)  # sqrt-Hann analysis and synthesis: exact overlap-add
        self.noise_psd: np.ndarray | None = None  # at unit gain
        self.steady = False
        self.start()

    def start(self) -> None:
        """A new utterance: clear the overlap and smoothing state (the noise is kept)."""
        self._input = np.zeros(self.FRAME - self.HOP)
        self._overlap = np.zeros(self.FRAME)
        # the overlap-add completes audio in HOP steps; HOP samples of lead keep every call's
        # output whole, at a fixed delay of FRAME samples
        self._output = np.zeros(self.HOP)
        self._clean_snr: np.ndarray | None = None  # last frame's cleaned power / noise

    def learn(self, samples: np.ndarray, gain: float) -> None:
        """Learn the noise spectrum from the start of a pre-roll (non-speech) at `gain`."""
        stretch = samples[: round(self.NOISE_SECONDS * 16000)]
        if len(stretch) < self.FRAME:
            return
        frames = np.lib.stride_tricks.sliding_window_view(stretch, self.FRAME)[:: self.HOP]
        power = np.abs(np.fft.rfft(frames * self._window, axis=1)) ** 2
        levels = 10 * np.log10(np.mean(power, axis=1) + 1e-9)
        self.steady = float(np.std(levels)) < self.STEADY_DB
        # median over frames (/ ln 2: the median of an exponential variable), so a speech
        # frame caught in the pre-roll does not count as noise
        self.noise_psd = np.median(power, axis=0) / np.log(2) / (gain * gain)

    def active(self) -> bool:
        """Suppress only a steady noise that is really there."""
        return (
            self.steady
            and self.noise_psd is not None
            and float(np.mean(self.noise_psd)) > self.QUIET
        )

    def process(self, samples: np.ndarray, gain: float) -> np.ndarray:
        """The same number of samples, denoised (delayed by FRAME within the utterance)."""
        assert self.noise_psd is not None
        noise = np.maximum(self.noise_psd * (gain * gain), 1e-9)
        buffered = np.concatenate([self._input, samples])
        out = []
        pos = 0
        while pos + self.FRAME <= len(buffered):
            spectrum = np.fft.rfft(buffered[pos : pos + self.FRAME] * self._window)
            posterior = np.abs(spectrum) ** 2 / noise
            excess = np.maximum(posterior - 1.0, 0.0)
            if self._clean_snr is None:
                prior = np.maximum(excess, self.GAIN_FLOOR**2)
            else:
                prior = self.SMOOTHING * self._clean_snr + (1 - self.SMOOTHING) * excess
                prior = np.maximum(prior, 0.1 * self.GAIN_FLOOR**2)
            bin_gain = np.maximum(prior / (1.0 + prior), self.GAIN_FLOOR)
            self._clean_snr = bin_gain * bin_gain * posterior
            self._overlap += np.fft.irfft(spectrum * bin_gain, self.FRAME) * self._window
            out.append(self._overlap[: self.HOP].copy())
            self._overlap = np.concatenate([self._overlap[self.HOP :], np.zeros(self.HOP)])
            pos += self.HOP
        self._input = buffered[pos:]
        self._output = np.concatenate([self._output, *out])
        result, self._output = self._output[: len(samples)], self._output[len(samples) :]
        return result


class Conditioner:
    def __init__(
        self,
        target_level: float = TARGET_LEVEL,
        max_gain: float = MAX_GAIN,
        floor_db: float | None = FLOOR_DB,
        seed: int = _SEED,
        denoise: bool = DENOISE,
        rnnoise: bool = RNNOISE,
    ) -> None:
        self.target_level = target_level
        self.max_gain = max_gain
        self.floor_ratio = None if floor_db is None else 10 ** (floor_db / 20)
        self._seed = seed
        self._level: float | None = None
        self._power: float | None = None
        self._evidence = 0.0
        self._gain = 1.0
        self._reference = target_level  # speech level the floor is set against, per utterance
        self.denoiser = Denoiser() if denoise else None
        # without a usable RNNoise build (macOS has no pyrnnoise wheel) the Wiener gain serves
        self.rnnoise = RNNoiseFilter() if rnnoise and available() else None
        self.rnnoise_on = False  # RNNoise cleans the current utterance (`suits` said so)
        self._utterance_start = False
        self.reset()

    def reset(self) -> None:
        """Restart the noise sequence; the speech level learned so far is kept (same speaker)."""
        self._rng = np.random.default_rng(self._seed)

    def start_utterance(self) -> None:
        """Fix the gain and the floor's reference level for the utterance about to start."""
        if self._evidence >= MIN_EVIDENCE and self._level:
            self._gain = self._target_gain()
            self._reference = self._level * self._gain
        else:
            self._reference = self.target_level
        self._utterance_start = True
        if self.denoiser is not None:
            self.denoiser.start()
        self.rnnoise_on = False

    @property
    def gain(self) -> float:
        return self._gain

    @property
    def speech_level(self) -> float | None:
        return self._level

    def _target_gain(self) -> float:
        if self._level is None or self._level <= 0:
            return 1.0
        return float(np.clip(self.target_level / self._level, 1.0, self.max_gain))

    def observe_speech(self, block: bytes) -> None:
        """Learn the speech level from a block the VAD called speech (before it is processed)."""
        samples = np.frombuffer(block, dtype="<i2").astype(np.float32)
        if not len(samples):
            return
        power = float(np.mean(samples * samples))
        self._evidence += len(samples) / 16000
        if self._power is None:
            self._power = power
        else:
            self._power += (power - self._power) * _SMOOTHING
        self._level = float(np.sqrt(self._power))

    def process(self, audio: bytes) -> bytes:
        """Condition any whole number of samples (usually one or a few blocks)."""
        samples = np.frombuffer(audio, dtype="<i2").astype(np.float32)
        if not len(samples):
            return audio
        if self._gain != 1.0:
            samples *= self._gain
        if self.rnnoise is not None:
            samples = self._rnnoise(samples)
        if self.denoiser is not None and not self.rnnoise_on:  # Wiener after it gained nothing
            if self._utterance_start:  # the pre-roll comes first
                self.denoiser.learn(samples.astype(np.float64), self._gain)
            if self.denoiser.active():
                samples = self.denoiser.process(samples, self._gain).astype(np.float32)
        self._utterance_start = False
        if self.floor_ratio is not None:
            self._add_floor(samples, self.floor_ratio * self._reference)
        return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()

    def _rnnoise(self, samples: np.ndarray) -> np.ndarray:
        """RNNoise where `suits` found it helps, chosen from the pre-roll (the first call)."""
        assert self.rnnoise is not None
        if self._utterance_start:
            # Afresh for each utterance. Keeping what the network learned from the previous
            # one took scripts/bench_frontend.py's noisy rows (the same noise all session)
            # from 627 to 653 of 960, but the development items (the noise changes from one
            # to the next) from 220 to 210 at 10 dB SNR and 170 to 147 at 5 dB.
            self.rnnoise.reset()
            if not audible_noise(samples, self._reference):  # a quiet room: RNNoise not run
                return samples
            cleaned = self.rnnoise.process(samples)
            self.rnnoise_on = suits(samples, self.rnnoise.probabilities, self._reference)
            return cleaned if self.rnnoise_on else samples
        return self.rnnoise.process(samples) if self.rnnoise_on else samples

    def _add_floor(self, samples: np.ndarray, floor: float) -> None:
        """Top up each 10 ms stretch to `floor` RMS (power-complementary), in place."""
        n = len(samples)
        whole = n - n % SUBFRAME
        views = [samples[:whole].reshape(-1, SUBFRAME)] if whole else []
        if whole < n:
            views.append(samples[whole:].reshape(1, -1))
        for frames in views:
            power = np.mean(frames * frames, axis=1)
            missing = np.sqrt(np.maximum(floor * floor - power, 0.0)).astype(np.float32)
            if not missing.any():
                continue
            noise = self._rng.standard_normal(frames.shape, dtype=np.float32)
            frames += noise * missing[:, None]
