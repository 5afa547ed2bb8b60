"""The room's hooks on the demo book: the investment rows of ``zhizao indicators`` agree with the
book itself, the review section is written from them, the firm's profile lists its projects."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest
from tests.projects.bookcity import BookCity, build

from zhizao.projects import hooks


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> BookCity:
    return build(tmp_path_factory.mktemp("hooks"))


def _book(city: BookCity) -> tuple[dict[str, dict], dict[tuple[str, str], str]]:
    folder = city.settings.home.parent / "projects"
    with (folder / "投资项目.csv").open(encoding="utf-8") as f:
        projects = {r["项目编号"]: r for r in csv.DictReader(f)}
    with (folder / "项目节点.csv").open(encoding="utf-8") as f:
        actual = {(r["项目编号"], r["节点"]): r["实际日期"] for r in csv.DictReader(f) if r["实际日期"]}
    return projects, actual


def test_started_and_completed_counts_agree_with_the_book(city: BookCity) -> None:
    projects, actual = _book(city)
    rows = hooks.indicators(city.settings, 2017, 2024, "330500")
    by = {(r["id"], r["year"]): r["value"] for r in rows}
    for ms, word in (("started", "started"), ("completed", "completed")):
        for thr, tag in ((10000, "100m"), (30000, "300m")):
            for y in (2019, 2024):
                n = sum(1 for pid, p in projects.items() if float(p["计划总投资(万元)"]) >= thr
                        and actual.get((pid, ms), "")[:4] == str(y))
                assert by.get((f"projects_{word}_{tag}", y), 0) == n, (word, tag, y)
            cum = sum(1 for pid, p in projects.items() if float(p["计划总投资(万元)"]) >= thr
                      and (pid, ms) in actual and actual[(pid, ms)][:4] <= "2024")
            assert by[(f"projects_{word}_{tag}_cum", 2024)] == cum
    assert all(set(r) == {"id", "name", "region", "year", "value", "exact", "unit", "basis"} for r in rows)


def test_investment_growth_is_year_on_year(city: BookCity) -> None:
    rows = hooks.indicators(city.settings, 2018, 2024, "330500")
    by = {(r["id"], r["year"]): r["value"] for r in rows}
    for y in range(2019, 2025):
        prev, cur = by[("industrial_investment", y - 1)], by[("industrial_investment", y)]
        assert by[("industrial_investment_growth", y)] == pytest.approx((cur / prev - 1) * 100, abs=0.06)
    assert all(by[("upgrade_investment", y)] <= by[("industrial_investment", y)] for y in range(2018, 2025))


def test_districts_add_up_to_the_city(city: BookCity) -> None:
    rows = hooks.indicators(city.settings, 2024, 2024, None)
    city_n = next(r["value"] for r in rows if r["region"] == "330500" and r["id"] == "projects_started_100m")
    assert sum(r["value"] for r in rows if r["region"] != "330500" and r["id"] == "projects_started_100m") == city_n


def test_the_review_section_is_written_from_the_figures(city: BookCity) -> None:
    [sec] = hooks.review_section(city.settings, 2017, 2024, "330500")
    assert sec["title"] and sec["paras"] and sec["table"]["head"][:2] == ["指标", "单位"]
    by = {(r["id"], r["year"]): r["value"] for r in hooks.indicators(city.settings, 2017, 2024, "330500")}
    assert f"累计开工亿元以上项目{by[('projects_started_100m_cum', 2024)]:,}个" in sec["paras"][0]


def test_the_firms_profile_lists_its_projects_and_a_bank_sees_none(city: BookCity) -> None:
    projects, _ = _book(city)
    from collections import Counter

    code = Counter(p["统一社会信用代码"] for p in projects.values()).most_common(1)[0][0]
    mine = {pid for pid, p in projects.items() if p["统一社会信用代码"] == code}
    ctx = SimpleNamespace(settings=city.settings, user=SimpleNamespace(role="enterprise", credit_code=code),
                          credit_code=code, role="enterprise", session=None, firm={}, year=None)
    sec = hooks.profile_section(ctx)
    assert len(mine) >= 2
    assert {r["project_id"] for r in sec.context["rows"]} == mine
    assert sec.template == "projects/profile.html" and sec.anchor == "projects"
    bank = SimpleNamespace(**{**vars(ctx), "role": "bank", "user": SimpleNamespace(role="bank")})
    assert hooks.profile_section(bank) is None


@pytest.mark.usefixtures("own_sql")
def test_the_yearly_figures_are_compiled_once_per_span_and_level(city: BookCity) -> None:
    """The indicators and the review ask for the same span on every build: the city's and the
    districts' figures compile once, and a second call gives the same rows."""
    from zhizao.engine import compiled

    before = dict(compiled.stats)
    first = hooks.indicators(city.settings, 2019, 2024, None)
    # the plans in force (every query's input), the city level and the district level
    assert compiled.stats["compiled"] - before["compiled"] == 3
    again = hooks.indicators(city.settings, 2019, 2024, None)
    # the same rows; a share's last bits may differ (DuckDB adds a sum's parts on its threads)
    assert [{k: v for k, v in r.items() if k != "exact"} for r in again] == \
        [{k: v for k, v in r.items() if k != "exact"} for r in first]
    assert [r["exact"] for r in again] == pytest.approx([r["exact"] for r in first], rel=1e-12)
    assert compiled.stats["compiled"] - before["compiled"] == 3
    assert compiled.stats["memory"] - before["memory"] == 3
