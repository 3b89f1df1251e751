"""Shared fixtures: one model trained once per test session from nlu/data."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import nlu

DATA_DIR = Path(os.environ.get("LANGNGHE_NLU_DATA", Path(nlu.__file__).parent / "data"))


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not any(DATA_DIR.glob("*.yml")):
        pytest.skip(f"no training data in {DATA_DIR}")
    path = tmp_path_factory.mktemp("nlu") / "model.bin"
    nlu.train(DATA_DIR, path)
    return path


@pytest.fixture(scope="session")
def model(model_path: Path) -> nlu.NLU:
    return nlu.load(model_path)
