import numpy as np
import pandas as pd

from bisa_sdg.parsing import map_distinct, normalise_refnis, parse_count, parse_counts


def test_counts_in_the_three_statbel_formats():
    # The 2018, 2019 and 2020 population files write Anderlecht's population three ways.
    assert parse_count("118,382") == 118382
    assert parse_count("119\u202f714") == 119714  # narrow no-break space
    assert parse_count("120887") == 120887
    assert parse_count("1\u00a0208\u00a0542") == 1208542  # no-break space, two groups


def test_counts_that_are_not_counts_are_refused():
    assert parse_count("1,5") is None  # a decimal, not a grouped count
    assert parse_count("12,34") is None  # a group of two digits
    assert parse_count("1,234.567") is None  # mixed separators
    assert parse_count("-5") is None
    assert parse_count("") is None
    assert parse_count(None) is None


def test_refnis_codes_stored_as_integers_are_padded():
    assert normalise_refnis("4000") == "04000"
    assert normalise_refnis("21004") == "21004"
    assert normalise_refnis("21O04") == "21O04"  # not a number: left for validation to refuse


def test_column_parsers_give_each_cell_its_own_answer():
    # repeated texts, a missing cell and a non-count, on an index that is not 0..n-1 (a filtered frame)
    texts = pd.Series(
        ["4000", "21004", np.nan, "4000", "1,234", "12,34"], index=[7, 3, 9, 1, 4, 8], dtype="str"
    )
    codes = map_distinct(texts, normalise_refnis)
    assert codes.index.tolist() == [7, 3, 9, 1, 4, 8]
    assert codes.tolist() == ["04000", "21004", "nan", "04000", "1,234", "12,34"]  # as texts.map would give
    counts = parse_counts(texts)
    assert counts.dtype == "Int64"
    assert counts.tolist() == [4000, 21004, pd.NA, 4000, 1234, pd.NA]
