"""The demo's public reviews: a year of app-store, Trustpilot and Google reviews per account.

`generate_reviews(seed)` yields, for each demo account, about one review per 16 tickets
(`REVIEWS_PER_TICKET`) as responses of kind `review`, on its own random stream, so the help
desk `generate` gives stays the same. Each account's sources suit its trade (an online shop
on both app stores, Trustpilot and Google; a travel agency on Trustpilot and Google…).

- Times follow the account's seasons over the same twelve months as its tickets.
- Stars follow the account's satisfaction as it drifts through the year (the same target,
  wave and trend as its CSAT), through a wide latent spread: reviewers are the delighted
  and the angry more than the middle, so 5 and 1 stars are the most common.
- Languages are the account's customers' and, for one review in eight, one of the other
  demo languages (visitors, expatriates): every account has reviews in all four.
- A 1–2-star review complains about a category of the account (late delivery, refund,
  crashes…), so the drill-down finds its themes; 3 stars is a "yes, but".
- The company replies to most low reviews within hours and to some good ones within days;
  a reply that would come after the end day has not come yet.
- Google Play and Trustpilot give the review's language; the App Store and Google do not,
  so it is detected, as when importing those exports.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from random import Random

from cxpulse.demo.clock import HOUR, YEAR, dt
from cxpulse.demo.people import _person
from cxpulse.demo.profiles import DEMO_END, PROFILES, Profile
from cxpulse.demo.review_texts import REVIEW_TEXTS
from cxpulse.demo.texts import LANGUAGES
from cxpulse.readers.base import Record
from cxpulse.readers.reviews import review

__all__ = ["REVIEWS_PER_TICKET", "SOURCES", "generate_reviews"]

REVIEWS_PER_TICKET = 0.06
SOURCES = {
    "nordlicht": (("google-play", 0.35), ("app-store", 0.2), ("trustpilot", 0.3), ("google-business", 0.15)),
    "aegean-travel": (("trustpilot", 0.45), ("google-business", 0.4), ("app-store", 0.15)),
    "polar-soft": (("google-play", 0.4), ("app-store", 0.3), ("trustpilot", 0.3)),
}
GIVES_LANGUAGE = {"google-play", "trustpilot"}
HAS_TITLE = {"app-store": 1.0, "trustpilot": 0.8, "google-play": 0.2, "google-business": 0.0}
VISITORS = 0.125  # reviews in one of the other demo languages
SPREAD = 1.6  # of the latent satisfaction behind the stars: reviewers are the extremes
CUTS = (-0.4, 0.3, 0.9, 1.6)  # latent → 1…5 stars
REPLY = {1: 0.75, 2: 0.7, 3: 0.5, 4: 0.3, 5: 0.35}  # how often the company answers, by stars


def generate_reviews(seed: int = 7, *, tickets: int = 20_000, end: date = DEMO_END) -> Iterator[Record]:
    """The demo accounts' public reviews as Records naming their account; same seed, tickets
    and end, same reviews."""
    from cxpulse.demo.generate import _split

    for p, n in zip(PROFILES, _split(tickets, [x.share for x in PROFILES])):
        yield from _account_reviews(p, max(12, round(n * REVIEWS_PER_TICKET)), seed, end)


def _account_reviews(p: Profile, n: int, seed: int, end: date) -> Iterator[Record]:
    rng = Random(f"cxpulse-demo/{seed}/{p.name}/reviews")
    end_ts = datetime.combine(end + timedelta(days=1), time(0), UTC).timestamp()
    start_ts = end_ts - YEAR
    sources, source_w = zip(*SOURCES.get(p.name, (("trustpilot", 1.0),)))
    langs, lang_w = zip(*p.languages)
    others = [lang for lang in LANGUAGES if lang not in langs]
    cats, cat_w = zip(*p.categories)
    base = math.log(p.target_csat / (1 - p.target_csat))
    peak = max(p.season)
    times: list[float] = []
    while len(times) < n:  # the account's seasons, by rejection
        ts = rng.uniform(start_ts, end_ts)
        if rng.random() * peak <= p.season[dt(ts).month - 1]:
            times.append(float(int(ts)))  # whole seconds, as the exports give them
    for k, ts in enumerate(sorted(times), start=1):
        frac = (ts - start_ts) / YEAR
        mood = base + p.drift * math.sin(2 * math.pi * frac + p.drift_phase) + p.trend * (frac - 0.5)
        latent = mood + rng.gauss(0, SPREAD)
        stars = 1 + sum(latent > cut for cut in CUTS)
        source = rng.choices(sources, source_w)[0]
        lang = rng.choice(others) if others and rng.random() < VISITORS else rng.choices(langs, lang_w)[0]
        bank = REVIEW_TEXTS[lang]
        if stars >= 4:
            text = " ".join(rng.sample(bank["praise"], rng.choice((1, 1, 2))))
            title = rng.choice(bank["title_good"])
        elif stars == 3:
            text, title = rng.choice(bank["mixed"]), ""
        else:
            text = rng.choice(bank["complaint"][rng.choices(cats, cat_w)[0]])
            if rng.random() < 0.3:
                text += " " + rng.choice(bank["complaint"]["complaint"])
            title = rng.choice(bank["title_bad"])
        if rng.random() >= HAS_TITLE[source]:
            title = ""
        first, last = _person(rng, lang, rng.random() < 0.5)
        reply, replied = "", None
        if rng.random() < REPLY[stars]:
            wait = rng.lognormvariate(math.log(8 if stars <= 2 else 30), 0.9) * HOUR
            if ts + wait < end_ts:
                reply = rng.choice(bank["reply_bad" if stars <= 2 else "reply_good"])
                replied = dt(ts + wait)
        obj = review(
            source=source, native_id=f"{p.prefix}-R{k:05d}", given_at=dt(ts), score=stars, title=title, text=text,
            author=f"{first} {last[:1]}." if last else first,
            language_code=lang if source in GIVES_LANGUAGE else "", reply=reply, replied_at=replied,
        )
        yield Record("response", obj, account=p.name)
