"""What a button carries back, as one typed codec (in the spirit of aiogram's CallbackData).

Every button value is `prefix:field:field`, built by `pack()` and read by `parse()`. Button data
comes from the outside world (a stale keyboard, an old release, a hand-made Telegram callback), so
`parse` never raises: anything it cannot read is None and the dialogue answers kindly.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from handlers.tracking import ALPHABET
from nlu import LABELS

SEP = ":"
MAX_BYTES = 64  # Telegram's limit for callback_data
_CODE = re.compile(rf"LN-[{ALPHABET}]{{6}}")


def _tracking_code(value: str) -> str:
    if not _CODE.fullmatch(value):
        raise ValueError(f"not a tracking code: {value!r}")
    return value


TrackingCode = Annotated[str, AfterValidator(_tracking_code)]   # a button naming a case carries a real code
_REGISTRY: dict[str, type[ButtonData]] = {}


class ButtonData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    prefix: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not cls.prefix or SEP in cls.prefix or cls.prefix in _REGISTRY:
            raise TypeError(f"{cls.__name__} needs its own prefix without {SEP!r}")
        _REGISTRY[cls.prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for name in type(self).model_fields:
            value = str(getattr(self, name))
            if SEP in value:
                raise ValueError(f"{name}={value!r} holds the separator {SEP!r}")
            parts.append(value)
        packed = SEP.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"button data longer than {MAX_BYTES} bytes: {packed!r}")
        return packed

    @classmethod
    def unpack(cls, data: str) -> ButtonData:
        """The typed value of `data`; ValueError when it is not one of ours."""
        prefix, *values = data.split(SEP)
        names = list(cls.model_fields)
        if prefix != cls.prefix or len(values) != len(names):
            raise ValueError(f"not a {cls.__name__}: {data!r}")
        return cls.model_validate(dict(zip(names, values, strict=True)))


def parse(data: str | None) -> ButtonData | None:
    """The button behind `data`, or None for anything unknown or malformed."""
    if not data:
        return None
    kind = _REGISTRY.get(data.partition(SEP)[0])
    if kind is None:
        return None
    try:
        return kind.unpack(data)
    except (ValueError, ValidationError):
        return None


class Consent(ButtonData):
    prefix = "consent"
    answer: Literal["yes", "no"]


class Domain(ButtonData):
    prefix = "domain"
    label: str

    @field_validator("label")
    @classmethod
    def known(cls, value: str) -> str:
        if value not in LABELS:
            raise ValueError(f"unknown domain {value!r}")
        return value


class Skip(ButtonData):
    prefix = "skip"
    question: Literal["province", "commune"]


class ContactWay(ButtonData):
    prefix = "contact"
    way: Literal["chat", "anonymous"]


class Confirm(ButtonData):
    prefix = "confirm"
    action: Literal["send", "edit", "cancel"]


class SecondCase(ButtonData):
    """'File the second problem as its own case too?'"""

    prefix = "second"
    answer: Literal["yes", "no"]


class Rate(ButtonData):
    prefix = "rate"
    code: TrackingCode
    stars: int

    @field_validator("stars", mode="before")
    @classmethod
    def one_to_five(cls, value: object) -> object:
        # Only the ASCII digits 1-5: '²' or '٣' pass str.isdigit() but are no rating.
        if isinstance(value, bool) or str(value) not in {"1", "2", "3", "4", "5"}:
            raise ValueError(f"a rating is 1 to 5, not {value!r}")
        return int(str(value))


class Erase(ButtonData):
    """'Delete everything you hold about me?' (issue 9: the citizen's right to erasure)."""

    prefix = "erase"
    answer: Literal["yes", "no"]


class Publish(ButtonData):
    """'Show this case's progress on the public page?' (issue 10): yes, or no / take it back."""

    prefix = "publish"
    code: TrackingCode
    answer: Literal["yes", "no"]


class Reopen(ButtonData):
    """'Not fixed': the citizen reopens a resolved case (issue 9.6); the reason is asked next."""

    prefix = "reopen"
    code: TrackingCode
