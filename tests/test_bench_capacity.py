"""The capacity bench's arithmetic: its ratio must say something about the code, not the VM's minute."""
from __future__ import annotations

from typing import Any

import pytest

from bench.capacity import BARE, OURS, main, rounds_summary


def _round(bare: float, ours: float, seconds: float = 10) -> dict[str, dict[str, Any]]:
    return {BARE: {"requests_per_second": bare, "requests": int(bare * seconds), "seconds": seconds,
                   "machine_cpu_busy": 0.8},
            OURS: {"requests_per_second": ours, "requests": int(ours * seconds), "seconds": seconds,
                   "machine_cpu_busy": 0.7}}


def test_the_ratio_is_the_median_of_the_rounds_not_of_the_totals() -> None:
    """A fast minute lifts both systems of its round: summed over rounds it would weigh most."""
    summary = rounds_summary([_round(250, 100), _round(150, 90), _round(180, 110)])
    assert summary["ratio"]["per_round"] == [0.4, 0.6, 0.61]
    assert summary["ratio"]["value"] == 0.6          # totals would give 300 / 580 = 0.52
    assert summary["ratio"]["target"] == 0.6
    assert summary[BARE]["requests_per_second"] == pytest.approx(193.3)
    assert summary[OURS]["per_round"] == [100, 90, 110]
    assert summary[OURS]["requests"] == 3000


def test_a_rounds_own_time_counts_not_the_time_asked_for() -> None:
    """Requests in flight at the deadline finish after it: 1,000 done at 100 a second took 10 s."""
    late = _round(200, 100)
    late[OURS].update(requests=1000, seconds=10.0)
    longer = _round(200, 50)
    longer[OURS].update(requests=600, seconds=12.0)   # asked for 10 s; the last answers came at 12 s
    assert rounds_summary([late, longer])[OURS]["requests_per_second"] == pytest.approx(1600 / 22, abs=0.05)


def test_one_round_is_its_own_ratio() -> None:
    summary = rounds_summary([_round(200, 110)])
    assert summary["ratio"]["value"] == 0.55
    assert summary[BARE]["requests_per_second"] == 200


def test_a_round_whose_floor_answered_nothing_is_an_error_not_a_ratio() -> None:
    broken = _round(0, 90)
    broken[BARE]["requests"] = 0
    with pytest.raises(RuntimeError, match="bare endpoint answered no request"):
        rounds_summary([_round(200, 100), broken])
    assert rounds_summary([_round(200, 0)])["ratio"]["value"] == 0   # ours answering nothing is a ratio: 0


@pytest.mark.parametrize("argv", [["--rounds", "0"], ["--seconds", "0"], ["--clients", "0"]])
def test_the_command_refuses_a_run_that_would_measure_nothing(argv: list[str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert "at least 1" in capsys.readouterr().err
