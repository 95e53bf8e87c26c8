"""Language identification on short support-ticket lines: accuracy, µs per call, import
time and memory of each candidate library (issue 11 §4).

    .venv/bin/python bench/bench_langid.py            # every candidate that is installed
    .venv/bin/python bench/bench_langid.py --only cxpulse,py3langid

Candidates (each skipped with a note when not installed):
- cxpulse: `cxpulse.text.detect_language` of the tree on PYTHONPATH (run it on an old
  tree to see the old detector);
- lingua (lingua-language-detector), all 75 languages, high- and low-accuracy mode;
- py3langid, all 97 languages, and restricted to the languages cxpulse stems;
- simplemma's `langdetect` (it needs the candidate languages named) over the ten
  languages of the lines, and over all its 54 (slow: minutes).

The lines are bench/_langid_samples.py: 20 per language in 10 languages. Accuracy is
per language and overall; µs/call is the median of 5 passes over all lines after one
warm-up pass (lazily loaded models are loaded by then; `--passes`), plus one
1,000-character mail.
Import time and peak memory are measured in a fresh interpreter: import, build, detect
one line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _langid_samples import SAMPLES  # noqa: E402

LONG = (
    "Olá, boa tarde. Fiz uma compra no dia 3 e até agora o pedido não chegou. O rastreamento "
    "não mostra nada desde a semana passada e ninguém do atendimento responde. "
) * 6


def _cxpulse():
    from cxpulse import text

    clear = getattr(text, "_model_language", None)  # absent in the four-language detector
    clear = clear.cache_clear if clear is not None else (lambda: None)

    def detect(line: str) -> str:
        clear()  # no help from its cache of repeated lines
        return text.detect_language(line)

    return detect


def _lingua(low: bool):
    def build():
        from lingua import LanguageDetectorBuilder

        b = LanguageDetectorBuilder.from_all_languages()
        if low:
            b = b.with_low_accuracy_mode()
        det = b.build()

        def detect(text: str) -> str:
            lang = det.detect_language_of(text)
            return lang.iso_code_639_1.name.lower() if lang is not None else ""

        return detect

    return build


def _py3langid(restricted: bool):
    def build():
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        if restricted:
            from cxpulse.text import LANGUAGES

            ident.set_languages([c for c in LANGUAGES if c in set(ident.nb_classes)])

        def detect(text: str) -> str:
            return ident.classify(text)[0]

        return detect

    return build


def _simplemma(ten: bool):
    def build():
        from simplemma import langdetect
        from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

        langs = tuple(SAMPLES) if ten else tuple(sorted(SUPPORTED_LANGUAGES))

        def detect(text: str) -> str:
            best = langdetect(text, lang=langs)[0][0]
            return "" if best == "unk" else best

        return detect

    return build


CANDIDATES = {
    "cxpulse": ("cxpulse.text.detect_language (this tree)", _cxpulse),
    "lingua-high": ("lingua 2, 75 languages, high accuracy", _lingua(False)),
    "lingua-low": ("lingua 2, 75 languages, low accuracy", _lingua(True)),
    "py3langid": ("py3langid, 97 languages", _py3langid(False)),
    "py3langid-76": ("py3langid, cxpulse's 76 languages", _py3langid(True)),
    "simplemma-10": ("simplemma.langdetect, the 10 languages of the lines", _simplemma(True)),
    "simplemma": ("simplemma.langdetect, 54 languages", _simplemma(False)),
}


def _measure(key: str, passes_n: int = 5) -> dict:
    """In this (fresh) process: import + build + one call, then accuracy and speed."""
    import resource

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    detect = CANDIDATES[key][1]()
    detect("Meu pedido não chegou")
    first = time.perf_counter() - t0
    lines = [(lang, line) for lang, ls in SAMPLES.items() for line in ls]
    got = [detect(line) for _, line in lines]  # warm-up pass, and the answers
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    per_lang = {lang: sum(g == lang for (l2, _), g in zip(lines, got) if l2 == lang) for lang in SAMPLES}
    wrong = [f"{lang}→{g or '?'}: {line}" for (lang, line), g in zip(lines, got) if g != lang]
    passes = []
    by_lang: dict[str, list[float]] = {lang: [] for lang in SAMPLES}
    for _ in range(passes_n):
        t = time.perf_counter()
        for lang, line in lines:
            t1 = time.perf_counter()
            detect(line)
            by_lang[lang].append(time.perf_counter() - t1)
        passes.append((time.perf_counter() - t) / len(lines))
    t = time.perf_counter()
    for _ in range(4 * passes_n):
        detect(LONG)
    long_us = (time.perf_counter() - t) / (4 * passes_n) * 1e6
    return {
        "key": key, "per_lang": per_lang, "n": len(lines), "right": sum(per_lang.values()),
        "us": statistics.median(passes) * 1e6, "long_us": long_us, "first_s": first,
        "mb": (rss1 - rss0) / 1024, "wrong": wrong,
        "us_by_lang": {lang: statistics.median(ts) * 1e6 for lang, ts in by_lang.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated candidate keys: " + ",".join(CANDIDATES))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--wrong", action="store_true", help="list the misdetected lines")
    ap.add_argument("--passes", type=int, default=5, help="timed passes over the lines (default 5)")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child, args.passes)))
        return 0
    keys = args.only.split(",") if args.only else list(CANDIDATES)
    results = []
    for key in keys:
        proc = subprocess.run([sys.executable, __file__, "--child", key, "--passes", str(args.passes)],
                              capture_output=True, text=True)
        if proc.returncode:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{key}: skipped ({last})", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout))
    langs = list(SAMPLES)
    n = len(SAMPLES[langs[0]])
    head = ["detector", *langs, "all", "µs/line", "µs/1000 chars", "import+build s", "memory MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in results:
        cells = [CANDIDATES[r["key"]][0], *(f"{r['per_lang'][lang]}/{n}" for lang in langs),
                 f"{100 * r['right'] / r['n']:.1f}%", f"{r['us']:.0f}", f"{r['long_us']:.0f}",
                 f"{r['first_s']:.2f}", f"{r['mb']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    print("\nµs per line by language (median):\n")
    print("| detector | " + " | ".join(langs) + " |")
    print("|" + " --- |" * (len(langs) + 1))
    for r in results:
        print(f"| {r['key']} | " + " | ".join(f"{r['us_by_lang'][lang]:.0f}" for lang in langs) + " |")
    if args.wrong:
        for r in results:
            print(f"\n{r['key']}:")
            for w in r["wrong"]:
                print("  " + w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
