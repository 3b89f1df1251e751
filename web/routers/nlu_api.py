"""`POST /model/parse` in Rasa's shape, so tools written for Rasa can call our NLU."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from web.deps import CoreDep
from web.ratelimit import client_address, limits_of

router = APIRouter(tags=["nlu"])


class ParseIn(BaseModel):
    text: str = Field(max_length=10_000)


@router.post("/model/parse")
async def parse(request: Request, core: CoreDep, body: ParseIn) -> dict[str, Any]:
    limits_of(request).parse_address.hit(client_address(request))
    analysis = await core.nlu.analyse(body.text)
    cls, loc = analysis.classification, analysis.location
    entities: list[dict[str, Any]] = []
    for entity, value, code in (("province", loc.province, loc.province_code), ("commune", loc.commune, loc.commune_code)):
        if value:
            entities.append({"entity": entity, "value": value, "code": code, "extractor": "LangNgheGazetteer"})
    return {
        "text": body.text,
        "intent": {"name": cls.label, "confidence": cls.confidence},
        "intent_ranking": [{"name": name, "confidence": p} for name, p in cls.ranking],
        "entities": entities,
        "urgent": analysis.urgent,
        "abstain": cls.abstain,
    }
