"""Reason codes come from the methods, not from reading their sentences; methods are found through a registry."""

from __future__ import annotations

import pytest

from bisa_sdg.progress.methods import METHODS, REGISTRY, assess
from bisa_sdg.progress.methods.base import Case, ProgressMethod, register
from bisa_sdg.progress.reasons import REASONS, SENTENCES, given, reason


@pytest.mark.parametrize(
    ("observations", "target", "code"),
    [
        # One point below the target 50: no trend (2 points needed for a CAGR).
        ({2020: 10.0}, 50.0, "one_observation"),
        # 0 → 4: (4/0)^(1/5) is undefined.
        ({2015: 0.0, 2020: 4.0}, 50.0, "undefined_growth"),
        # 3 → −1: a sign change, no CAGR.
        ({2015: 3.0, 2020: -1.0}, 50.0, "undefined_growth"),
        # −3 → −1: negative values, no CAGR.
        ({2015: -3.0, 2020: -1.0}, 50.0, "undefined_growth"),
        # Latest value before the base year 2015: nothing from the base year on.
        ({2010: 3.0, 2012: 4.0}, 50.0, "no_base_observation"),
        # Every value after the target year 2030 is dropped.
        ({2031: 3.0, 2032: 4.0}, 50.0, "no_usable_observation"),
        # Without a number, the anticipated-value method has nothing to anticipate.
        ({2015: 3.0, 2020: 4.0}, None, "no_numeric_target"),
    ],
)
def test_unsd2023_gives_the_reason_as_a_code(observations, target, code):
    result = assess(observations, target=target, direction="increase", method="unsd-2023")
    assert not result.assessed
    assert result.reason_code == code
    assert REASONS[code]


def test_a_negative_target_is_an_undefined_growth_rate_for_the_cagr_ratio_methods():
    # unsd-2022: CR needs CAGR(v_b, T) = (T/v_b)^(1/n) − 1, undefined for T = −1 < 0.
    result = assess({2015: 3.0, 2020: 2.0}, target=-1.0, direction="decrease", method="unsd-2022")
    assert (result.category, result.reason_code) == ("insufficient_data", "undefined_growth")
    assert result.reason == "negative target (-1): the required growth rate is undefined"


def test_the_sentence_is_made_from_the_code_table_with_the_case_numbers():
    # 2015: 0 → 2020: 4: the template of "zero_base" filled with the base year 2015.
    result = assess({2015: 0.0, 2020: 4.0}, target=50.0, direction="increase", method="eurostat", window=5)
    assert result.reason == SENTENCES["zero_base"][1].format(base_year=2015)
    assert result.reason == "base value is zero (2015): growth rates from a zero base are undefined"


def test_every_sentence_belongs_to_a_known_code_and_unknown_codes_are_refused():
    assert {code for code, _ in SENTENCES.values()} <= set(REASONS)
    assert reason("no_data").code == "no_data"
    with pytest.raises(ValueError, match="unknown reason code"):
        given("because", "a sentence")


def test_assess_dispatches_through_the_registry(monkeypatch):
    # A method registered under a new code is found by assess without touching assess.
    monkeypatch.delitem(REGISTRY, "toy", raising=False)

    class Toy(ProgressMethod):
        code = "toy"
        version = "a test method"
        categories = ("up", "down", "insufficient_data")
        worst = "down"

        def judge(self, case: Case):
            return case.result("up" if case.latest_value > case.trend.base_value else "down")

    register(Toy)
    try:
        # 2 (2015) → 3 (2020): up.
        assert (
            assess({2015: 2.0, 2020: 3.0}, target=None, direction="increase", method="toy").category == "up"
        )
        with pytest.raises(ValueError, match="registered twice"):
            register(Toy)
    finally:
        del REGISTRY["toy"]
    assert "toy" not in METHODS


def test_every_method_lists_insufficient_data_last():
    for code in METHODS:
        assert REGISTRY[code].categories[-1] == "insufficient_data"
