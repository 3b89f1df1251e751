"""The dev set is a measuring stick only: none of its texts may be in the training data."""
import json
import re
import unicodedata
from pathlib import Path

import pytest

import nlu

DEV = Path(__file__).resolve().parents[3] / "shared" / "nlu" / "dev.jsonl"
DATA = Path(nlu.__file__).parent / "data"


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip().lower()


def test_no_dev_text_in_training_data():
    if not DEV.is_file():
        pytest.skip(f"the dev set is not beside the repository ({DEV} is missing): "
                    "this developer-machine check needs ../shared/nlu/dev.jsonl")
    files = [p for p in DATA.rglob("*") if p.is_file()]
    assert files, "nlu/data holds no training data"
    corpus = "\n".join(_norm(p.read_text(encoding="utf-8", errors="ignore")) for p in files)
    dev_texts = [_norm(json.loads(l)["text"]) for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]
    from nlu.dataset import load_examples

    examples = {_norm(e.text) for e in load_examples(DATA)} if any(DATA.glob("*.y*ml")) else set()
    # exact example == dev text (any length), or a longer dev text anywhere in a file
    leaked = [t for t in dev_texts if t in examples or (len(t) >= 25 and t in corpus)]
    assert not leaked, f"{len(leaked)} dev texts found in nlu/data, e.g. {leaked[:3]}"
