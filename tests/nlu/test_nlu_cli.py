import io
import json
import sys

import pytest

from nlu.cli import main


@pytest.fixture
def gold(tmp_path):
    p = tmp_path / "gold.jsonl"
    rows = [
        {"text": "cty no luong 3 thang", "label": "union", "province": None},
        {"text": "Chồng đánh vợ ở Hà Nội", "label": "women", "also": "veteran", "province": "Hà Nội"},
        {"text": "xin chào", "label": "other"},
    ]
    p.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return p


def test_evaluate_json_keys(model_path, gold, capsys):
    assert main(["evaluate", str(gold), "--json", "--model", str(model_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("n", "accuracy", "macro_f1", "per_label", "unaccented_macro_f1", "province_accuracy"):
        assert key in out
    assert out["n"] == 3
    assert set(out["per_label"]["union"]) >= {"precision", "recall", "f1", "support"}


def test_evaluate_text_report(model_path, gold, capsys):
    assert main(["evaluate", str(gold), "--model", str(model_path)]) == 0
    assert "macro-F1" in capsys.readouterr().out


def test_evaluate_missing_file(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "none.jsonl")]) != 0
    assert "not found" in capsys.readouterr().err


def test_evaluate_bad_line(tmp_path, capsys):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "a", "label": "other"}\n{oops\n', encoding="utf-8")
    assert main(["evaluate", str(p)]) != 0
    assert ":2:" in capsys.readouterr().err


def test_evaluate_unknown_label(tmp_path, capsys):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"text": "a", "label": "police"}\n', encoding="utf-8")
    assert main(["evaluate", str(p)]) != 0
    assert "police" in capsys.readouterr().err


def test_evaluate_missing_model(gold, tmp_path, capsys):
    assert main(["evaluate", str(gold), "--model", str(tmp_path / "m.bin")]) != 0
    assert "not found" in capsys.readouterr().err


def test_predict_stdin(model_path, monkeypatch, capsys):
    lines = ['{"id": "a", "text": "cty no luong o binh duong"}', "not json",
             '{"id": 7, "text": "chồng đang đánh em, cứu với"}']
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["predict", "--model", str(model_path)]) == 0
    out = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    assert len(out) == 3
    assert out[0]["id"] == "a" and set(out[0]) == {"id", "label", "confidence", "province", "commune", "urgent"}
    assert out[0]["province"] == "TP Hồ Chí Minh"
    assert "error" in out[1]
    assert out[2]["id"] == 7 and out[2]["urgent"] is True


def test_train_cli(tmp_path, capsys):
    d = tmp_path / "data"
    d.mkdir()
    for lab, texts in {"union": ["nợ lương", "cty nợ lương", "không trả lương"],
                       "other": ["xin chào", "chào bot", "đèn hỏng"]}.items():
        (d / f"{lab}.yml").write_text(
            f'version: "3.1"\nnlu:\n- intent: {lab}\n  examples: |\n'
            + "".join(f"    - {t}\n" for t in texts), encoding="utf-8")
    out = tmp_path / "m" / "model.bin"
    assert main(["train", "--data", str(d), "--out", str(out)]) == 0
    assert out.is_file()
    assert "examples" in capsys.readouterr().out
