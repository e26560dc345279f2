"""The project's environment settings: one prefix, BISA_SDG_; an older name still read, with a warning."""

from __future__ import annotations

import pytest

from bisa_sdg.config.settings import dask_address


def test_the_dask_address_is_read_under_the_project_prefix(monkeypatch):
    monkeypatch.setenv("BISA_SDG_DASK_ADDRESS", "tcp://new:8786")
    monkeypatch.setenv("BISA_DASK_ADDRESS", "tcp://old:8786")
    assert dask_address() == "tcp://new:8786"  # the current name wins


def test_the_old_dask_address_name_still_works_with_a_deprecation_warning(monkeypatch):
    monkeypatch.delenv("BISA_SDG_DASK_ADDRESS", raising=False)
    monkeypatch.setenv("BISA_DASK_ADDRESS", "tcp://old:8786")
    with pytest.warns(
        DeprecationWarning, match="BISA_DASK_ADDRESS is deprecated: name it BISA_SDG_DASK_ADDRESS"
    ):
        assert dask_address() == "tcp://old:8786"


def test_no_dask_address_means_a_local_cluster(monkeypatch):
    monkeypatch.delenv("BISA_SDG_DASK_ADDRESS", raising=False)
    monkeypatch.delenv("BISA_DASK_ADDRESS", raising=False)
    assert dask_address() is None
