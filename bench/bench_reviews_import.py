"""Benchmark: `cxpulse import reviews FILE --source google-play` of a large Play Console
reviews export, through the command a user runs (a fresh process, wall clock).

The file is the Play Console's reviews report as documented (UTF-16 with its byte-order
mark, every column), written from the demo's review generator (cxpulse.demo.reviews:
English, Russian, Greek and Lithuanian texts, J-shaped stars, replies on about 45%).
`--no-language` leaves `Reviewer Language` empty, so each review's language is detected
(what an App Store or Google Business export costs). Measures the first import into a
fresh SQLite file and a second import of the same file (every review unchanged).

    .venv/bin/python bench/bench_reviews_import.py              # 50,000 reviews
    .venv/bin/python bench/bench_reviews_import.py --no-language
    .venv/bin/python bench/bench_reviews_import.py --quick      # 2,000 reviews
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _data import OUT  # noqa: E402
from bench_score_cli import cxpulse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

COLUMNS = ["Package Name", "App Version Code", "App Version Name", "Reviewer Language", "Device",
           "Review Submit Date and Time", "Review Submit Millis Since Epoch", "Review Last Update Date and Time",
           "Review Last Update Millis Since Epoch", "Star Rating", "Review Title", "Review Text",
           "Developer Reply Date and Time", "Developer Reply Millis Since Epoch", "Developer Reply Text", "Review Link"]
LINK = ("http://play.google.com/console/developers/5823170385916203/app/4973265117042711/user-feedback/"
        "review-details?reviewId=gp:AOqpT{}&corpus=PUBLIC_REVIEWS")


def write_play_export(path: Path, n: int, *, with_language: bool) -> None:
    """`n` reviews as the Play Console writes them, from the demo's generator."""
    from cxpulse.demo.reviews import generate_reviews

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    tickets = int(n / 0.06) + 100
    for k, rec in enumerate(generate_reviews(11, tickets=tickets)):
        if k == n:
            break
        r = rec.obj
        title, _, text = r.comment.partition("\n\n") if "\n\n" in r.comment else ("", "", r.comment)
        at = r.given_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        ms = str(int(r.given_at.timestamp() * 1000))
        reply_at = r.replied_at.strftime("%Y-%m-%dT%H:%M:%SZ") if r.replied_at else ""
        reply_ms = str(int(r.replied_at.timestamp() * 1000)) if r.replied_at else ""
        w.writerow(["com.nordlicht.app", "412", "4.12.0", r.language if with_language else "", "a52q", at, ms, at,
                    ms, r.score, title, text, reply_at, reply_ms, r.reply, LINK.format(f"{k:08d}")])
    path.write_bytes(buf.getvalue().encode("utf-16"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reviews", type=int, default=50_000)
    ap.add_argument("--quick", action="store_true", help="2,000 reviews")
    ap.add_argument("--no-language", action="store_true", help="empty Reviewer Language: detect each review's")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    n = 2_000 if a.quick else a.reviews
    a.out.mkdir(parents=True, exist_ok=True)
    src = a.out / f"reviews_play_{n}{'_nolang' if a.no_language else ''}.csv"
    if not src.exists():
        write_play_export(src, n, with_language=not a.no_language)
    db = a.out / "reviews-import.db"
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    args = ("import", "reviews", str(src), "--source", "google-play", "--account", "bench", "--db", str(db),
            "--format", "json")
    first = cxpulse(*args)
    again = cxpulse(*args)
    print(f"{'':24} {'seconds':>8} {'reviews/s':>10}")
    print(f"{'first import':24} {first:8.2f} {n / first:10,.0f}")
    print(f"{'again (all unchanged)':24} {again:8.2f} {n / again:10,.0f}")
    print(f"{n:,} reviews, {src.stat().st_size / 1e6:.1f} MB UTF-16, language "
          f"{'detected' if a.no_language else 'from the export'}; wall clock of the whole command")


if __name__ == "__main__":
    main()
