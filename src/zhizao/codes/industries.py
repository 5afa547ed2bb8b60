"""GB/T 4754-2017 industries (国民经济行业分类) and the category flags derived from them.

The classification is a packaged, versioned copy (``data/gbt4754_2017.csv``; sources in
``data/SOURCES.md``): 20 sections (门类, a letter), 97 divisions (大类, 2 digits), 473 groups
(中类, 3 digits) and 1,381 classes (小类, 4 digits). Firms are keyed on their 4-digit class.

Category flags (``industry_flags``) are the *default* classification of a class; where the
statistics bureau gives a firm's own flag in ``statistics_annual`` that flag wins
(CONTRACT.md), because two of the four lists are only partly machine-readable:

- 装备制造业 (equipment): divisions 33–40; 43 (repair) is disputed, hence ``include_43``;
- 高技术制造业 (high_tech): the 85 classes of 高技术产业（制造业）分类（2017）;
- 数字经济核心产业 (digital_core): the manufacturing classes of 01 数字产品制造业 of the
  2021 classification (``data/digital_core_2021.csv``);
- 战略性新兴产业 (strategic_emerging): the manufacturing classes wholly inside one of the nine
  industries of the 2018 classification (``data/strategic_emerging_2018.csv``), a lower bound.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

#: version tag of the packaged classification
VERSION = "GB/T 4754-2017"
EQUIPMENT_DIVISIONS = ("33", "34", "35", "36", "37", "38", "39", "40")
#: 金属制品、机械和设备修理业: in the 2014 NBS wording of 装备制造业, disputed since
DISPUTED_EQUIPMENT_DIVISION = "43"


def read_data_csv(name: str) -> pa.Table:
    """A packaged CSV with every column as text (codes keep their leading zeros)."""
    path = resources.files("zhizao.codes").joinpath("data", name)
    with path.open("rb") as f:
        header = f.readline().decode("utf-8").strip().split(",")
        f.seek(0)
        return pacsv.read_csv(
            f,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, strings_can_be_null=False
            ),
        )


@cache
def _raw() -> pa.Table:
    return read_data_csv("gbt4754_2017.csv")


@cache
def _names() -> dict[str, str]:
    t = _raw()
    return dict(zip(t.column("code").to_pylist(), t.column("name").to_pylist(), strict=True))


@cache
def _parents() -> dict[str, str]:
    t = _raw()
    return dict(zip(t.column("code").to_pylist(), t.column("parent").to_pylist(), strict=True))


@cache
def _levels() -> dict[str, str]:
    t = _raw()
    return dict(zip(t.column("code").to_pylist(), t.column("level").to_pylist(), strict=True))


@cache
def class_table() -> pa.Table:
    """One row per 4-digit class: ``industry_code, name, group_code, division_code,
    division_name, section``."""
    raw = _raw()
    classes = raw.filter(pc.equal(raw.column("level"), "class"))
    codes = classes.column("code").to_pylist()
    parents = _parents()
    names = _names()
    divisions = [c[:2] for c in codes]
    return pa.table({
        "industry_code": codes,
        "name": classes.column("name").to_pylist(),
        "group_code": classes.column("parent").to_pylist(),
        "division_code": divisions,
        "division_name": [names[d] for d in divisions],
        "section": [parents[d] for d in divisions],
    })


@cache
def division_table() -> pa.Table:
    """One row per 2-digit division: ``division_code, name, section``."""
    raw = _raw()
    divs = raw.filter(pc.equal(raw.column("level"), "division"))
    return pa.table({
        "division_code": divs.column("code"),
        "name": divs.column("name"),
        "section": divs.column("parent"),
    })


@cache
def section_table() -> pa.Table:
    """One row per section (门类): ``section, name``."""
    raw = _raw()
    secs = raw.filter(pc.equal(raw.column("level"), "section"))
    return pa.table({"section": secs.column("code"), "name": secs.column("name")})


@cache
def notes() -> dict[str, str]:
    """The standard's scope notes (说明) by code, where the packaged extraction has one."""
    t = read_data_csv("gbt4754_2017_notes.csv")
    return dict(zip(t.column("code").to_pylist(), t.column("note").to_pylist(), strict=True))


@cache
def hightech_table() -> pa.Table:
    """高技术产业（制造业）分类（2017）: ``category_code, category, class_code, class_name``."""
    return read_data_csv("hightech_manufacturing_2017.csv")


@cache
def digital_core_table() -> pa.Table:
    """Classes of 数字经济核心产业 (2021) mapped here, with their category and source."""
    return read_data_csv("digital_core_2021.csv")


@cache
def strategic_emerging_table() -> pa.Table:
    """Classes of 战略性新兴产业 (2018) mapped here, with their category and source."""
    return read_data_csv("strategic_emerging_2018.csv")


def equipment_divisions(include_43: bool = False) -> tuple[str, ...]:
    """Divisions counted as 装备制造业."""
    return EQUIPMENT_DIVISIONS + ((DISPUTED_EQUIPMENT_DIVISION,) if include_43 else ())


def industry_flags(include_43: bool = False) -> pa.Table:
    """One row per class: ``industry_code, division_code, equipment, high_tech, digital_core,
    strategic_emerging`` (booleans), the code-derived default of each category."""
    classes = class_table()
    codes = classes.column("industry_code")
    return pa.table({
        "industry_code": codes,
        "division_code": classes.column("division_code"),
        "equipment": pc.is_in(classes.column("division_code"),
                              value_set=pa.array(equipment_divisions(include_43))),
        "high_tech": pc.is_in(codes, value_set=hightech_table().column("class_code")),
        "digital_core": pc.is_in(codes, value_set=digital_core_table().column("industry_code")),
        "strategic_emerging": pc.is_in(codes, value_set=strategic_emerging_table().column("industry_code")),
    })


def normalise(code: str | None) -> str:
    """Trimmed code without a section letter prefix (``C3841`` → ``3841``)."""
    c = (code or "").strip().upper()
    if len(c) in (3, 4, 5) and c[0].isalpha() and c[1:].isdigit():
        c = c[1:]
    return c


def is_class(code: str | None) -> bool:
    """Is ``code`` a 4-digit class of GB/T 4754-2017?"""
    c = normalise(code)
    return _levels().get(c) == "class"


def level(code: str | None) -> str | None:
    """``section``, ``division``, ``group``, ``class`` or None for an unknown code."""
    return _levels().get(normalise(code))


def name(code: str | None) -> str | None:
    """The Chinese name of a section, division, group or class; None when unknown."""
    return _names().get(normalise(code))


def division_of(code: str | None) -> str | None:
    """The 2-digit division of a known group or class (or the division itself)."""
    c = normalise(code)
    if _levels().get(c) in ("division", "group", "class"):
        return c[:2]
    return None


def section_of(code: str | None) -> str | None:
    """The section letter of a known division, group or class."""
    d = division_of(code)
    return _parents().get(d) if d else None
