"""What a green-factory run reads beside the exchange tables: the carbon run of the year.

CO2 per 万元 of output is derived from the emissions the 工业碳效码 room computed for the same
year: the published carbon run when there is one, else the newest carbon run of the year. The run
used is named in the green-factory run's notes; without any, the indicator is taken as supplied.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from zhizao.settings import Settings


def carbon_run_id(settings: Settings, year: int) -> str | None:
    from zhizao import runs

    try:
        from zhizao.store import publish
        from zhizao.store.db import session_scope

        with session_scope(settings) as s:
            pub = publish.published_run(s, "carbon", year)
            if pub is not None:
                return str(pub.run_id)
    except Exception:
        pass
    try:
        found = runs.list_runs(settings, "carbon", year)
    except Exception:
        return None
    return found[-1].run_id if found else None


def context_inputs(settings: Settings, year: int) -> tuple[dict[str, pa.Table], list[str]]:
    from zhizao import runs

    run_id = carbon_run_id(settings, year)
    if run_id is None:
        return {}, [f"{year} 年没有碳效码运行，单位产值碳排放量按企业填报值计"]
    table = runs.results(settings, run_id)
    cols: dict[str, Any] = {"credit_code": table["credit_code"], "emissions_t": table["emissions_t"]}
    return {"carbon_run": pa.table(cols)}, [f"单位产值碳排放量取自碳效码运行 {run_id}"]
