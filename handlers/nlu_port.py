"""The one door from the core to the NLU: loading the model and asking it, off the event loop."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import nlu
from nlu import Analysis, Location


class NluPort:
    """Async face of a loaded `nlu.NLU`; the classifier runs in a worker thread."""

    def __init__(self, model: nlu.NLU) -> None:
        self.model = model

    async def analyse(self, text: str) -> Analysis:
        return await asyncio.to_thread(self.model.analyse, text)

    async def locate(self, text: str, province: str | None = None) -> Location:
        return await asyncio.to_thread(self.model.locate, text, province)

    def provinces(self) -> list[str]:
        return [name for name, _code in nlu.provinces()]


def model_path(configured: Path | None) -> Path:
    return Path(configured) if configured else Path(nlu.DEFAULT_MODEL_PATH)


def load_or_train(configured: Path | None, progress: Callable[[str], None] = print) -> NluPort:
    """Load the model, training it first from nlu/data when it is missing (a fresh checkout)."""
    path = model_path(configured)
    try:
        return NluPort(nlu.load(path))
    except nlu.ModelMissingError:
        progress(f"NLU model not found at {path}: training it from nlu/data (a few seconds)...")
        nlu.train(Path(nlu.__file__).parent / "data", path, progress=progress)
        return NluPort(nlu.load(path))


def run_nlu_cli(argv: list[str]) -> int:
    """`langnghe nlu ...` is the NLU's own command line."""
    from nlu.cli import main

    return main(argv)
