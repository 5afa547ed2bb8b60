"""Property: improving a measure never turns a met criterion (or a qualified firm) into unmet."""

from __future__ import annotations

import pandas as pd
from conformance import shared_duck as _duck
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.criteria.test_engine import AS_OF, MEASURES, firm, firms_frame, rules, title, titles_frame

from zhizao.criteria import screen
from zhizao.engine.compiled import compiled

RANK = {"unmet": 0, "unknown": 1, "manual": 2, "met": 3}
RESULT_RANK = {"not_qualified": 0, "unknown": 1, "manual_review": 2, "qualified": 3}


def _screen(firms: list[dict]) -> pd.DataFrame:
    """The rule set screened over ``firms``, compiled once for all examples (as the rooms compile
    a rule set once per version and inputs): each example replaces the registered tables' rows."""
    eng = _duck()
    t = eng.register("prop_firms", firms_frame(firms))
    ti = eng.register("prop_titles", titles_frame([title(f["credit_code"]) for f in firms]))
    expr = compiled(lambda: screen(rules(), t, titles=ti, measures=MEASURES, as_of=AS_OF),
                    key=("criteria-property", AS_OF.isoformat()), inputs={"firms": t, "titles": ti})
    out = eng.to_pandas(expr)
    return out.set_index("credit_code")


money = st.floats(0.0, 300000.0, allow_nan=False)
maybe_money = st.none() | money

firm_st = st.fixed_dictionaries({
    "revenue": st.floats(1.0, 300000.0), "equity_financing": maybe_money, "liabilities": maybe_money,
    "assets": st.floats(1.0, 300000.0), "rd": money,
})

# "better" per input for these rules: more revenue, equity, R&D; fewer liabilities
improve_st = st.fixed_dictionaries({
    "equity_financing": st.floats(0.0, 5000.0), "liabilities": st.floats(0.0, 5000.0), "rd": st.floats(0.0, 5000.0),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(firm_st, improve_st)
def test_improving_a_measure_never_turns_met_into_unmet(base, step):
    better = dict(base)
    if base["equity_financing"] is not None:
        better["equity_financing"] = base["equity_financing"] + step["equity_financing"]
    if base["liabilities"] is not None:
        better["liabilities"] = max(0.0, base["liabilities"] - step["liabilities"])
    better["rd"] = base["rd"] + step["rd"]
    out = _screen([firm("base", **base), firm("better", **better)])
    ids = [c[:-9] for c in out.columns if c.endswith("__outcome") and c[:-9] not in ("band", "strict")]
    for i in ids:
        if out.loc["base", f"{i}__outcome"] == "met":
            assert out.loc["better", f"{i}__outcome"] == "met", i
    assert RESULT_RANK[out.loc["better", "outcome"]] >= RESULT_RANK[out.loc["base", "outcome"]]
    assert out.loc["better", "gap_score"] <= out.loc["base", "gap_score"] + 1e-9
