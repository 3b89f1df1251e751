"""Lắng Nghe NLU: route a citizen message to one of six bodies, find where, flag danger.

Pure and synchronous (imports nothing from bot/handlers/storage/web).

    import nlu
    nlu.train("nlu/data", nlu.DEFAULT_MODEL_PATH)
    model = nlu.load(nlu.DEFAULT_MODEL_PATH)
    a = model.analyse("cty no luong 3 thang o Binh Duong")
    a.classification.label, a.location.province, a.urgent
    a.intent, a.abusive        # "report" unless greeting/thanks/chitchat/bot_question/abuse
    a.second                   # Classification of a second problem for another body, or None
    a.location.district, a.location.landmark   # "Huyện Yên Phong", "KCN Quế Võ" as the citizen named them
"""
from __future__ import annotations

from pathlib import Path

from .model import NLU, load
from .train import TrainReport, train
from .types import INTENTS, LABELS, Analysis, Classification, Location, ModelMissingError, Urgency

__all__ = [
    "LABELS",
    "INTENTS",
    "Urgency",
    "Classification",
    "Location",
    "Analysis",
    "NLU",
    "TrainReport",
    "ModelMissingError",
    "DEFAULT_MODEL_PATH",
    "DEFAULT_DATA_DIR",
    "provinces",
    "load",
    "train",
]

DEFAULT_MODEL_PATH: Path = Path(__file__).parent / "model" / "model.bin"
DEFAULT_DATA_DIR: Path = Path(__file__).parent / "data"


def provinces() -> list[tuple[str, int]]:
    """The 34 provinces as (canonical name, code), in the official order (by code)."""
    from .gazetteer import gazetteer

    return [(p.name, p.code) for p in gazetteer().provinces]
