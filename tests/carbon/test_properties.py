"""Property tests of the carbon method (DuckDB; the engines' equality is checked in test_method)."""

from __future__ import annotations

import pandas as pd
import pytest
from carbon_city import City, methodology
from conformance import run_on
from conformance import shared_duck as _duck
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhizao.carbon import evaluate

FUELS = ("electricity", "raw_coal", "natural_gas", "heat", "diesel", "coke")


firm_st = st.fixed_dictionaries({
    "value_added": st.floats(1.0, 1e5),
    "energy": st.dictionaries(st.sampled_from(FUELS), st.floats(0.0, 1e7), min_size=1, max_size=4),
    "industry": st.sampled_from(["2821", "2822", "3311"]),
    "months": st.integers(1, 12),
})

# each example compiles and runs the whole method (~0.3 s), so keep the counts modest
COMMON = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _city(firms: list[dict]) -> City:
    city = City(2022)
    for i, f in enumerate(firms):
        city.firm(i, industry=f["industry"], value_added=f["value_added"], energy=f["energy"], months=f["months"])
    return city


def _eval(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return run_on(_duck(), evaluate, tables, methodology(2022), 2022)


@COMMON
@given(st.lists(firm_st, min_size=2, max_size=12))
def test_grade_is_monotone_in_intensity_within_an_industry(firms):
    out = _eval(_city(firms).tables())
    graded = out[out["status"] == "graded"]
    for _, part in graded.groupby("benchmark_code"):
        part = part.sort_values("intensity", kind="mergesort")
        assert part["grade"].is_monotonic_increasing
        assert part["k_value"].is_monotonic_increasing


@COMMON
@given(st.lists(firm_st, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(firms, rnd):
    tables = _city(firms).tables()
    shuffled = {name: df.sample(frac=1.0, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
                for name, df in tables.items()}
    # exactly, not within a tolerance: the sums are exact (zhizao.sums), so no order of the
    # additions can change a bit of any figure, and the result hash is reproducible
    pd.testing.assert_frame_equal(_eval(tables), _eval(shuffled), check_exact=True)


@COMMON
@given(st.lists(firm_st, min_size=1, max_size=8), st.floats(0.01, 100.0))
def test_scaling_a_firms_energy_scales_its_emissions(firms, c):
    tables = _city(firms).tables()
    first = tables["enterprises"]["credit_code"].iloc[0]
    scaled = dict(tables)
    e = tables["energy"].copy()
    e.loc[e["credit_code"] == first, "quantity"] *= c
    scaled["energy"] = e
    a = _eval(tables).set_index("credit_code")
    b = _eval(scaled).set_index("credit_code")
    assert b.loc[first, "emissions_t"] == pytest.approx(c * a.loc[first, "emissions_t"], rel=1e-9, abs=1e-9)
    assert b.loc[first, "energy_tce"] == pytest.approx(c * a.loc[first, "energy_tce"], rel=1e-9, abs=1e-9)
    others = [cc for cc in a.index if cc != first]
    assert (a.loc[others, "emissions_t"] - b.loc[others, "emissions_t"]).abs().max() < 1e-9 if others else True
