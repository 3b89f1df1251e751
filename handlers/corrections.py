"""Labels people gave become training data for the next model: the domain a citizen chose when
the classifier was unsure (or wrong), and the domain staff moved a misrouted case to. Written in
Rasa's NLU format for `langnghe nlu train`, personal data masked."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from handlers.privacy import mask_personal
from storage import Case, CaseEvent, Database

__all__ = ["mask_personal", "misroute_examples", "to_rasa_yaml"]  # mask_personal: kept for old imports


def _grouped(final: dict[int, tuple[str, str]]) -> dict[str, list[str]]:
    examples: defaultdict[str, list[str]] = defaultdict(list)
    for label, description in final.values():
        line = " ".join(mask_personal(description).split())
        if line and line not in examples[label]:
            examples[label].append(line)
    return dict(examples)


async def _misroutes(db: Database) -> dict[int, tuple[str, str]]:
    """case id -> (the latest domain staff moved it to, its text)."""
    async with db.sessions() as session:
        rows = (await session.execute(
            select(Case.id, Case.description, CaseEvent.data).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(CaseEvent.kind == "reassigned").order_by(CaseEvent.id))).all()
    return {case_id: (data["to_domain"], description) for case_id, description, data in rows if data.get("misroute")}


async def _citizen_choices(db: Database) -> dict[int, tuple[str, str]]:
    """case id -> (the domain the citizen picked from the buttons, its text)."""
    async with db.sessions() as session:
        rows = (await session.execute(
            select(Case.id, Case.description, CaseEvent.data).join(CaseEvent, CaseEvent.case_id == Case.id)
            .where(CaseEvent.kind == "created", Case.domain_chosen_by == "citizen").order_by(CaseEvent.id))).all()
    return {case_id: (data["domain"], description) for case_id, description, data in rows if data.get("domain")}


async def misroute_examples(db: Database) -> dict[str, list[str]]:
    """label -> texts, from the latest domain each misrouted case was moved to."""
    return _grouped(await _misroutes(db))


async def correction_examples(db: Database) -> dict[str, list[str]]:
    """label -> texts, from citizens' choices and staff's misroutes; staff have the last word."""
    return _grouped({**await _citizen_choices(db), **await _misroutes(db)})


def to_rasa_yaml(examples: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(examples):
        lines += [f"- intent: {label}", "  examples: |"] + [f"    - {text}" for text in examples[label]]
    return "\n".join(lines) + "\n"
