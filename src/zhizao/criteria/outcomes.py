"""The outcome codes of criteria and their words (no Ibis: read by pages, exports and the
capabilities without importing the engine that computes them)::

    UNMET 0 < UNKNOWN 1 < MANUAL 2 < MET 3
"""

from __future__ import annotations

UNMET, UNKNOWN, MANUAL, MET = 0, 1, 2, 3
OUTCOME_NAMES: dict[int, str] = {UNMET: "unmet", UNKNOWN: "unknown", MANUAL: "manual", MET: "met"}
#: overall outcome of a rule set from the code of its top-level ``all``
RESULT_NAMES: dict[int, str] = {UNMET: "not_qualified", UNKNOWN: "unknown", MANUAL: "manual_review", MET: "qualified"}
OUTCOME_TEXT: dict[str, str] = {"met": "满足", "unmet": "不满足", "unknown": "数据缺失", "manual": "需人工核定"}
RESULT_TEXT: dict[str, str] = {"qualified": "符合", "not_qualified": "不符合", "unknown": "数据不全",
                               "manual_review": "待人工核定"}

#: columns of the titles input (the ``titles`` contract table)
TITLE_COLUMNS = ("credit_code", "title", "level", "granted_on", "expires_on", "revoked_on")
