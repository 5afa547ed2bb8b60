"""Sorting and paging of the whole result (not of the shown page), kept in every link."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhizao.web.listing import Sort, Sorts, listing, paging, sort_rows

SORTS = Sorts({"name": False, "emissions_t": True}, default=Sort("name"))


def test_an_unknown_sort_key_falls_back_to_the_default() -> None:
    assert SORTS.parse("-emissions_t") == Sort("emissions_t", True)
    assert SORTS.parse("payload; drop table") == Sort("name")


def test_page_999_clamps_to_the_last_page_and_says_so() -> None:
    assert paging(999, 5023) == (101, 101, True)
    lst = listing(999, 5023, {"year": 2024})
    assert lst.page == 101 and lst.clamped and "已显示第 101 页" in lst.flashes[0][1]
    assert paging(0, 0) == (1, 1, False)


def test_links_keep_filters_and_sort() -> None:
    lst = listing(2, 500, {"year": 2024, "region": "330502", "q": ""}, Sort("emissions_t", True), SORTS)
    assert lst.query(page=3) == "year=2024&region=330502&sort=-emissions_t&page=3"
    assert lst.sort_link("emissions_t") == "year=2024&region=330502&sort=emissions_t"  # reversed, page 1
    assert lst.sort_link("name") == "year=2024&region=330502"  # the default needs no parameter
    assert lst.filters_query == "year=2024&region=330502&sort=-emissions_t"


@given(st.lists(st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6)), max_size=60), st.booleans())
def test_sort_rows_orders_the_whole_list_with_blanks_last(values: list[float | None], desc: bool) -> None:
    rows = [{"credit_code": f"{i:03d}", "v": v} for i, v in enumerate(values)]
    out = sort_rows(rows, Sort("v", desc))
    present = [r["v"] for r in out if r["v"] is not None]
    assert present == sorted(present, reverse=desc)
    assert all(r["v"] is None for r in out[len(present):])
    assert len(out) == len(rows)
