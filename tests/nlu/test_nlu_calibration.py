"""Confidence the dialogue can act on: calibration, the abstain threshold and `close`, on synthetic scores."""
import numpy as np
import pytest

from nlu import calibration as cal


def _overconfident(n: int = 3000, k: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose softmax at T=1 is far too sure: labels are drawn from softmax(logits),
    but the scores handed out are the logits times 8."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.5, size=(n, k))
    p = cal.softmax(logits)
    y = np.array([rng.choice(k, p=row) for row in p])
    return logits * 8.0, y


def test_temperature_brings_ece_down():
    scores, y = _overconfident()
    before = cal.expected_calibration_error(cal.softmax(scores), y)
    t = cal.fit_temperature(scores, y)
    after = cal.expected_calibration_error(cal.softmax(scores, t), y)
    assert t == pytest.approx(8.0, rel=0.2)   # undoes the inflation
    assert before > 0.2
    assert after < 0.05


def test_temperature_never_changes_the_winner():
    scores, y = _overconfident(n=200)
    t = cal.fit_temperature(scores, y)
    assert (cal.softmax(scores, t).argmax(axis=1) == scores.argmax(axis=1)).all()


def test_threshold_meets_the_goal_and_asks_least():
    scores, y = _overconfident()
    probs = cal.softmax(scores, cal.fit_temperature(scores, y))
    conf, correct = probs.max(axis=1), probs.argmax(axis=1) == y
    thr = cal.choose_threshold(conf, correct, max_silent_misroute=0.02)
    at = cal.abstain_curve(conf, correct, [thr])[0]
    assert at.silent_misroute <= 0.02
    assert 0 < at.asked < 1
    # one step lower would send more than 2 % to a wrong body without asking
    lower = cal.abstain_curve(conf, correct, [round(thr - 0.01, 2)])[0]
    assert lower.silent_misroute > 0.02


def test_curve_trades_questions_for_misroutes():
    scores, y = _overconfident()
    probs = cal.softmax(scores, cal.fit_temperature(scores, y))
    curve = cal.abstain_curve(probs.max(axis=1), probs.argmax(axis=1) == y)
    asked = [p.asked for p in curve]
    misroute = [p.silent_misroute for p in curve]
    assert asked == sorted(asked) and misroute == sorted(misroute, reverse=True)
    assert curve[0].asked == 0.0   # threshold 0: never ask
    assert curve[0].silent_misroute == pytest.approx(1 - np.mean(probs.argmax(axis=1) == y))


def test_no_threshold_meets_an_impossible_goal_so_always_ask():
    conf = np.full(100, 0.99)
    correct = np.zeros(100, dtype=bool)
    assert cal.choose_threshold(conf, correct, max_silent_misroute=0.02) == 1.0


def test_close_gap_flags_near_ties_whose_second_label_is_often_right():
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.integers(0, 6, n)
    probs = np.full((n, 6), 0.02)
    near = rng.random(n) < 0.3
    second = (y + 1) % 6
    for i in range(n):
        if near[i]:   # first and second nearly tied, and the second is the right one half the time
            a, b = (second[i], y[i]) if i % 2 else (y[i], second[i])
            probs[i, a], probs[i, b] = 0.47, 0.43
        else:        # clear winner, right
            probs[i, y[i]] = 0.9
    probs /= probs.sum(axis=1, keepdims=True)
    gap = cal.choose_close_gap(probs, y)
    margin = cal.top_two_margin(probs)
    assert (margin[near] < gap).all()
    assert not (margin[~near] < gap).any()


def test_ece_of_a_perfectly_calibrated_set_is_small():
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.3, 1.0, 20000)
    correct = rng.random(20000) < conf
    assert cal.confidence_ece(conf, correct) < 0.02
    assert cal.confidence_ece(np.ones(1000), np.zeros(1000, dtype=bool)) == pytest.approx(1.0)


def test_close_gap_stays_small_when_the_second_label_is_never_right():
    rng = np.random.default_rng(5)
    n = 1000
    y = rng.integers(0, 6, n)
    probs = np.full((n, 6), 0.05)
    probs[np.arange(n), y] = rng.uniform(0.3, 0.9, n)   # first always right, margins spread out
    probs /= probs.sum(axis=1, keepdims=True)
    assert cal.choose_close_gap(probs, y) == cal.GAP_GRID[0]
