"""The report a citizen is writing, as one typed and versioned value.

The draft lives as JSON in `conversation.draft`, so a restart or another worker continues where
the citizen was. Only `Turn` reads and writes it (through `load` and `dump`); everything else
sees attributes, so a misspelt key is a type error rather than a silent None.

Versions: 1 is the untyped dict of the first release (no "v" key), 2 is this model. They share
their key names; 2 adds the danger, second-problem and follow-up fields. A draft that no longer
validates (an old bug, a hand edit) loses only its broken fields, never the whole conversation.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from nlu import LABELS

VERSION = 2
log = logging.getLogger(__name__)

Contact = Literal["phone", "chat", "anonymous"]


def _label(value: str | None) -> str | None:
    if value is not None and value not in LABELS:
        raise ValueError(f"unknown domain {value!r}")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class NluGuess(_Frozen):
    """What the classifier said about the whole description, kept for the case and for training."""

    label: str
    confidence: float = 0.0
    ranking: tuple[tuple[str, float], ...] = ()
    abstain: bool = False
    close: bool = False  # the top two are too close to call: the domain question names both


class SecondProblem(_Frozen):
    """A second problem for another body, found in the same story."""

    label: str
    confidence: float = 0.0
    check_label = field_validator("label")(_label)


class SecondOffer(_Frozen):
    """After the first case is filed: what a second case would start from, if the citizen wants it."""

    label: str
    confidence: float = 0.0
    code: str                       # the first case, so staff can see the two belong together
    description: str
    province: str | None = None
    old_province: str | None = None
    commune: str | None = None
    province_skipped: bool = False
    commune_skipped: bool = False
    contact: Contact | None = None
    phone: str | None = None
    check_label = field_validator("label")(_label)


class Draft(_Frozen):
    v: int = VERSION
    # before consent: what the citizen wrote, waiting until they agree
    pending: str | None = None
    first_message_id: int | None = None
    # the report
    description: str = ""
    nlu: NluGuess | None = None
    domain: str | None = None
    domain_by: Literal["nlu", "citizen"] | None = None
    province: str | None = None
    old_province: str | None = None
    commune: str | None = None
    province_skipped: bool = False
    commune_skipped: bool = False
    contact: Contact | None = None
    phone: str | None = None
    urgent: bool = False
    # version 2
    danger_shown: bool = False            # the emergency numbers were given for this story
    second: SecondProblem | None = None   # noticed while drafting, offered after filing
    offer: SecondOffer | None = None      # offered: waiting for "file it too" or "no"
    split_from: str | None = None         # this report is the second part of that case
    follow_case: str | None = None        # an urgent case filed early: answers now complete it
    latitude: float | None = None         # a location the citizen shared (the place came from it)
    longitude: float | None = None
    photos: int = 0                       # photos sent with this report
    reopen_case: str | None = None        # issue 9.6: "not fixed" pressed, the reason is awaited
    feedback_case: str | None = None      # issue 9.6: rated 1-2, "what was not right?" is awaited

    check_domain = field_validator("domain")(_label)


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older draft to the current version's shape."""
    version = data.pop("v", 1)
    if version == 1:
        # Version 1 wrote the same keys as version 2 (ranking as JSON lists, which validate as tuples).
        return data
    return data


def load(raw: Mapping[str, Any] | None) -> Draft:
    data = _upgrade(dict(raw or {}))
    try:
        return Draft.model_validate(data)
    except ValidationError as exc:
        broken = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
        log.warning("draft fields dropped as invalid: %s", sorted(broken))
        kept = {key: value for key, value in data.items() if key not in broken}
        try:
            return Draft.model_validate(kept)
        except ValidationError:
            return Draft()


def dump(draft: Draft) -> dict[str, Any]:
    """JSON for the conversation row: only what differs from an empty draft, plus the version."""
    data = draft.model_dump(mode="json", exclude_defaults=True)
    data.pop("v", None)
    return {"v": VERSION, **data} if data else {}
