import numpy as np
import pandas as pd
import pytest

from bisa_sdg.parsing import map_distinct, normalise_refnis, parse_count, parse_counts
from bisa_sdg.sources import SourceFileError, read_csv_as_text


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


def test_reading_only_some_columns_keeps_their_cells_and_lines(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("code,label_fr,count\n21001,Anderlecht,3\n21004,Bruxelles,\n", encoding="utf-8")
    frame = read_csv_as_text(path, "wide.csv", ["code", "count"])
    assert list(frame.columns) == ["_file", "_line", "code", "count"]
    assert frame["_line"].tolist() == [2, 3]
    assert frame["code"].tolist() == ["21001", "21004"]
    assert frame["count"].tolist() == ["3", ""]


def test_a_column_not_kept_is_still_checked_for_its_encoding(tmp_path):
    # "Liège" in Windows-1252 sits in a label column the reader does not keep: the file is still refused.
    path = tmp_path / "latin1.csv"
    path.write_bytes("code,label_fr\n62063,Liège\n".encode("cp1252"))
    with pytest.raises(SourceFileError, match=r"latin1.csv: not UTF-8 — line 2"):
        read_csv_as_text(path, "latin1.csv", ["code"])


def test_a_kept_column_the_file_lacks_is_named(tmp_path):
    path = tmp_path / "narrow.csv"
    path.write_text("code\n21001\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"narrow.csv: columns \['count'\] are missing"):
        read_csv_as_text(path, "narrow.csv", ["code", "count"])


def test_a_row_cut_short_is_found_against_the_whole_header_when_some_columns_are_kept(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_bytes(b"code,label_fr,count\n21001,Anderlecht,3\n21004,Bru")  # download stopped mid-row
    with pytest.raises(
        SourceFileError, match=r"cut.csv: line\(s\) 3 have fewer fields \(2\) than the header \(3\)"
    ):
        read_csv_as_text(path, "cut.csv", ["code"])


def test_a_kept_first_column_is_found_behind_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffcode,label\n21001,Anderlecht\n".encode())  # as spreadsheets save "CSV UTF-8"
    assert read_csv_as_text(path, "bom.csv", ["code"])["code"].tolist() == ["21001"]


def test_small_files_read_as_python_strings_large_ones_keep_arrow(tmp_path, monkeypatch):
    import bisa_sdg.sources as sources

    path = tmp_path / "codes.csv"
    path.write_text("code,label\n21001,Anderlecht\n21004,\n", encoding="utf-8")
    small = read_csv_as_text(path, "codes.csv")
    assert small["label"].dtype.storage == "python"
    # the same cells, the same missing-value kind, as pandas' own reading
    expected = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert small["label"].tolist() == expected["label"].tolist() == ["Anderlecht", ""]
    assert small["code"].dtype.na_value is expected["code"].dtype.na_value
    monkeypatch.setattr(sources, "TEXT_UP_TO_BYTES", path.stat().st_size)  # this file now counts as large
    assert read_csv_as_text(path, "codes.csv")["label"].dtype == expected["label"].dtype
