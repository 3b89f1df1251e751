"""`POST /model/parse` answers in Rasa's shape, so tools written for Rasa can call it."""
from __future__ import annotations

import httpx


async def test_model_parse_answers_like_rasa(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as client:
        response = await client.post("/model/parse", json={"text": "cty no luong 3 thang o binh duong"})
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "cty no luong 3 thang o binh duong"
    assert body["intent"]["name"] == "union"
    ranking = body["intent_ranking"]
    assert [r["name"] for r in ranking][0] == "union" and len(ranking) == 6
    assert abs(sum(r["confidence"] for r in ranking) - 1) < 1e-3
    assert {"entity": "province", "value": "TP Hồ Chí Minh"}.items() <= body["entities"][0].items()


async def test_model_parse_rejects_bad_input_clearly(live_app: str) -> None:
    async with httpx.AsyncClient(base_url=live_app) as client:
        missing = await client.post("/model/parse", json={})
        huge = await client.post("/model/parse", json={"text": "a" * 10_001})
    assert missing.status_code == 422 and huge.status_code == 422
