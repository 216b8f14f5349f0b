"""Choose the real parts for one assistant run (source, recogniser, speaker, clock, journal).

Kept apart from the loop so the loop can be tested with parts built by hand, and so every
"this machine cannot do that" turns into either a one-line notice and a fallback (no microphone,
no speech engine: type instead) or a UserError (a file that does not exist).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from voice_cecert.asr import cepstral_mean
from voice_cecert.errors import UserError

TEXT_MODE_NOTICE = "{reason} Typing instead: type a command and press Enter."


@dataclass(frozen=True)
class LaunchOptions:
    text: bool = False
    wav: Path | None = None
    engine: str | None = None
    model: str | None = None
    intents: Path | None = None
    speaker: str = "auto"
    out: Path | None = None
    push_to_talk: bool = False
    always_on: bool = False
    journal: bool = True
    trace: bool = False


def make_recognizer(engine: str, model: str | None, settings: Any, source: Any = None) -> Any:
    """The speech-to-text engine's own choice (vosk with a model, else pocketsphinx, with the
    voice learned by `voice-cecert enrol` when `source` is a live microphone)."""
    from voice_cecert.asr import select, voice_profile

    return select.make_recognizer(
        engine=engine,
        model_path=model or getattr(settings, "model_path", "") or None,
        trailing_silence=settings.trailing_silence,
        voice=voice_profile.for_session(source),
    )


def open_journal(enabled: bool) -> tuple[Any, str | None]:
    """The practice log, or None and a line saying why practice will not be logged."""
    if not enabled:
        return None, None
    from voice_cecert.journal import Journal

    try:
        return Journal(), None
    except UserError as exc:
        return None, f"Your practice log can't be opened, so practice won't be logged ({exc})."


def run_assistant(options: LaunchOptions, stdin: TextIO, stdout: TextIO) -> int:
    from voice_cecert import config, speech
    from voice_cecert.assistant import PushToTalk, build_session, stdin_presses
    from voice_cecert.intents.loader import load_intents
    from voice_cecert.live_voice import LiveVoice
    from voice_cecert.stream_clock import StreamClock

    settings = config.load_settings()
    if options.always_on:
        settings = settings.with_overrides(always_on=True)
    intents = load_intents(options.intents)
    if options.wav is not None and options.text:
        raise UserError("choose either --text or --wav, not both")
    if options.speaker == "wav" and options.out is None:
        raise UserError("--speaker wav needs --out FILE.wav")

    notice: str | None = None
    source: Any = None
    text_mode = options.text
    if not text_mode:
        from voice_cecert import audio

        if options.wav is not None:
            source = audio.WavSource(options.wav)
        else:
            try:
                source = audio.MicSource()
            except UserError:
                notice, text_mode = "No microphone found.", True
    clock = StreamClock(stream=options.wav is not None)

    kind = options.speaker
    if text_mode and kind == "auto":
        kind = "text"
    speaker = speech.make_speaker(
        kind, settings, out=options.out, clock=clock, stream=stdout, notice_stream=sys.stderr
    )
    if (
        not text_mode
        and options.wav is None
        and kind == "auto"
        and isinstance(speaker, speech.TextSpeaker)
    ):
        notice, text_mode = "No speech output is available.", True
        if source is not None and hasattr(source, "close"):
            source.close()
    recognizer = None
    if not text_mode:
        recognizer = make_recognizer(
            options.engine or settings.engine, options.model, settings, source
        )

    # "learn my voice" needs the microphone; "forget my voice" works typed too
    voice = LiveVoice(
        recognizer, None if text_mode else source, trailing_silence=settings.trailing_silence
    )
    journal, journal_notice = open_journal(options.journal)
    session = build_session(
        speaker=speaker,
        clock=clock,
        settings=settings,
        intents=intents,
        journal=journal,
        push_to_talk=options.push_to_talk and not text_mode,
        save_settings=config.save_settings,
        voice=voice,
    )
    if notice is not None:  # said, not only shown: nothing here needs the screen
        session.dialogue.say(TEXT_MODE_NOTICE.format(reason=notice))
    if journal_notice is not None:
        session.dialogue.say(journal_notice)
    live = None if text_mode else source
    # the voice holds the recogniser in use at the end (learning a voice replaces it)
    keeper = voice if hasattr(recognizer, "seed_cepstral_mean") else recognizer
    with cepstral_mean.kept_for(keeper, live, settings.remember_microphone):
        try:
            if text_mode:
                session.run_text(stdin)
            else:
                ptt = None
                if options.push_to_talk:
                    ptt = PushToTalk()
                    stdin_presses(ptt, stdin)
                trace = sys.stderr if options.trace else None
                session.run_audio(source, recognizer, ptt, trace=trace)
        finally:
            session.close()
            for part in (speaker, source):  # the WAV speaker writes its file; the mic stops
                if hasattr(part, "close"):
                    part.close()
    return 0
