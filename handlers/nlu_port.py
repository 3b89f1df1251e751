"""The one door from the core to the NLU: loading the model and asking it (a long text off the event loop)."""
from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from pathlib import Path

import nlu
from handlers.topics import public_vocabulary
from nlu import Analysis, Location

# Longest text read in the event loop's own thread. Measured on this project's 2-core VM (3 Dec):
# `analyse` takes 0.2 ms of CPU for a typical message, 0.8 ms at 300 characters, 8.4 ms at 4,000.
# A hop to a worker thread and back costs the process more than a short reading: under
# bench/capacity.py's load, with the hop and without it switched every second inside one server
# run, the turns per second were 114.0 / 120.4, 87.3 / 92.4 and 95.8 / 104.0. Longer texts, which
# would hold the loop for milliseconds, still go to a thread.
INLINE_CHARS = 300


class NluPort:
    """Async face of a loaded `nlu.NLU`: a short text is read at once, a long one in a worker thread."""

    def __init__(self, model: nlu.NLU, version: str = "base") -> None:
        self.model = model
        # recorded on every case it labels; handlers/model_registry.py puts a new port on the core to switch
        self.version = version
        self._public_terms: dict[str, float] | None = None

    async def analyse(self, text: str) -> Analysis:
        if len(text) <= INLINE_CHARS:
            return self.model.analyse(text)
        return await asyncio.to_thread(self.model.analyse, text)

    async def locate(self, text: str, province: str | None = None) -> Location:
        return await asyncio.to_thread(self.model.locate, text, province)

    async def locate_point(self, latitude: float, longitude: float) -> Location | None:
        return await asyncio.to_thread(nlu.locate_point, latitude, longitude)

    def provinces(self) -> list[str]:
        return province_names()

    def public_terms(self) -> dict[str, float]:
        """The words and word pairs a public topic may be named by: the classifier's own word
        features (learnt from our written examples only, never from citizens), minus stop words,
        placeholders and names (handlers/topics.py). Computed once per loaded model."""
        if self._public_terms is None:
            vectorizer = self.model.vectorizer
            idf = vectorizer.idf.tolist()
            self._public_terms = public_vocabulary({f: float(idf[i]) for f, i in vectorizer.vocab.items()})
        return self._public_terms


def province_names() -> list[str]:
    """The 34 provinces; from the gazetteer, so no trained model is needed."""
    return [name for name, _code in nlu.provinces()]


def model_path(configured: Path | None) -> Path:
    return Path(configured) if configured else Path(nlu.DEFAULT_MODEL_PATH)


def data_fingerprint(data_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(data_dir.rglob("*.y*ml")):   # subfolders too (nlu/data/urgency/)
        digest.update(file.relative_to(data_dir).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def load_or_train(configured: Path | None, progress: Callable[[str], None] = print) -> NluPort:
    """Load the model, (re)training it first when it is missing or nlu/data changed since."""
    path = model_path(configured)
    data_dir = Path(nlu.DEFAULT_DATA_DIR)
    stamp = path.with_name(path.name + ".data-sha256")
    fingerprint = data_fingerprint(data_dir)
    fresh = path.exists() and stamp.exists() and stamp.read_text().strip() == fingerprint
    if not fresh:
        progress(f"training the NLU model from {data_dir} into {path} (a few seconds)...")
        nlu.train(data_dir, path, progress=progress)
        stamp.write_text(fingerprint)
    return NluPort(nlu.load(path), version=f"base-{fingerprint[:10]}")


def load_built(configured: Path | None) -> NluPort:
    """A worker's way in: the model is a build artefact (`langnghe nlu train`, or the supervisor of
    `langnghe run --workers N` before it starts any worker); a worker only reads it, never trains."""
    path = model_path(configured)
    if not path.exists():
        raise SystemExit(f"no NLU model at {path}: build it first with `langnghe nlu train`")
    return NluPort(nlu.load(path))


def run_nlu_cli(argv: list[str]) -> int:
    """`langnghe nlu ...` is the NLU's own command line."""
    from nlu.cli import main

    return main(argv)
