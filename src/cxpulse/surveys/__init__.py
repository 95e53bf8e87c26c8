"""Asking customers: survey definitions, translations, signed links, timing rules and
the invitation email. Pure — no database, no network; `cxpulse.service.surveys` wires
these to storage and SMTP, `cxpulse.web` to the pages."""

from __future__ import annotations

from cxpulse.surveys.definitions import (
    ATTRIBUTES,
    DEFAULT_REASONS,
    KINDS,
    LANGUAGES,
    REASONS,
    SCALES,
    Survey,
    validate,
)
from cxpulse.surveys.emails import Email, render_invitation
from cxpulse.surveys.i18n import (
    Messages,
    attribute_text,
    pick_language,
    question,
    reason_choices,
    reason_text,
    scale_anchors,
    score_descriptions,
    score_labels,
    texts,
)
from cxpulse.surveys.rules import COMMENT_MAX, REPLACE_WINDOW, clean_comment, click_outcome
from cxpulse.surveys.tokens import Claims, sign, sign_link, verify, verify_link

__all__ = [
    "ATTRIBUTES",
    "COMMENT_MAX",
    "DEFAULT_REASONS",
    "KINDS",
    "LANGUAGES",
    "REASONS",
    "REPLACE_WINDOW",
    "SCALES",
    "Claims",
    "Email",
    "Messages",
    "Survey",
    "attribute_text",
    "clean_comment",
    "click_outcome",
    "pick_language",
    "question",
    "reason_choices",
    "reason_text",
    "render_invitation",
    "scale_anchors",
    "score_descriptions",
    "score_labels",
    "sign",
    "sign_link",
    "texts",
    "validate",
    "verify",
    "verify_link",
]
