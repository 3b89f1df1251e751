import math
from pathlib import Path

import numpy as np
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


def test_close_flag_follows_the_trained_gap(model):
    assert 0.0 < model.close_gap < 1.0
    for text in ["cty no luong 3 thang", "con tôi bị bạn đánh ở trường, xin hỏi phải làm gì",
                 "hàng xóm đánh bạc thâu đêm", "đường làng ngập nước", "xin chào"]:
        c = model.classify(text)
        margin = c.ranking[0][1] - c.ranking[1][1]
        assert c.close == (margin < model.close_gap)


def _tiny_model(bias: list[float], close_gap: float) -> nlu.NLU:
    from nlu.features import Vectorizer

    vec = Vectorizer.fit(["lương công ty", "lúa sâu bệnh"])
    weights = np.zeros((len(vec.vocab), len(nlu.LABELS)), dtype=np.float32)
    return nlu.NLU(vec, weights, np.array(bias, dtype=np.float32), nlu.LABELS,
                   temperature=1.0, threshold=0.5, close_gap=close_gap)


def test_two_labels_nearly_tied_are_close_and_both_offered():
    tied = _tiny_model([2.0, 1.95, 0, 0, 0, 0], close_gap=0.1).classify("bất kỳ")
    assert tied.close is True
    assert [l for l, _ in tied.ranking[:2]] == ["union", "farmer"]
    clear = _tiny_model([4.0, 1.0, 0, 0, 0, 0], close_gap=0.1).classify("bất kỳ")
    assert clear.close is False and clear.label == "union" and not clear.abstain


def test_save_load_round_trip_keeps_every_answer(model, tmp_path):
    from nlu.model import save

    path = tmp_path / "copy.bin"
    save(model, path)
    again = nlu.load(path)
    assert (again.threshold, again.temperature, again.close_gap) == (
        model.threshold, model.temperature, model.close_gap)
    assert again.meta["oof_silent_misroute"] <= 0.02
    texts = ["Công ty nợ lương", "lua bi sau cuon la", "chồng đánh vợ", "", "xin chào bot",
             "con nghiện chích choác ngoài bãi đất trống"]
    for a, b in zip(model.classify_batch(texts), again.classify_batch(texts)):
        assert (a.label, a.abstain, a.close) == (b.label, b.abstain, b.close)
        assert math.isclose(a.confidence, b.confidence, rel_tol=1e-3)


def test_unaccented_message_lands_with_its_accented_twin(model):
    pairs = [("Lúa nhà tôi bị rầy nâu phá hết, thuốc mua về phun không ăn thua",
              "lua nha toi bi ray nau pha het, thuoc mua ve phun khong an thua"),
             ("Bố tôi là thương binh mà mấy tháng nay chưa nhận trợ cấp",
              "bo toi la thuong binh ma may thang nay chua nhan tro cap")]
    for acc, plain in pairs:
        assert model.classify(acc).label == model.classify(plain).label
