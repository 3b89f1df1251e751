import math
from pathlib import Path

import pytest

import nlu
from nlu.dataset import DataError, load_examples


def test_contract_exports():
    for name in ("LABELS", "Classification", "Location", "Analysis", "NLU", "provinces", "load",
                 "train", "TrainReport", "ModelMissingError"):
        assert name in nlu.__all__
    assert nlu.LABELS == ("union", "farmer", "women", "youth", "veteran", "other")
    assert issubclass(nlu.ModelMissingError, FileNotFoundError)


def test_missing_model_is_clear(tmp_path):
    with pytest.raises(nlu.ModelMissingError, match="not found"):
        nlu.load(tmp_path / "nope.bin")


def test_classification_shape(model):
    c = model.classify("cty no luong 3 thang chua tra")
    assert c.label in nlu.LABELS
    assert [l for l, _ in c.ranking][0] == c.label
    assert sorted(l for l, _ in c.ranking) == sorted(nlu.LABELS)
    assert math.isclose(sum(p for _, p in c.ranking), 1.0, abs_tol=1e-4)
    assert c.confidence == c.ranking[0][1]
    probs = [p for _, p in c.ranking]
    assert probs == sorted(probs, reverse=True)
    assert c.abstain == (c.confidence < model.threshold)
    assert 0.0 < model.threshold < 1.0


@pytest.mark.parametrize("text, label", [
    ("Công ty nợ lương công nhân 3 tháng chưa trả", "union"),
    ("cong ty no luong cong nhan 3 thang chua tra", "union"),
    ("Chồng tôi say rượu đánh vợ con", "women"),
])
def test_obvious_labels(model, text, label):
    assert model.classify(text).label == label


def test_batch_equals_single(model):
    texts = ["xin chào", "lúa bị sâu bệnh", "chong danh vo", "", "karaoke hát đến 2 giờ sáng"]
    for one, many in zip([model.classify(t) for t in texts], model.classify_batch(texts)):
        assert one.label == many.label
        assert math.isclose(one.confidence, many.confidence, rel_tol=1e-4)


def test_analyse(model):
    a = model.analyse("Chồng em đang đánh em, cứu với, em ở Bình Dương")
    assert a.urgent is True
    assert a.location.province == "TP Hồ Chí Minh" and a.location.old_province == "Bình Dương"
    assert a.classification.label in nlu.LABELS


def test_model_file_small(model_path):
    assert model_path.stat().st_size < 5_000_000


def _write_yaml(path: Path, intent: str, lines: list[str]) -> None:
    body = "\n".join(f"    - {l}" for l in lines)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{body}\n', encoding="utf-8")


def test_unknown_intent_names_file(tmp_path):
    _write_yaml(tmp_path / "bad.yml", "police", ["xin chào"])
    with pytest.raises(DataError, match="bad.yml.*police"):
        load_examples(tmp_path)


def test_loader_reads_several_intents_and_corrections(tmp_path):
    _write_yaml(tmp_path / "other.yml", "other", ["xin chào", "đèn đường hỏng"])
    (tmp_path / "corrections.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: union\n  examples: |\n    - đèn đường hỏng\n'
        '- intent: farmer\n  examples: |\n    - "lúa [chết](problem) hết"\n', encoding="utf-8")
    ex = {e.text: e.label for e in load_examples(tmp_path)}
    assert ex == {"xin chào": "other", "đèn đường hỏng": "union", "lúa chết hết": "farmer"}
