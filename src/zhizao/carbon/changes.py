"""Why a firm's carbon grade changed between two runs (``zhizao runs diff``), in Chinese.

For every firm whose grade, level or status differs, and every firm that entered or left the
graded population, the causes are named from what the two runs record: the gate (a held firm),
the population rule, the grid factor, the benchmark (which firms left or joined it and why, or a
published value replacing the computed one), the firm's own data, and the rounding rule. When
both the firm's intensity and its benchmark moved, the counterfactual grade at the old
benchmark says which of the two decided the change. Runs written before a rule existed (no
``gate``, ``population`` or ``rounding`` in their methodology) are read as having had none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

#: Chinese names of the statuses
STATUS_ZH = {"graded": "已评级", "ungraded": "未评级", "held": "待核"}
TRACK_ZH = {"above_scale": "规上", "below_scale": "规下"}


def _num(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:,.{digits}f}".rstrip("0").rstrip(".")


def _rel_diff(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is not b
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def _bands(m: Mapping[str, Any]) -> list[float]:
    return [float(g["upper"]["value"]) for g in m.get("grades", [])[:-1] if g.get("upper")]


def _grade_of(k: float, m: Mapping[str, Any]) -> int:
    digits = (m.get("rounding") or {}).get("k_value")
    kk = round(k, digits) if digits is not None else k
    for i, u in enumerate(_bands(m), start=1):
        if kk <= u:
            return i
    return len(_bands(m)) + 1


def _population_text(m: Mapping[str, Any]) -> str:
    p = m.get("population")
    if not p:
        return "全部登记企业"
    tracks = "、".join(f"{TRACK_ZH.get(t, t)}企业" for t in p.get("tracks", []))
    return tracks + ("（当年底前成立）" if p.get("existing_only") else "")


def rule_changes(ma: Mapping[str, Any], mb: Mapping[str, Any], ta: Mapping[str, dict[str, Any]],
                 tb: Mapping[str, dict[str, Any]]) -> list[str]:
    """The changes of rules between the two runs' methodologies (Chinese sentences)."""
    out: list[str] = []
    ga = {float(r["grid_factor"]) for r in ta.values() if r.get("grid_factor") is not None}
    gb = {float(r["grid_factor"]) for r in tb.values() if r.get("grid_factor") is not None}
    if ga != gb:
        fa = "、".join(_num(x * 1000) for x in sorted(ga)) or "—"
        fb = "、".join(_num(x * 1000) for x in sorted(gb)) or "—"
        out.append(f"电网排放因子由 {fa} 千克/千瓦时改为 {fb} 千克/千瓦时")
    if _population_text(ma) != _population_text(mb):
        out.append(f"评价范围由{_population_text(ma)}改为{_population_text(mb)}")
    names_a = [c.get("name") for c in ma.get("gate") or []]
    names_b = [c.get("name") for c in mb.get("gate") or []]
    if names_a != names_b:
        out.append("发布前核查：" + ("新增" if not names_a else "改为") + "“" + "”“".join(str(n) for n in names_b) + "”"
                   if names_b else "取消了发布前核查")
    ba, bb = ma.get("benchmark") or {}, mb.get("benchmark") or {}
    if (ba.get("origin") or "computed") != (bb.get("origin") or "computed"):
        out.append("行业基准改为公布值" if bb.get("origin") == "imported" else "行业基准改为本地计算")
    if ba.get("level") != bb.get("level") or ba.get("statistic") != bb.get("statistic"):
        out.append("行业基准的对标层级或计算方式改变")
    if (ma.get("rounding") or {}) != (mb.get("rounding") or {}) and mb.get("rounding"):
        out.append(f"等级按公布的碳效值（保留 {mb['rounding'].get('k_value')} 位小数）判定")
    return out


def _group_moves(ta: Mapping[str, dict[str, Any]], tb: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, list]]:
    """Per benchmark industry of run b: firms graded in a that are held or gone in b, and firms
    graded in b that were not graded in a."""
    groups: dict[str, dict[str, list]] = defaultdict(lambda: {"held": [], "gone": [], "joined": [], "released": []})
    for code, was in ta.items():
        if was.get("status") != "graded":
            continue
        now = tb.get(code)
        key = str((now or was).get("benchmark_code"))
        if now is None:
            groups[key]["gone"].append(was)
        elif now.get("status") == "held":
            groups[key]["held"].append(now)
    for code, now in tb.items():
        if now.get("status") != "graded":
            continue
        before = ta.get(code)
        if before is None or before.get("status") != "graded":
            key = str(now.get("benchmark_code"))
            held_before = before is not None and before.get("status") == "held"
            groups[key]["released" if held_before else "joined"].append(now)
    return groups


def _benchmark_why(group: Mapping[str, list], rules: list[str], src_a: Any, src_b: Any) -> list[str]:
    why: list[str] = []
    if group.get("held"):
        eg = group["held"][0]
        why.append(f"同行业 {len(group['held'])} 家企业未通过发布前核查、不再计入基准"
                   f"（如{eg.get('name') or eg.get('credit_code')}：{eg.get('reason')}）")
    if group.get("gone"):
        why.append(f"同行业 {len(group['gone'])} 家企业不在新的评价范围内、不再计入基准")
    if group.get("released"):
        why.append(f"同行业 {len(group['released'])} 家企业经放行或更正后重新计入基准")
    if group.get("joined"):
        why.append(f"同行业新增 {len(group['joined'])} 家企业计入基准")
    if src_a != src_b and src_b:
        why.append(f"基准来源改为：{src_b}")
    if any(r.startswith("电网排放因子") for r in rules):
        why.append("电网排放因子改变了同行业各企业的排放量")
    return why or ["同行业企业数据变化"]


def explain(ma: Mapping[str, Any], mb: Mapping[str, Any], ta: Mapping[str, dict[str, Any]],
            tb: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """``{rules: [..], firms: {credit_code: [why, …]}}`` for every firm whose grade, level or status
    changed, entered or left (Chinese, no internal names)."""
    rules = rule_changes(ma, mb, ta, tb)
    groups = _group_moves(ta, tb)
    pop_b = _population_text(mb)
    firms: dict[str, list[str]] = {}
    for code in sorted(set(ta) | set(tb)):
        ra, rb = ta.get(code), tb.get(code)
        if rb is None:
            assert ra is not None
            firms[code] = [f"不在新的评价范围（{pop_b}）内，不再评级"]
            continue
        if ra is None:
            firms[code] = [f"新纳入评价范围（{pop_b}）"]
            continue
        sa, sb = ra.get("status"), rb.get("status")
        if ra.get("grade") == rb.get("grade") and ra.get("level") == rb.get("level") and sa == sb:
            continue
        why: list[str] = []
        if sb == "held":
            why.append(f"未通过发布前核查：{rb.get('reason')}；待核期间不评级、不计入基准")
        elif sa == "held" and sb != "held":
            why.append("已放行或数据已更正，按一般规则重新" + ("评级" if sb == "graded" else "判断"))
        elif sb == "ungraded":
            why.append(f"未评级：{rb.get('reason')}")
        elif sa == "ungraded":
            why.append(f"原未评级（{ra.get('reason')}），现已具备评级条件")
        else:
            why += _grade_why(ra, rb, ma, mb, rules, groups)
        firms[code] = why
    return {"rules": rules, "firms": firms}


def _grade_why(ra: dict[str, Any], rb: dict[str, Any], ma: Mapping[str, Any], mb: Mapping[str, Any],
               rules: list[str], groups: Mapping[str, Mapping[str, list]]) -> list[str]:
    la, lb = ra.get("intensity"), rb.get("intensity")
    bma, bmb = ra.get("benchmark_intensity"), rb.get("benchmark_intensity")
    own_moved, bench_moved = _rel_diff(la, lb), _rel_diff(bma, bmb)
    parts: list[str] = []
    own: list[str] = []
    if own_moved:
        if _rel_diff(ra.get("grid_factor"), rb.get("grid_factor")):
            own.append(f"电网排放因子由 {_num((ra.get('grid_factor') or 0) * 1000)} 改为 "
                       f"{_num((rb.get('grid_factor') or 0) * 1000)} 千克/千瓦时")
        if _rel_diff(ra.get("value_added"), rb.get("value_added")):
            own.append(f"本企业工业增加值由 {_num(ra.get('value_added'), 2)} 万元变为 {_num(rb.get('value_added'), 2)} 万元")
        if not own:
            own.append("本企业能源或零碳电力数据变化")
        own_text = (f"本企业碳排放强度由 {_num(la)} 变为 {_num(lb)} 吨/万元（" + "；".join(own) + "）")
    bench_text = ""
    if bench_moved:
        group = groups.get(str(rb.get("benchmark_code")), {})
        bench_text = (f"行业基准由 {_num(bma)} 变为 {_num(bmb)} 吨/万元（"
                      + "；".join(_benchmark_why(group, rules, ra.get("benchmark_source"), rb.get("benchmark_source")))
                      + "）")
    if own_moved and bench_moved and lb is not None and bma:
        # which move decided it: the grade at the old benchmark with the new intensity
        g_cf = _grade_of(lb / bma, mb)
        if g_cf == ra.get("grade"):
            parts += [f"主要原因：{bench_text}", f"同时{own_text}"]
        elif g_cf == rb.get("grade"):
            parts += [f"主要原因：{own_text}", f"同时{bench_text}"]
        else:
            parts += [own_text, bench_text]
    elif own_moved:
        parts.append(own_text)
    elif bench_moved:
        parts.append(bench_text)
    else:
        rounding = [r for r in rules if r.startswith("等级按公布")]
        parts.append(rounding[0] if rounding else "等级划分规则改变")
    if ra.get("level") != rb.get("level"):
        parts.append(f"碳效水平由{ra.get('level') or '—'}变为{rb.get('level') or '—'}（按碳排放强度判定）")
    return parts
