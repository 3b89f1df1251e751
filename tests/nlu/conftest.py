"""The NLU tests share the one model the whole run trains from nlu/data (tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

import nlu
from handlers import NluPort


@pytest.fixture(scope="session")
def model_path(nlu_model_path: Path) -> Path:
    return nlu_model_path


@pytest.fixture(scope="session")
def model(nlu_port: NluPort) -> nlu.NLU:
    return nlu_port.model
