"""The dev sets are measuring sticks only: none of their texts may be in the training data
(nlu/data and its subfolders, such as the urgency examples in nlu/data/urgency/)."""
import json
import re
import unicodedata
from pathlib import Path

import pytest

import nlu

REPO = Path(__file__).resolve().parents[2]
DATA = Path(nlu.__file__).parent / "data"


def _shared() -> Path | None:
    """../shared beside the repository (or beside the worktrees folder, for a git worktree)."""
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "nlu").is_dir():
            return base / "shared"
    return None


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip().lower()


def _dev_texts(name: str) -> list[str]:
    shared = _shared()
    if shared is None or not (shared / "nlu" / name).is_file():
        pytest.skip(f"../shared/nlu/{name} is not beside this repository (only the project machine has it)")
    path = shared / "nlu" / name
    return [_norm(json.loads(line)["text"]) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _training_corpus() -> tuple[set[str], str]:
    files = [p for p in DATA.rglob("*") if p.is_file()]
    assert files, "nlu/data holds no training data"
    corpus = "\n".join(_norm(p.read_text(encoding="utf-8", errors="ignore")) for p in files)
    from nlu.dataset import load_examples
    from nlu.urgency_model import load_urgency_examples

    examples = {_norm(e.text) for e in load_examples(DATA)} if any(DATA.glob("*.y*ml")) else set()
    examples |= {_norm(t) for t in load_urgency_examples(DATA / "urgency")[0]}
    return examples, corpus


@pytest.mark.parametrize("name", ["dev.jsonl", "real-dev.jsonl", "urgency-dev.jsonl"])
def test_no_dev_text_in_training_data(name):
    dev_texts = _dev_texts(name)
    examples, corpus = _training_corpus()
    # exact example == dev text (any length), or a longer dev text anywhere in a file
    leaked = [t for t in dev_texts if t in examples or (len(t) >= 25 and t in corpus)]
    assert not leaked, f"{len(leaked)} texts of {name} found in nlu/data, e.g. {leaked[:3]}"


def test_urgency_examples_stay_out_of_the_domain_classifier():
    """nlu/data/urgency/ is read by the urgency model only: the label loader does not glob subfolders."""
    from nlu.dataset import load_examples
    from nlu.urgency_model import load_urgency_examples

    texts, flags = load_urgency_examples(DATA / "urgency")
    assert sum(flags) >= 200 and len(flags) - sum(flags) >= 200, "hundreds of examples on each side"
    domain = {e.text for e in load_examples(DATA)}
    assert not domain & set(texts)
