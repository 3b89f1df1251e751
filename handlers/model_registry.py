"""NLU models as versions: retrain on our data plus accepted corrections, evaluate the candidate
beside the serving model on a held-out set, promote it only when no label gets worse, roll back
in one step. Training and evaluation run as `python -m nlu.cli` subprocesses: CPU-heavy work never
runs in the event loop (nor holds its GIL), and their output lines are the visible progress.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, update

import nlu
from handlers.core import Core
from handlers.correction_queue import accepted_examples
from handlers.corrections import to_rasa_yaml
from handlers.errors import InvalidAction
from handlers.nlu_port import NluPort, data_fingerprint, model_path
from storage import ModelStatus, ModelVersion

TOLERANCE = 0.0          # a label's F1 on the held-out set may not drop at all
_running: set[asyncio.Task[ModelVersion]] = set()   # strong references to background retrains


@dataclass(frozen=True)
class ModelPaths:
    base_data: Path      # our own training data (nlu/data)
    models_dir: Path     # where versions are kept (var/models)
    holdout: Path        # our own held-out JSONL (text, label), never trained on
    base_model: Path     # the model the installation started with (NLU_MODEL_PATH)


HOLDOUT = Path(__file__).parent / "data" / "holdout.jsonl"


def default_paths(base_model: Path | None = None, var_dir: Path = Path("var")) -> ModelPaths:
    """Our data in nlu/data, versions under var/models, our own held-out lines beside this module."""
    return ModelPaths(base_data=Path(nlu.DEFAULT_DATA_DIR), models_dir=var_dir / "models", holdout=HOLDOUT,
                      base_model=model_path(base_model))


def new_version(now: datetime, data_hash: str) -> str:
    return f"m{now:%Y%m%d-%H%M%S}-{data_hash[:8]}"


async def _progress(core: Core, version_id: int, line: str) -> None:
    async with core.db.transaction() as session:
        row = await session.get(ModelVersion, version_id, with_for_update=True)
        assert row is not None
        row.progress = (row.progress + line.rstrip() + "\n")[-20_000:]


async def _run(core: Core, version_id: int, *args: str) -> str:
    """Run `python -m nlu.cli ARGS`, each output line saved as progress; its stdout on success."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "nlu.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    lines: list[str] = []
    async for raw in process.stdout:
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        if not line.lstrip().startswith("{"):   # JSON results are kept in metrics, not in the log
            await _progress(core, version_id, line)
    if await process.wait() != 0:
        raise RuntimeError(f"nlu.cli {args[0]} failed: {''.join(lines)[-500:]}")
    return "".join(lines)


def _training_dir(paths: ModelPaths, target: Path, examples: dict[str, list[str]]) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(paths.base_data, target)
    if examples:
        (target / "accepted_corrections.yml").write_text(to_rasa_yaml(examples), encoding="utf-8")


def _holdout_file(paths: ModelPaths, target: Path, extra: list[tuple[str, str]]) -> int:
    lines = [line for line in paths.holdout.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines += [json.dumps({"text": text, "label": label}, ensure_ascii=False) for text, label in extra]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def compare(old: dict[str, object], new: dict[str, object]) -> dict[str, object]:
    """Old vs new F1 per label and macro; the labels that got worse."""
    old_per, new_per = old.get("per_label", {}), new.get("per_label", {})
    assert isinstance(old_per, dict) and isinstance(new_per, dict)
    per_label = {label: {"old": old_per.get(label, {}).get("f1", 0.0), "new": new_per.get(label, {}).get("f1", 0.0),
                         "support": new_per.get(label, {}).get("support", 0)} for label in nlu.LABELS}
    worse = [label for label, f1 in per_label.items() if f1["support"] and f1["new"] < f1["old"] - TOLERANCE]
    macro_old, macro_new = float(old.get("macro_f1", 0.0) or 0.0), float(new.get("macro_f1", 0.0) or 0.0)  # type: ignore[arg-type]
    if macro_new < macro_old - TOLERANCE:
        worse.append("macro_f1")
    return {"per_label": per_label, "macro_f1": {"old": macro_old, "new": macro_new}, "regressions": worse,
            "promoted": not worse}


async def serving_path(core: Core, paths: ModelPaths) -> Path:
    async with core.db.sessions() as session:
        active = await session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE))
    return Path(active.path) if active is not None else paths.base_model


async def start(core: Core, actor: str) -> ModelVersion:
    """A new version row in 'training'; refuses while another retrain runs."""
    async with core.db.transaction() as session:
        busy = await session.scalar(select(ModelVersion.id).where(ModelVersion.status == ModelStatus.TRAINING))
        if busy is not None:
            raise InvalidAction("a retraining is running already")
        now = core.clock()
        row = ModelVersion(version=f"pending-{now:%Y%m%d%H%M%S%f}", path="", data_hash="", status=ModelStatus.TRAINING,
                           progress="", metrics={}, examples=0, started_by=actor, created_at=now)
        session.add(row)
        await session.flush()
        return row


async def retrain(core: Core, version_id: int, paths: ModelPaths) -> ModelVersion:
    """Train, evaluate old and new on the held-out set, promote when nothing got worse."""
    try:
        return await _retrain(core, version_id, paths)
    except Exception as exc:
        await _progress(core, version_id, f"FAILED: {exc}")
        await _set(core, version_id, status=ModelStatus.FAILED)
        raise


async def _set(core: Core, version_id: int, **values: object) -> ModelVersion:
    async with core.db.transaction() as session:
        row = await session.get(ModelVersion, version_id, with_for_update=True)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)
        return row


async def _retrain(core: Core, version_id: int, paths: ModelPaths) -> ModelVersion:
    train_examples, held_out = await accepted_examples(core.db)
    scratch = paths.models_dir / f"build-{version_id}"
    scratch.mkdir(parents=True, exist_ok=True)
    data_dir = scratch / "data"
    await asyncio.to_thread(_training_dir, paths, data_dir, train_examples)
    data_hash = await asyncio.to_thread(data_fingerprint, data_dir)
    version = new_version(core.clock(), data_hash)
    model_path = paths.models_dir / f"{version}.bin"
    count = sum(len(v) for v in train_examples.values())
    await _set(core, version_id, version=version, path=str(model_path), data_hash=data_hash, examples=count)
    await _progress(core, version_id, f"{count} accepted corrections join the training data; data sha256 {data_hash[:12]}")
    await _run(core, version_id, "train", "--data", str(data_dir), "--out", str(model_path))
    holdout = scratch / "holdout.jsonl"
    n = await asyncio.to_thread(_holdout_file, paths, holdout, held_out)
    old_path = await serving_path(core, paths)
    await _progress(core, version_id, f"evaluating the serving model and the candidate on {n} held-out lines")
    old = json.loads((await _run(core, version_id, "evaluate", str(holdout), "--json", "--model", str(old_path)))
                     .strip().splitlines()[-1])
    new = json.loads((await _run(core, version_id, "evaluate", str(holdout), "--json", "--model", str(model_path)))
                     .strip().splitlines()[-1])
    report = {**compare(old, new), "holdout_n": n, "compared_with": str(old_path.name)}
    await asyncio.to_thread(shutil.rmtree, data_dir)
    if not report["promoted"]:
        await _progress(core, version_id, f"not promoted: worse on {', '.join(report['regressions'])}")  # type: ignore[arg-type]
        return await _set(core, version_id, status=ModelStatus.REJECTED, metrics=report)
    await _set(core, version_id, status=ModelStatus.CANDIDATE, metrics=report)
    await _progress(core, version_id, "no label got worse: promoted")
    return await promote(core, version_id)


async def promote(core: Core, version_id: int) -> ModelVersion:
    """Serve this version from the next message on; the one serving before is retired."""
    async with core.db.sessions() as session:
        row = await session.get(ModelVersion, version_id)
    if row is None or row.status not in (ModelStatus.CANDIDATE, ModelStatus.RETIRED):
        raise InvalidAction("only an evaluated candidate or a retired version can serve")
    model = await asyncio.to_thread(nlu.load, Path(row.path))
    async with core.db.transaction() as session:
        await session.execute(update(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE)
                              .values(status=ModelStatus.RETIRED))
        chosen = await session.get(ModelVersion, version_id, with_for_update=True)
        assert chosen is not None
        chosen.status, chosen.promoted_at = ModelStatus.ACTIVE, core.clock()
    core.nlu = NluPort(model, chosen.version)
    return chosen


async def rollback(core: Core, paths: ModelPaths) -> str:
    """Back to the version that served before the current one (the base model if none): one step."""
    async with core.db.sessions() as session:
        active = await session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE))
        if active is None:
            raise InvalidAction("the base model is serving: nothing to roll back")
        before = await session.scalar(
            select(ModelVersion).where(ModelVersion.status == ModelStatus.RETIRED, ModelVersion.promoted_at.is_not(None),
                                       ModelVersion.id != active.id, ModelVersion.promoted_at <= active.promoted_at)
            .order_by(ModelVersion.promoted_at.desc()).limit(1))
    async with core.db.transaction() as session:   # a rolled-back version is never a rollback target again
        await session.execute(update(ModelVersion).where(ModelVersion.id == active.id)
                              .values(status=ModelStatus.RETIRED, promoted_at=None))
    if before is not None:
        return (await promote(core, before.id)).version
    core.nlu = NluPort(await asyncio.to_thread(nlu.load, paths.base_model), base_version(paths))
    return core.nlu.version


def base_version(paths: ModelPaths) -> str:
    return f"base-{data_fingerprint(paths.base_data)[:10]}"


async def load_active(core: Core) -> str | None:
    """At start: serve the promoted version if there is one (and its file is still there). A retrain
    the last process did not finish is marked failed, so it does not block the next one."""
    async with core.db.transaction() as session:
        await session.execute(update(ModelVersion).where(ModelVersion.status == ModelStatus.TRAINING)
                              .values(status=ModelStatus.FAILED, progress=ModelVersion.progress + "interrupted\n"))
        active = await session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE))
    if active is None or not Path(active.path).is_file():
        return None
    core.nlu = NluPort(await asyncio.to_thread(nlu.load, Path(active.path)), active.version)
    return active.version


async def sync_serving(core: Core, paths: ModelPaths) -> str | None:
    """Serve what the registry says is active, when another process (`langnghe retrain`,
    `langnghe model-rollback`) changed it; the new version's name, or None when nothing changed."""
    async with core.db.sessions() as session:
        active = await session.scalar(select(ModelVersion).where(ModelVersion.status == ModelStatus.ACTIVE))
    if active is not None and active.version != core.nlu.version and Path(active.path).is_file():
        core.nlu = NluPort(await asyncio.to_thread(nlu.load, Path(active.path)), active.version)
        return active.version
    base = base_version(paths)
    if active is None and core.nlu.version != base and not core.nlu.version.startswith("base"):
        core.nlu = NluPort(await asyncio.to_thread(nlu.load, paths.base_model), base)
        return base
    return None


def in_background(core: Core, version_id: int, paths: ModelPaths,
                  done: Callable[[asyncio.Task[ModelVersion]], None] | None = None) -> asyncio.Task[ModelVersion]:
    """The console's retrain: a task the page polls through the version row's progress."""
    task = asyncio.create_task(retrain(core, version_id, paths))
    _running.add(task)
    task.add_done_callback(_running.discard)
    task.add_done_callback(lambda t: t.cancelled() or t.exception())   # failures are on the row, not lost
    if done is not None:
        task.add_done_callback(done)
    return task


async def versions(core: Core, limit: int = 30) -> list[ModelVersion]:
    async with core.db.sessions() as session:
        return list((await session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit))).all())
