"""Misroutes become training data: the text of each case staff moved to another domain, with the
domain they chose, written in Rasa's NLU format for `langnghe nlu train`."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from handlers.privacy import mask_personal
from storage import Case, CaseEvent, Database

__all__ = ["mask_personal", "misroute_examples", "to_rasa_yaml"]  # mask_personal: kept for old imports


async def misroute_examples(db: Database) -> dict[str, list[str]]:
    """label -> texts, from the latest domain each misrouted case was moved to."""
    async with db.sessions() as session:
        rows = (await session.execute(
            select(Case.id, Case.description, CaseEvent.data).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(CaseEvent.kind == "reassigned").order_by(CaseEvent.id))).all()
    final: dict[int, tuple[str, str]] = {}
    for case_id, description, data in rows:
        if data.get("misroute"):
            final[case_id] = (data["to_domain"], description)
    examples: defaultdict[str, list[str]] = defaultdict(list)
    for label, description in final.values():
        line = " ".join(mask_personal(description).split())
        if line and line not in examples[label]:
            examples[label].append(line)
    return dict(examples)


def to_rasa_yaml(examples: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(examples):
        lines += [f"- intent: {label}", "  examples: |"] + [f"    - {text}" for text in examples[label]]
    return "\n".join(lines) + "\n"
