"""Policy documents as data: the shipped Huzhou items, validation, modes."""

from __future__ import annotations

import copy

import pytest
import yaml

from zhizao.policies.catalogue import Catalogue, CatalogueError, describe, load_file, mode, parse, shipped


def _huzhou() -> dict:
    from importlib.resources import files

    return yaml.safe_load((files("zhizao.policies") / "documents" / "huzhou-manufacturing-2023.yaml")
                          .read_text(encoding="utf-8"))


def test_huzhou_document_is_cited_by_its_number_with_items_for_each_shape():
    doc = next(d for d in shipped() if d.number == "湖政办发〔2023〕23号")
    assert doc.issuer == "湖州市人民政府办公室"
    assert doc.valid_from.isoformat() == "2023-01-01" and doc.valid_to.isoformat() == "2025-12-31"
    it = {i.id: i for i in doc.items}
    tech = it["hz23-tech-upgrade"]
    assert tech.type == "奖补" and tech.kind == "award"
    assert tech.benefit.rate.value == 0.08 and tech.benefit.cap.value == 1000
    assert [r.value for r in tech.eligibility if r.measure == "equipment_investment"] == [500]
    bench = it["hz23-tech-upgrade-benchmark"]
    assert bench.benefit.rate.value == pytest.approx(0.12) and bench.benefit.cap.value == 3000
    assert tech.stacking.group == bench.stacking.group and tech.stacking.rule == "highest"
    assert it["hz23-chain-strengthen"].benefit.rate.value == 0.12
    assert it["hz23-chain-strengthen"].benefit.cap.value == 3000
    semi = it["hz23-chain-semiconductor"].benefit
    assert semi.tiers[0].rate == 0.15 and max(t.rate for t in semi.tiers) == 0.30
    assert semi.cap.value == 5000
    assert [t.threshold for t in it["hz23-revenue-milestone"].benefit.thresholds] == [1000, 2000, 5000, 10000]


def test_every_default_value_is_marked_and_every_source_declared():
    for d in shipped():
        for it in d.items:
            for th in it.benefit.thresholds:
                assert th.source in d.sources
            if it.benefit.formula == "by_class":
                assert it.benefit.rates_source in d.sources


def test_eligibility_naming_an_unknown_attribute_fails_validation_naming_it():
    data = copy.deepcopy(_huzhou())
    data["items"][0]["eligibility"][2]["measure"] = "equipment_investmnet"
    with pytest.raises(CatalogueError, match=r"hz23-tech-upgrade.*equipment_investmnet"):
        parse(data)


def test_an_undeclared_source_fails_validation():
    data = copy.deepcopy(_huzhou())
    data["items"][0]["benefit"]["cap"]["source"] = "nowhere"
    with pytest.raises(CatalogueError, match="nowhere"):
        parse(data)


def test_a_firm_item_cannot_read_a_project_measure():
    data = copy.deepcopy(_huzhou())
    data["items"][0]["level"] = "firm"
    with pytest.raises(CatalogueError, match="项目指标"):
        parse(data)


def test_validate_a_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(_huzhou(), allow_unicode=True), encoding="utf-8")
    assert load_file(f).number == "湖政办发〔2023〕23号"
    f.write_text("items: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match="无法读取"):
        load_file(f)


def test_mode_is_derived_from_what_the_data_holds():
    cat = Catalogue()
    assert mode(cat.item("hz23-revenue-milestone"), {"enterprises", "statistics_annual"})[0] == "no_application"
    m, reason = mode(cat.item("zj-diff-water"), {"enterprises"})
    assert m == "fast_application" and "年用水量" in reason
    m, reason = mode(cat.item("hz23-emerging-upgrade"), {"enterprises", "projects", "project_milestones"})
    assert m == "fast_application" and "重点产业链项目认定" in reason


def test_describe_gives_the_contract_fields():
    cat = Catalogue()
    d = describe(cat.item("hz23-tech-upgrade"), cat.document_of("hz23-tech-upgrade"))
    for k in ("item_id", "title", "type", "mode", "eligibility", "benefit", "source", "office", "hotline",
              "valid_from", "valid_to", "document"):
        assert k in d
    assert d["document"]["number"] == "湖政办发〔2023〕23号"


def test_unknown_item_is_refused():
    with pytest.raises(CatalogueError, match="未知的政策条目"):
        Catalogue().item("nope")
