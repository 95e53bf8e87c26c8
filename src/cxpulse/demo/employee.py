"""The demo's employee survey answers (issue 17): what each agent answers, seeded, in their
language. Pure: `answer_for` picks from a Random; service/demo.py stores them through the
real survey (a round sent, each link answered)."""

from __future__ import annotations

import random

from cxpulse.surveys.employee import DEFAULT_QUESTIONS

ANSWER_SHARE = 0.8  # four agents in five answer
# What agents would change first, in the demo's four languages; several share words so the
# themes have something to find.
COMMENTS = {
    "en": ["The knowledge base is outdated and hard to search", "Fewer handoffs between groups",
           "Update the knowledge base articles on refunds", "The ticket tool freezes during peaks",
           "More training on the new billing system", ""],
    "ru": ["База знаний устарела, в ней трудно искать", "Меньше передач обращений между группами",
           "Обновить статьи базы знаний о возвратах", "Система тикетов зависает в часы пик",
           "Больше обучения по новой системе оплаты", ""],
    "el": ["Η βάση γνώσεων είναι παλιά και δύσκολη στην αναζήτηση", "Λιγότερες μεταβιβάσεις μεταξύ ομάδων",
           "Ενημέρωση των άρθρων της βάσης γνώσεων για τις επιστροφές", "Το σύστημα αιτημάτων κολλάει στις αιχμές",
           "Περισσότερη εκπαίδευση στο νέο σύστημα χρεώσεων", ""],
    "lt": ["Žinių bazė pasenusi ir joje sunku ieškoti", "Mažiau perdavimų tarp grupių",
           "Atnaujinti žinių bazės straipsnius apie grąžinimus", "Užklausų sistema stringa piko metu",
           "Daugiau mokymų apie naują atsiskaitymo sistemą", ""],
}


def answer_for(rng: random.Random, language: str) -> tuple[int, dict[str, int], str] | None:
    """(eNPS, ratings, comment) of one agent, or None when they do not answer. Workload and the
    knowledge base rate lowest; a low eNPS goes with low ratings."""
    if rng.random() > ANSWER_SHARE:
        return None
    mood = rng.random()
    enps = min(10, max(0, round(3 + 7 * mood + rng.gauss(0, 1.5))))
    base = {"tools": 3.4, "knowledge_base": 2.7, "workload": 2.5, "training": 3.3, "handoffs": 3.0}
    ratings = {q: min(5, max(1, round(base[q] + 1.6 * (mood - 0.5) + rng.gauss(0, 0.7)))) for q in DEFAULT_QUESTIONS}
    comment = rng.choice(COMMENTS.get(language, COMMENTS["en"]))
    return enps, ratings, comment
