"""A tiny city for the page tests: ten firms in two districts, two years, imported through the
real importer, evaluated (carbon, mujun) with the shipped methodologies, published, and one
account per role. Small enough to build in a few seconds, rich enough that every page has
something to show (all five carbon grades need not occur; several do)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from city import Firm, credit_code, import_tables, tables

from zhizao.settings import Settings

YEARS = (2023, 2024)
PASSWORD = "Zhizao-test-2024!"
WUXING, NANXUN = "330502", "330503"
STALLED = 4  # the firm whose electricity collapses in the last quarter

# (region, industry class, above scale, value added 万元 in 2023, kWh per 万元 VA, coal t, land 亩)
FIRMS = [
    (WUXING, "1711", True, 5200, 900, 0, 40),
    (WUXING, "1711", True, 3100, 1400, 300, 25),
    (WUXING, "1752", True, 8800, 700, 1200, 60),
    (WUXING, "1752", True, 2500, 2600, 900, 18),
    (WUXING, "2110", True, 4100, 350, 0, 30),
    (WUXING, "2110", False, 600, 500, 0, 5),
    (NANXUN, "3011", True, 12000, 1900, 9000, 120),
    (NANXUN, "3011", True, 7000, 1100, 3000, 80),
    (NANXUN, "3841", True, 15000, 400, 0, 70),
    (NANXUN, "3311", False, 800, 600, 0, 2),
]


NAMES = [f"湖州示范{kind}有限公司{i + 1}" for i, kind in
         enumerate(["纺织", "纺织", "印染", "印染", "家具", "家具", "建材", "建材", "新能源", "金属"])]
CODES = [credit_code(i, f[0]) for i, f in enumerate(FIRMS)]
TABLES = ("enterprises", "statistics_annual", "tax", "energy", "land", "emissions")


@dataclass
class City:
    settings: Settings
    codes: list[str]
    regions: list[str]
    names: list[str]
    users: dict[str, str] = field(default_factory=dict)  # role key → username
    runs: dict[tuple[str, int], str] = field(default_factory=dict)


def firms() -> list[Firm]:
    """The ten firms in each year: value added grows 8 % a year with a firm's own wobble; monthly
    electricity, coal in June, one parcel, COD."""
    out = []
    for k, y in enumerate(YEARS):
        growth = 1.0 + 0.08 * k
        for i, (c, name, f) in enumerate(zip(CODES, NAMES, FIRMS, strict=True)):
            region, industry, above, va, kwh_per, coal, mu = f
            va_y = round(va * growth * (1 + 0.03 * ((i * 7 + k) % 5 - 2)), 1)
            revenue = round(va_y * 3.6, 1)
            monthly_kwh = round(va_y * kwh_per / 12)
            # firm 4 (furniture) nearly stops in the last quarter of the last year: a warning
            stalled = i == STALLED and y == YEARS[-1]
            energy: dict[str, float | dict[int, float]] = {"electricity": {
                m: round(monthly_kwh * 0.05) if stalled and m >= 10 else monthly_kwh for m in range(1, 13)}}
            if coal:
                energy["raw_coal"] = {6: coal}
            out.append(Firm(c, name=name, region=region, industry=industry, founded="2010-05-01", year=y, above=above,
                            gross_output=round(va_y * 3.9, 1), value_added=va_y, revenue=revenue, employees=40 + 12 * i,
                            rd=round(revenue * 0.021 * (1 + i % 3), 1), tax=round(va_y * (0.05 + 0.01 * (i % 4)), 1),
                            parcels=[(f"ZD-{i:03d}", mu, "owned")], energy=energy,
                            emissions={"cod": round(0.4 + i * 0.3, 2)}))
    return out


def bad_tax_file(folder: Path, codes: list[str], year: int = 2022) -> Path:
    """A tax file with two good rows and three bad ones (bad code, unknown firm, a number in
    words). Each test uses its own ``year``: identical content would be a duplicate import."""
    rows = [[codes[0], year, 120.5], [codes[1], year, 88], ["91330502MA2B0000", year, 10],
            [credit_code(9999, WUXING), year, 10], [codes[2], year, "一百"]]
    path = folder / "tax-with-errors.csv"
    path.write_text("统一社会信用代码,年度,实缴税金\n" + "".join(f"{c},{y},{v}\n" for c, y, v in rows), encoding="utf-8")
    return path


def build(settings: Settings, work: Path) -> City:
    from zhizao import capabilities
    from zhizao.engine import connect
    from zhizao.methodology.loader import find
    from zhizao.runs.registry import execute
    from zhizao.store.accounts import NewUser, add_user
    from zhizao.store.db import init_store, session_scope
    from zhizao.store.publish import publish

    import_tables(settings, tables(firms(), YEARS[0], TABLES), work, source="测试")
    codes = list(CODES)
    city = City(settings, codes, [f[0] for f in FIRMS], [])
    init_store(settings)
    # carbon for both years (the profile's history chart), published at once
    for method, years in (("carbon", YEARS),):
        cap = capabilities.get(method)
        for y in years:
            eng = connect(settings, "duckdb")
            try:
                notes_for = cap.extra.get("notes_for")
                m = find(None, method, y)
                run = execute(settings, eng, method, y, m, notes=notes_for(m, y) if notes_for else None)
            finally:
                eng.close()
            city.runs[(method, y)] = run.run_id
            publish(settings, run.run_id, user="tester")
    # mujun for the last year only (its evaluation is the slow one), through the bureau's
    # workflow: freeze, land-area notice, scoring, results notice with its objection window open
    import datetime as dt

    from zhizao.mujun import workflow

    y = YEARS[-1]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    workflow.freeze(settings, y, "tester", now=now - dt.timedelta(days=7))
    workflow.land_notice(settings, y, "tester", days=5, now=now - dt.timedelta(days=7))
    city.runs[("mujun", y)] = workflow.score(settings, y, "tester", now=now - dt.timedelta(days=1))["run_id"]
    workflow.results_notice(settings, y, "tester", days=7)
    # a second carbon run of the last year, unpublished, so the runs page has two to diff
    eng = connect(settings, "duckdb")
    try:
        y = YEARS[-1]
        run = execute(settings, eng, "carbon", y, find(None, "carbon", y), notes=["复核重算"])
        city.runs[("carbon-rerun", y)] = run.run_id
    finally:
        eng.close()
    with session_scope(settings) as s:
        accounts = {
            "city": NewUser("city1", "city", display_name="市经信局分析员"),
            "district": NewUser("wuxing1", "district", region_code=WUXING, display_name="吴兴区经信局"),
            "enterprise": NewUser("firm1", "enterprise", credit_code=codes[0], display_name="示范纺织"),
            "enterprise_other": NewUser("firm7", "enterprise", credit_code=codes[6], display_name="示范建材"),
            "bank": NewUser("bank1", "bank", display_name="湖州银行"),
            "auditor": NewUser("audit1", "auditor", display_name="审计员"),
        }
        for key, nu in accounts.items():
            add_user(s, nu, PASSWORD)
            city.users[key] = nu.username
    return city


_SHARED: dict[str, City] = {}


def shared(tmp_path_factory) -> City:  # type: ignore[no-untyped-def]
    """One tiny city per test session, shared by the page tests and the browser tests (it takes
    about half a minute to build; tests that change it use fresh subjects and firms of their own)."""
    if "city" not in _SHARED:
        from zhizao.settings import load_settings

        root = tmp_path_factory.mktemp("tinycity")
        settings = load_settings(root / "home").ensure()
        _SHARED["city"] = build(settings, root / "files")
    return _SHARED["city"]
