"""The shipped zhejiang-carbon methodologies and the validation of user files."""

from __future__ import annotations

import copy

import pytest
import yaml
from pydantic import ValidationError

from zhizao.carbon.methodology import CarbonMethodology
from zhizao.methodology import MethodologyError, find, load_file, shipped


def _data(year: int = 2022) -> dict:
    return copy.deepcopy(find(f"zhejiang-carbon@{year}", "carbon").model_dump(mode="json"))


def test_one_shipped_version_per_year_from_2021():
    versions = sorted(e.methodology.version for e in shipped() if e.methodology.name == "zhejiang-carbon")
    assert versions == ["2021", "2022", "2023", "2024", "2025"]
    for y in range(2021, 2026):
        assert find(f"zhejiang-carbon@{y}", "carbon").applies_to(y)
        assert find(None, "carbon", y).version == str(y)
    assert find(None, "carbon", 2030).version == "2025"  # newest rules carry on


def test_shipped_values_match_methods_md():
    m = find("zhejiang-carbon@2022", "carbon")
    assert isinstance(m, CarbonMethodology)
    assert m.co2_per_canonical("natural_gas") == pytest.approx(21.622 / 1e4)
    assert m.co2_per_canonical("heat") == pytest.approx(0.11)
    # the heat factor is the NDRC accounting guide's 0.11 tCO2/GJ (no longer a DEFAULT of METHODS.md)
    assert m.energy["heat"].co2 is not None and m.energy["heat"].co2.source == "ndrc-guide"
    assert "1722" in m.sources["ndrc-guide"] and m.energy["raw_coal"].co2.source == "ndrc-guide"
    assert m.coal_per_canonical("electricity") == pytest.approx(1.229 / 1e4)
    assert m.grid_factor(2021)[0] == pytest.approx(0.5568e-3)
    assert m.grid_factor(2022)[0] == pytest.approx(0.5366e-3)
    assert [b.upper.value for b in m.grades[:-1] if b.upper] == [0.6, 0.8, 1.2, 2.0]
    assert [b.colour for b in m.grades] == ["深绿", "绿", "黄", "橙", "红"]
    assert [b.upper.value for b in m.levels[:-1] if b.upper] == [0.6, 2.0]
    assert m.benchmark.level == "division" and m.benchmark.statistic == "aggregate"


def test_every_shipped_value_names_a_declared_source():
    for e in shipped():
        if e.methodology.method != "carbon":
            continue
        m = e.methodology
        assert isinstance(m, CarbonMethodology)
        for g in m.grid_factors:
            assert g.source in m.sources and g.published
        for f in m.energy.values():
            assert f.coal.source in m.sources
            assert f.co2 is None or f.co2.source in m.sources


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["energy"]["raw_coal"]["co2"].update(source="nowhere"), "未声明的来源"),
    (lambda d: d["energy"]["natural_gas"]["co2"].update(unit="t/桶"), "无法换算的单位"),
    (lambda d: d["energy"].pop("coke"), "缺少排放因子"),
    (lambda d: d["energy"].update(wood=d["energy"]["coke"]), "未知能源品种"),
    (lambda d: d["grades"][1]["upper"].update(value=0.5), "严格递增"),
    (lambda d: d["grades"][-1].update(upper={"value": 9.0, "source": "db33-1347"}), "最后一档"),
    (lambda d: d.update(grid_factors=[g for g in d["grid_factors"] if g["variant"] != "average"]), "全国电网排放因子"),
    (lambda d: d["benchmark"].update(level="section"), "benchmark.level"),
])
def test_invalid_methodologies_are_rejected_in_chinese(tmp_path, change, message):
    data = _data()
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MethodologyError) as exc:
        load_file(path)
    assert message in str(exc.value)


def test_a_user_file_may_select_group_benchmark_and_regional_grid(tmp_path):
    data = _data()
    data.update(name="my-county", version="1", benchmark={**data["benchmark"], "level": "group"},
                electricity={**data["electricity"], "scope": "regional"})
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    m = load_file(path)
    assert isinstance(m, CarbonMethodology) and m.benchmark_digits() == 3
    assert m.grid_factor(2022, "330000")[0] == pytest.approx(0.5617e-3)
    assert m.grid_factor(2021, "330000")[0] == pytest.approx(0.5568e-3)  # no 2021 regional: national
    assert find(str(path), "carbon", 2022).ref == "my-county@1"


def test_model_validates_directly():
    with pytest.raises(ValidationError):
        CarbonMethodology.model_validate({**_data(), "electricity": {"variant": "solar", "source": "zhizao-default"}})
