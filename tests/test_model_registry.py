"""Corrections teach the NLU safely: a retrain on accepted corrections is compared with the
serving model on held-out lines, promoted only when no label gets worse, recorded on the cases it
labels, and rolled back in one step. A tiny dataset of our own keeps each training to seconds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import nlu
from handlers import Core, InvalidAction
from handlers import model_registry as registry
from handlers.correction_queue import queue_correction
from storage import Case, Correction, CorrectionStatus, ModelStatus, ModelVersion
from tests.chat_driver import CoreChat
from tests.test_staff_actions import open_wage_case

TINY = {
    "union": ["công ty nợ lương công nhân ba tháng", "cty không trả lương tăng ca", "bị đuổi việc không báo trước",
              "xưởng không đóng bảo hiểm xã hội", "chủ nợ lương không trả", "công nhân bị trừ lương vô lý"],
    "farmer": ["lúa bị sâu bệnh mất mùa", "phân bón giả làm chết cây", "thương lái ép giá nông sản",
               "heo bị dịch chết hàng loạt", "ruộng thiếu nước tưới", "giống lúa kém chất lượng"],
    "other": ["đèn đường bị hỏng", "đường làng nhiều ổ gà", "rác thải bốc mùi ở chợ",
              "hồ sơ sổ đỏ chậm trả", "nước máy bị đục", "cống thoát nước bị tắc"],
}
HOLDOUT = [("công ty chậm trả lương hai tháng", "union"), ("xưởng may nợ lương công nhân", "union"),
           ("sâu bệnh phá hoại lúa", "farmer"), ("phân bón kém làm cây chết", "farmer"),
           ("đường bị ổ gà sau mưa", "other"), ("đèn đường tắt cả tháng", "other")]


WORKPLACES = ("may Hưng Thịnh", "giày Tân Phú", "điện tử Quế Võ", "gỗ An Bình", "nhựa Sao Mai", "dệt Phúc Lâm")


def _yaml(label: str, texts: list[str]) -> str:
    return f'version: "3.1"\nnlu:\n- intent: {label}\n  examples: |\n' + "".join(f"    - {t}\n" for t in texts)


@pytest.fixture
def paths(tmp_path: Path) -> registry.ModelPaths:
    data = tmp_path / "data"
    data.mkdir()
    for label, texts in TINY.items():
        (data / f"{label}.yml").write_text(_yaml(label, texts), encoding="utf-8")
    holdout = tmp_path / "holdout.jsonl"
    holdout.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n" for t, lab in HOLDOUT),
                       encoding="utf-8")
    base = tmp_path / "base.bin"
    nlu.train(data, base)
    return registry.ModelPaths(base_data=data, models_dir=tmp_path / "models", holdout=holdout, base_model=base)


async def _accept(core: Core, case: Case, to_domain: str, copies: int) -> None:
    """`copies` accepted corrections, each on its own case (a clone of `case`): the latest per case counts."""
    async with core.db.transaction() as session:
        for n in range(copies):
            columns = {c.key: getattr(case, c.key) for c in Case.__table__.columns
                       if c.key not in ("id", "code", "description")}
            clone = Case(**columns, code=f"LN-{'ABCDEFGHJK'[n % 10]}{n:05d}"[:9],
                         description=f"công ty {WORKPLACES[n % 6]} nợ lương công nhân {n + 2} tháng, trả lương chậm")
            session.add(clone)
            await session.flush()
            queue_correction(session, clone, "moderator", "staff:kiemduyet", to_domain, "test", core.clock())
        await session.flush()
        for correction in (await session.scalars(select(Correction))).all():
            correction.status = CorrectionStatus.ACCEPTED


async def test_a_retrain_that_does_not_regress_is_promoted_labels_new_cases_and_rolls_back(
        core: Core, paths: registry.ModelPaths) -> None:
    before_port = core.nlu
    before = core.nlu.version
    row = await registry.start(core, "staff:kiemduyet")
    with pytest.raises(InvalidAction):   # one retrain at a time
        await registry.start(core, "staff:kiemduyet")
    version = await registry.retrain(core, row.id, paths)
    assert version.status is ModelStatus.ACTIVE and core.nlu.version == version.version != before
    assert set(version.metrics["per_label"]) == set(nlu.LABELS) and version.metrics["promoted"] is True
    assert version.metrics["holdout_n"] == len(HOLDOUT) and len(version.data_hash) == 64
    assert "wrote" in version.progress and "promoted" in version.progress

    code = await open_wage_case(core, CoreChat(core, user="v"))
    async with core.db.sessions() as session:
        assert await session.scalar(select(Case.model_version).where(Case.code == code)) == version.version

    another_process = core.nlu
    core.nlu = before_port   # a second worker that has not seen the promotion yet catches up
    assert await registry.sync_serving(core, paths) == version.version == core.nlu.version
    assert await registry.sync_serving(core, paths) is None

    served = await registry.rollback(core, paths)
    assert served == core.nlu.version and served.startswith("base-")
    core.nlu = another_process   # ... and follows a rollback too
    assert await registry.sync_serving(core, paths) == served
    async with core.db.sessions() as session:
        statuses = (await session.scalars(select(ModelVersion.status))).all()
    assert ModelStatus.ACTIVE not in statuses
    with pytest.raises(InvalidAction):
        await registry.rollback(core, paths)


async def test_a_candidate_that_gets_a_label_worse_is_not_promoted(core: Core, paths: registry.ModelPaths) -> None:
    code = await open_wage_case(core, CoreChat(core, user="w"))
    async with core.db.sessions() as session:
        case = await session.scalar(select(Case).where(Case.code == code))
    assert case is not None
    await _accept(core, case, "farmer", 24)   # wage stories relabelled as farming: union must get worse
    serving = core.nlu.version
    row = await registry.start(core, "cli")
    version = await registry.retrain(core, row.id, paths)
    assert version.status is ModelStatus.REJECTED and core.nlu.version == serving
    assert "union" in version.metrics["regressions"]
    per = version.metrics["per_label"]["union"]
    assert per["new"] < per["old"]
    assert version.examples >= 1 and "not promoted" in version.progress


def test_compare_names_every_label_that_got_worse() -> None:
    old = {"macro_f1": 0.8, "per_label": {"union": {"f1": 0.9, "support": 3}, "farmer": {"f1": 0.7, "support": 2}}}
    new = {"macro_f1": 0.85, "per_label": {"union": {"f1": 1.0, "support": 3}, "farmer": {"f1": 0.6, "support": 2}}}
    report = registry.compare(old, new)
    assert report["regressions"] == ["farmer"] and report["promoted"] is False
    assert registry.compare(old, old)["promoted"] is True
