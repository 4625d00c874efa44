"""Local media engines: real-time factors of speech and transcription, upscale cost.

1. speech: Piper (English) and espeak-ng (French) synthesis of a ~25 s script; real-time
   factor = synthesis seconds / seconds of speech (lower is faster; 0.1 = ten times
   faster than real time);
2. transcription: Whisper tiny.en over that speech (MP3), real-time factor likewise, with
   the word error rate against the script as a sanity check;
3. upscale: seconds of processing per second of 640x360 24 fps video, at 2x and 4x;
4. music and sound effects: seconds per second of audio made (30 s music, 10 s rain).

Each is the median of `--repeat` runs in this process, after one warm-up (models load
once per worker process in the server too).

    .venv/bin/python bench/media.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from genfire_server.engines.local import (
    audio_io,
    music,
    sfx,
    speech,
    transcription,
    video_upscale,
)
from tests.engines.local.test_speech import word_error_rate
from tests.generation.helpers import mp4_bytes

T = TypeVar("T")

SCRIPT = (
    "Meet the bottle that keeps up with you. Cold for twenty four hours, hot for twelve, "
    "and light enough to carry anywhere. The powder coat grips in wet hands, the lid seals "
    "with a quarter turn, and the wide mouth takes ice cubes without a fight. Fill it in the "
    "morning, forget about it until the evening, and it will still be just right. Order "
    "today and get free shipping on your first bottle."
)
FRENCH = (
    "Voici la bouteille qui vous suit partout. Elle garde vos boissons froides pendant "
    "vingt-quatre heures et chaudes pendant douze heures. Commandez aujourd'hui."
)


def _median(repeat: int, work: Callable[[], T]) -> tuple[float, T]:
    work()  # warm-up: loads the model in this process
    samples: list[float] = []
    result = work()
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        style = speech.VoiceStyle()
        took, spoken = _median(args.repeat, lambda: speech.synthesize(SCRIPT, style))
        print(
            f"speech (Piper, en): {spoken.duration:.1f} s of audio in {took:.2f} s: "
            f"RTF {took / spoken.duration:.3f}"
        )
        took_fr, french = _median(args.repeat, lambda: speech.synthesize(FRENCH, style))
        print(
            f"speech (espeak-ng, fr): {french.duration:.1f} s in {took_fr:.3f} s: "
            f"RTF {took_fr / french.duration:.4f}"
        )
        fmt = audio_io.parse_output_format("mp3_44100_128")
        assert fmt is not None
        mp3 = scratch / "speech.mp3"
        mp3.write_bytes(audio_io.encode(spoken.samples, spoken.sample_rate, fmt))
        took, heard = _median(args.repeat, lambda: transcription.transcribe(mp3))
        print(
            f"transcription (tiny.en int8): {heard.duration:.1f} s in {took:.2f} s: "
            f"RTF {took / heard.duration:.3f}; word error rate "
            f"{word_error_rate(SCRIPT, heard.text):.3f}"
        )
        source = scratch / "source.mp4"
        source.write_bytes(mp4_bytes(640, 360, 5.0, 24))
        for factor in (2, 4):
            dest = scratch / f"up{factor}.mp4"
            took, result = _median(
                args.repeat,
                lambda factor=factor, dest=dest: video_upscale.upscale_video(  # type: ignore[misc]
                    source, dest, factor
                ),
            )
            print(
                f"upscale {factor}x (640x360 -> {result.width}x{result.height}): "
                f"{took / result.duration:.2f} s per second of video"
            )
        took, piece = _median(args.repeat, lambda: music.compose("upbeat electronic", 30.0))
        print(f"music: 30 s stereo in {took:.2f} s ({took / 30:.3f} s per second)")
        took, effect = _median(args.repeat, lambda: sfx.render_effect("steady rain", 10.0))
        print(f"sfx ({effect.sound_class}): 10 s in {took:.2f} s")
        del piece


if __name__ == "__main__":
    main()
