"""A test double of the NLU port: the real model, with chosen answers for chosen texts.

Other parts of the NLU (intents, a second problem, "too close to call") are built in parallel;
the dialogue is tested against the contract in nlu/types.py by scripting those fields here.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from handlers import NluPort
from nlu import Analysis, Classification


def sure(label: str, confidence: float = 0.9) -> Classification:
    ranking = ((label, confidence),) + tuple((other, 0.01) for other in ("union", "farmer", "women", "youth",
                                                                            "veteran", "other") if other != label)
    return Classification(label, confidence, ranking, abstain=False)


class ScriptedNlu(NluPort):
    """`rules` maps a piece of text to the Analysis fields a message containing it gets."""

    def __init__(self, real: NluPort, rules: dict[str, dict[str, Any]]) -> None:
        super().__init__(real.model)
        self.rules = rules
        self.seen: list[str] = []

    async def analyse(self, text: str) -> Analysis:
        self.seen.append(text)
        analysis = await super().analyse(text)
        for needle, fields in self.rules.items():
            if needle.lower() in text.lower():
                analysis = dataclasses.replace(analysis, **fields)
        return analysis


@dataclasses.dataclass(frozen=True, slots=True)
class CloseCall(Classification):
    """A classification whose top two are too close to call (the contract's `close` flag)."""

    close: bool = True


def close_call(first: str, second: str) -> CloseCall:
    rest = tuple((label, 0.02) for label in ("union", "farmer", "women", "youth", "veteran", "other")
                 if label not in (first, second))
    return CloseCall(first, 0.46, ((first, 0.46), (second, 0.44)) + rest, abstain=True)
