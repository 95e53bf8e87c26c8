"""QA scorecards: the criteria a reviewer scores a ticket on, and the default eight.

A `Scorecard` is a named, versioned list of `Criterion`; a review keeps the version it was
made on, so editing a scorecard never changes old scores. The math on them (review score,
IQS, agreement) lives in `cxpulse.metrics.qa`; this module only says what a scorecard is.

Files (TOML or JSON) come in through `scorecard_from_mapping`, the one gate: it names
every bad field with the value given and the fix, all at once, so a user edits the file
once rather than once per error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from numbers import Real
from typing import Any

from cxpulse.domain.errors import CxpulseError

__all__ = [
    "DEFAULT_SCORECARD",
    "LANGUAGES",
    "Criterion",
    "CriterionScale",
    "Scorecard",
    "ScorecardError",
    "scorecard_from_mapping",
]

LANGUAGES = ("en", "ru", "el", "lt")  # every default wording exists in these
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ScorecardError(CxpulseError, ValueError):
    """A scorecard file or value that cannot be used; the message lists each bad field and its fix."""


class CriterionScale(StrEnum):
    """How a criterion is scored. Pass/fail: True (pass) or False (fail); 1-4: 1 worst … 4 best."""

    PASS_FAIL = "pass_fail"
    ONE_TO_FOUR = "1-4"


@dataclass(frozen=True)
class Criterion:
    """One thing a reviewer judges: its key, wording per language, weight and scale.

    `labels` and `questions` map a language code to the short name and to the question a
    reviewer answers. `critical`: failing it (pass/fail: fail; 1-4: a 1 or a 2) makes the
    whole review score 0. `na_allowed`: the reviewer may mark it "not applicable", and it
    then counts in neither the points earned nor the points possible.
    """

    key: str
    labels: Mapping[str, str]
    questions: Mapping[str, str] = field(default_factory=dict)
    weight: float = 1.0
    scale: CriterionScale = CriterionScale.ONE_TO_FOUR
    na_allowed: bool = True
    critical: bool = False

    def __post_init__(self) -> None:
        problems = _criterion_problems(
            "criterion", {"key": self.key, "labels": self.labels, "questions": self.questions,
                          "weight": self.weight, "scale": str(self.scale), "na_allowed": self.na_allowed,
                          "critical": self.critical})
        if problems:
            raise ScorecardError("; ".join(problems))
        object.__setattr__(self, "scale", CriterionScale(self.scale))
        object.__setattr__(self, "weight", float(self.weight))

    def label(self, language: str = "en") -> str:
        """The criterion's name in `language`, falling back to English, then to its key."""
        return self.labels.get(language) or self.labels.get("en") or self.key

    def question(self, language: str = "en") -> str:
        """The reviewer's question in `language`, falling back to English, then to the label."""
        return self.questions.get(language) or self.questions.get("en") or self.label(language)


@dataclass(frozen=True)
class Scorecard:
    """A named, versioned list of criteria; the keys are unique within it."""

    name: str
    version: int
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        problems = []
        if not isinstance(self.name, str) or not self.name.strip():
            problems.append(f"name: must be a non-empty text, got {self.name!r} — give the scorecard a name")
        if not _is_int(self.version) or self.version < 1:
            problems.append(f"version: must be a whole number >= 1, got {self.version!r} — start at version = 1")
        if not self.criteria:
            problems.append("criteria: the scorecard has none — add at least one criterion")
        keys = [c.key for c in self.criteria]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(f"criteria: key {key!r} appears {keys.count(key)} times — give each criterion its own key")
        if problems:
            raise ScorecardError("; ".join(problems))

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.criteria)

    def criterion(self, key: str) -> Criterion:
        """The criterion named `key`; a KeyError lists the keys there are."""
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(f"no criterion {key!r} on scorecard {self.name!r} v{self.version}; "
                       f"it has {', '.join(self.keys)}")

    def to_mapping(self) -> dict[str, Any]:
        """The scorecard as plain data (the shape `scorecard_from_mapping` reads back)."""
        return {
            "name": self.name,
            "version": self.version,
            "criteria": [
                {"key": c.key, "labels": dict(c.labels), "questions": dict(c.questions), "weight": c.weight,
                 "scale": c.scale.value, "na_allowed": c.na_allowed, "critical": c.critical}
                for c in self.criteria
            ],
        }


CRITERION_FIELDS = ("key", "labels", "questions", "weight", "scale", "na_allowed", "critical")
SCORECARD_FIELDS = ("name", "version", "criteria")


def scorecard_from_mapping(data: Mapping[str, Any]) -> Scorecard:
    """Build a Scorecard from parsed TOML/JSON, or raise ScorecardError naming every bad field.

    Shape (TOML): `name`, `version` (default 1), and one `[[criteria]]` table per criterion
    with `key`, `labels` (language → name, at least one), optional `questions`
    (language → reviewer's question), `weight` (> 0, default 1), `scale` ("1-4" default,
    or "pass_fail"), `na_allowed` (default true) and `critical` (default false).

    >>> card = scorecard_from_mapping({"name": "Chat", "criteria": [
    ...     {"key": "tone", "labels": {"en": "Tone"}, "weight": 2, "scale": "pass_fail"}]})
    >>> card.version, card.criteria[0].weight, card.criteria[0].scale.value
    (1, 2.0, 'pass_fail')
    >>> try:
    ...     scorecard_from_mapping({"name": "Chat", "criteria": [
    ...         {"key": "tone", "labels": {"en": "Tone"}, "weight": 0}]})
    ... except ScorecardError as e:
    ...     print(e)
    criteria[0].weight: must be a number > 0, got 0 — set weight = 1, or more for what matters more
    """
    if not isinstance(data, Mapping):
        raise ScorecardError(f"a scorecard must be a table (mapping), got {type(data).__name__} — "
                             "write name = …, version = …, and [[criteria]] tables")
    problems = [f"{name}: unknown field — the fields are {', '.join(SCORECARD_FIELDS)}"
                for name in data if name not in SCORECARD_FIELDS]
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"name: must be a non-empty text, got {name!r} — add name = \"…\"")
    version = data.get("version", 1)
    if not _is_int(version) or version < 1:
        problems.append(f"version: must be a whole number >= 1, got {version!r} — start at version = 1")
    raw = data.get("criteria")
    criteria: list[Criterion] = []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes) or not raw:
        problems.append(f"criteria: must be a non-empty list of tables, got {raw!r} — "
                        "add one [[criteria]] table per criterion")
    else:
        seen: dict[str, int] = {}
        for i, item in enumerate(raw):
            where = f"criteria[{i}]"
            if not isinstance(item, Mapping):
                problems.append(f"{where}: must be a table, got {item!r} — write it as a [[criteria]] table")
                continue
            item_problems = _criterion_problems(where, item)
            key = item.get("key")
            if isinstance(key, str) and key in seen:
                item_problems.append(f"{where}.key: {key!r} is already criteria[{seen[key]}]'s key — "
                                     "give each criterion its own key")
            elif isinstance(key, str):
                seen[key] = i
            problems += item_problems
            if not item_problems:
                criteria.append(Criterion(
                    key=item["key"], labels=dict(item["labels"]), questions=dict(item.get("questions", {})),
                    weight=float(item.get("weight", 1)), scale=CriterionScale(item.get("scale", "1-4")),
                    na_allowed=item.get("na_allowed", True), critical=item.get("critical", False)))
    if problems:
        raise ScorecardError("; ".join(problems))
    return Scorecard(name=name.strip(), version=int(version), criteria=tuple(criteria))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _criterion_problems(where: str, item: Mapping[str, Any]) -> list[str]:
    """Every problem of one criterion's fields, each naming the field and the fix."""
    problems = [f"{where}.{name}: unknown field — the fields are {', '.join(CRITERION_FIELDS)}"
                for name in item if name not in CRITERION_FIELDS]
    key = item.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(f"{where}.key: must be lower-case letters, digits or _ starting with a letter (at most 64), "
                        f"got {key!r} — e.g. key = \"politeness\"")
    for name, required in (("labels", True), ("questions", False)):
        texts = item.get(name, None if required else {})
        if not isinstance(texts, Mapping) or (required and not texts):
            need = "at least one language" if required else "language codes"
            problems.append(f"{where}.{name}: must be a table of {need} → text, got {texts!r} — "
                            f"e.g. {name}.en = \"…\"")
            continue
        for lang, text in texts.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?", lang):
                problems.append(f"{where}.{name}: {lang!r} is not a language code — "
                                "use codes such as en, ru, el, lt, pt-BR")
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}.{name}.{lang}: must be a non-empty text, got {text!r} — "
                                "write the wording or drop the language")
    weight = item.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, Real) or not math.isfinite(weight) or weight <= 0:
        problems.append(f"{where}.weight: must be a number > 0, got {weight!r} — "
                        "set weight = 1, or more for what matters more")
    scale = item.get("scale", "1-4")
    if scale not in {s.value for s in CriterionScale}:
        allowed = ", ".join(f'"{s.value}"' for s in CriterionScale)
        problems.append(f"{where}.scale: unknown scale {scale!r} — use one of {allowed}")
    for flag in ("na_allowed", "critical"):
        if flag in item and not isinstance(item[flag], bool):
            problems.append(f"{where}.{flag}: must be true or false, got {item[flag]!r}")
    return problems


def _criterion(key: str, weight: float, *, critical: bool = False, **wordings: tuple[str, str]) -> Criterion:
    """A default criterion on the 1-4 scale with N/A allowed; wordings: language=(label, question)."""
    return Criterion(key=key, weight=weight, critical=critical,
                     labels={lang: label for lang, (label, _) in wordings.items()},
                     questions={lang: question for lang, (_, question) in wordings.items()})


# The eight service criteria of DESIGN.md, on the 1-4 scale (no neutral middle, as Zendesk QA
# advises for a decisive grade), N/A allowed. Competence, integrity and efficiency decide
# whether the customer's problem is solved at all, so they weigh 2; the others weigh 1.
DEFAULT_SCORECARD = Scorecard(
    name="Service quality",
    version=1,
    criteria=(
        _criterion(
            "speed", 1,
            en=("Speed", "Did the agent reply promptly and move the ticket on without needless waits?"),
            ru=("Скорость", "Ответил ли сотрудник быстро и продвигал ли обращение без лишних задержек?"),
            el=("Ταχύτητα", "Απάντησε ο εκπρόσωπος έγκαιρα και προώθησε το αίτημα χωρίς περιττές καθυστερήσεις;"),
            lt=("Greitis", "Ar darbuotojas atsakė laiku ir sprendė užklausą be nereikalingo delsimo?"),
        ),
        # Critical: an answer that is wrong, misleading or contradicts what the customer was
        # told before harms them however fast and polite it was, and a later review cannot
        # undo it. So a 1 or 2 here (the customer was told something untrue) scores the review 0,
        # as Zendesk QA does for a critical category rated below 50%.
        _criterion(
            "integrity", 2, critical=True,
            en=("Integrity", ("Was everything the agent said accurate, honest and consistent with earlier answers "
                "and policy?")),
            ru=("Честность и точность", ("Было ли всё, что сказал сотрудник, точным, честным и согласованным "
                "с прежними ответами и правилами компании?")),
            el=("Ακεραιότητα", ("Ήταν όλα όσα είπε ο εκπρόσωπος ακριβή, ειλικρινή και συνεπή με τις προηγούμενες "
                "απαντήσεις και την πολιτική της εταιρείας;")),
            lt=("Sąžiningumas", ("Ar viskas, ką pasakė darbuotojas, buvo tikslu, sąžininga ir suderinta "
                "su ankstesniais atsakymais bei įmonės taisyklėmis?")),
        ),
        _criterion(
            "competence", 2,
            en=("Competence", "Did the agent understand the issue and give a correct, complete solution?"),
            ru=("Компетентность", "Понял ли сотрудник суть проблемы и предложил ли правильное и полное решение?"),
            el=("Επάρκεια", "Κατάλαβε ο εκπρόσωπος το πρόβλημα και έδωσε σωστή και πλήρη λύση;"),
            lt=("Kompetencija", "Ar darbuotojas suprato problemą ir pasiūlė teisingą bei išsamų sprendimą?"),
        ),
        _criterion(
            "politeness", 1,
            en=("Politeness", "Was the agent courteous and respectful throughout, in tone as well as in words?"),
            ru=("Вежливость", ("Был ли сотрудник вежлив и уважителен на протяжении всего общения — и по тону, "
                "и по словам?")),
            el=("Ευγένεια", ("Ήταν ο εκπρόσωπος ευγενικός και έδειξε σεβασμό σε όλη τη συνομιλία, τόσο στο ύφος "
                "όσο και στα λόγια του;")),
            lt=("Mandagumas", "Ar darbuotojas visą laiką buvo mandagus ir pagarbus – tiek tonu, tiek žodžiais?"),
        ),
        _criterion(
            "convenience", 1,
            en=("Convenience", ("Did the agent make it easy for the customer: no repeating themselves, "
                "clear next steps, help in the channel they chose?")),
            ru=("Удобство", ("Было ли клиенту удобно: не пришлось ли повторять одно и то же, понятны ли "
                "дальнейшие шаги, помогли ли ему в выбранном им канале?")),
            el=("Ευκολία", ("Έκανε ο εκπρόσωπος τα πράγματα εύκολα για τον πελάτη: χωρίς να χρειαστεί να επαναλάβει "
                "τα ίδια, με σαφή επόμενα βήματα, στο κανάλι που επέλεξε;")),
            lt=("Patogumas", ("Ar klientui buvo patogu: nereikėjo kartoti to paties, tolesni žingsniai buvo aiškūs, "
                "pagalba suteikta jo pasirinktu kanalu?")),
        ),
        _criterion(
            "personalisation", 1,
            en=("Personalisation", ("Did the agent address the customer's own situation and history rather than "
                "send a generic template?")),
            ru=("Индивидуальный подход", ("Учёл ли сотрудник ситуацию клиента и историю его обращений, а не ответил "
                "шаблоном?")),
            el=("Εξατομίκευση", ("Έλαβε υπόψη ο εκπρόσωπος την περίπτωση και το ιστορικό του πελάτη αντί να απαντήσει "
                "με ένα γενικό πρότυπο;")),
            lt=("Individualus požiūris", ("Ar darbuotojas atsižvelgė į kliento situaciją ir ankstesnius kreipimusis, "
                "o ne atsakė šablonu?")),
        ),
        _criterion(
            "empathy", 1,
            en=("Empathy", "Did the agent acknowledge how the customer felt and show they understood the impact?"),
            ru=("Эмпатия", ("Признал ли сотрудник чувства клиента и показал ли, что понимает, как проблема на него "
                "повлияла?")),
            el=("Ενσυναίσθηση", ("Αναγνώρισε ο εκπρόσωπος τα συναισθήματα του πελάτη και έδειξε ότι κατάλαβε πώς "
                "τον επηρέασε το πρόβλημα;")),
            lt=("Empatija", ("Ar darbuotojas pripažino kliento jausmus ir parodė, kad supranta, kaip problema jį "
                "paveikė?")),
        ),
        _criterion(
            "efficiency", 2,
            en=("Efficiency", ("Was the issue resolved in as few exchanges as possible, without needless "
                "back-and-forth or transfers?")),
            ru=("Эффективность", ("Был ли вопрос решён за минимальное число сообщений, без лишней переписки и "
                "переводов на других сотрудников?")),
            el=("Αποτελεσματικότητα", ("Επιλύθηκε το ζήτημα με όσο το δυνατόν λιγότερα μηνύματα, χωρίς περιττά "
                "πήγαινε-έλα ή μεταφορές σε άλλους;")),
            lt=("Veiksmingumas", ("Ar klausimas buvo išspręstas per kuo mažiau žinučių, be nereikalingo susirašinėjimo "
                "ir peradresavimų?")),
        ),
    ),
)
