"""The firm's advice names its largest emission source as it is: bought electricity and bought
heat are not burnt on site (issue 17: "热力燃烧排放" for bought heat)."""

from __future__ import annotations

from zhizao.carbon.profile import advice


def _expl(top: str, name: str) -> dict:
    return {"by_energy": [{"energy_type": top, "name": name, "counted": True, "emissions_t": 900.0},
                          {"energy_type": "natural_gas", "name": "天然气", "counted": True, "emissions_t": 100.0}]}


def test_bought_heat_is_advised_as_heat_not_as_burning() -> None:
    [tip] = advice(_expl("heat", "热力"), None)
    assert tip.startswith("外购热力排放占 90%") and "燃烧" not in tip


def test_bought_electricity_and_a_fuel_each_get_their_own_advice() -> None:
    assert advice(_expl("electricity", "电力"), None)[0].startswith("外购电力排放占 90%")
    assert advice(_expl("coal", "原煤"), None)[0].startswith("原煤燃烧排放占 90%")


def test_grades_four_and_five_are_offered_a_free_diagnosis() -> None:
    tips = advice(None, {"grade": 4, "neutrality_rate": 0.1})
    assert tips == ["碳效等级为4–5级的企业可申请免费节能诊断服务。"]
