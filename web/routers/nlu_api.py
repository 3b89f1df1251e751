"""`POST /model/parse` in Rasa's shape (its OpenAPI `ParseResult`), so tools written for Rasa can
call our NLU: entities carry `start`/`end` in the text as sent, a normalised value names the
processors that changed it, and an empty text has no intent (name null, confidence 0), as Rasa's
own interpreter answers."""
from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import AfterValidator, BaseModel, Field

from handlers import place_entities
from web.deps import CoreDep
from web.ratelimit import client_address, limits_of

router = APIRouter(tags=["nlu"])


def _unicode(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return text


class ParseIn(BaseModel):
    text: Annotated[str, AfterValidator(_unicode)] = Field(max_length=10_000)


@router.post("/model/parse")
async def parse(request: Request, core: CoreDep, body: ParseIn) -> dict[str, Any]:
    limits_of(request).parse_address.hit(client_address(request))
    if not body.text.strip():
        return {"text": body.text, "intent": {"name": None, "confidence": 0.0}, "intent_ranking": [],
                "entities": [], "urgent": False, "abstain": True}
    analysis = await core.nlu.analyse(body.text)
    cls = analysis.classification
    return {
        "text": body.text,
        "intent": {"name": cls.label, "confidence": cls.confidence},
        "intent_ranking": [{"name": name, "confidence": p} for name, p in cls.ranking],
        "entities": await asyncio.to_thread(place_entities, body.text, analysis.location),
        "urgent": analysis.urgent,
        "abstain": cls.abstain,
    }
