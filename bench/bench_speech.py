"""Speech benchmark: seconds of speech per 100 hanzi of the recorded warning for each audience,
synthesis time, and the same figures for the old configuration (voice ``sit/cmn`` at 165, text
not normalised) as the baseline of the same run.

``python -m bench.bench_speech`` prints the table and writes ``bench/results/speech.json``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import print_table, write_result
from console.services.core.settings import AUDIENCES
from console.services.messaging import tts
from console.services.messaging.speech_text import hanzi_count, speech_text

OLD_VOICE, OLD_RATE = "sit/cmn", 165


def _measure(directory: Path, name: str, fn: Any) -> dict[str, float]:
    path = directory / f"{name}.wav"
    start = time.perf_counter()
    fn(path)
    elapsed = time.perf_counter() - start
    return {"seconds": round(tts.read_wav_info(path).duration_s, 2), "synthesis_s": round(elapsed, 2)}


def run(fraud_type: str = "impersonate_authority") -> dict[str, Any]:
    settings = tts.load_tts_settings()
    text = tts.voice_warning_message(settings.centre_name, "王", "王阿姨", fraud_type)
    hanzi = hanzi_count(speech_text(text))
    result: dict[str, Any] = {"text": text, "hanzi": hanzi, "voice": settings.voice}
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as tmp:
        directory = Path(tmp)
        for audience in AUDIENCES:
            result[audience] = _measure(directory, audience, lambda path, a=audience: tts.synthesize_to_wav(
                text, path, audience=a, settings=settings))
        result["baseline"] = _measure(directory, "baseline", lambda path: tts.run_speech_process(
            tts.espeak_argv(OLD_VOICE, OLD_RATE, ["-w", str(path)]), tts.ssml_with_pauses(text, 0),
            settings.timeout_s))
    for key in (*AUDIENCES, "baseline"):
        result[key]["per_100_hanzi_s"] = round(result[key]["seconds"] / hanzi * 100, 1)
        result[key]["hanzi_per_s"] = round(hanzi / result[key]["seconds"], 2)
    result["elderly_vs_general"] = round(result["elderly"]["seconds"] / result["general"]["seconds"], 2)
    result["elderly_vs_baseline"] = round(result["elderly"]["seconds"] / result["baseline"]["seconds"], 2)
    return result


def main() -> None:
    result = run()
    rows = [(key, f"{result[key]['seconds']} s, {result[key]['per_100_hanzi_s']} s per 100 hanzi "
                  f"({result[key]['hanzi_per_s']} hanzi/s), synthesis {result[key]['synthesis_s']} s")
            for key in (*AUDIENCES, "baseline")]
    rows += [("elderly / general", str(result["elderly_vs_general"])),
             ("elderly / old sit/cmn at 165", str(result["elderly_vs_baseline"]))]
    print_table(f"speech: recorded warning, {result['hanzi']} hanzi, voice {result['voice']}", rows)
    write_result("speech", result)


if __name__ == "__main__":
    main()
