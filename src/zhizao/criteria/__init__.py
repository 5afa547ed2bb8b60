"""The criteria engine: rule sets as versioned data, screened as one Ibis expression.

Core package (imports no room). Used by the cultivation room (tiers) and the policies room
(eligibility). See docs/criteria.md.
"""

from zhizao.criteria.engine import (
    MANUAL,
    MET,
    OUTCOME_NAMES,
    OUTCOME_TEXT,
    RESULT_NAMES,
    RESULT_TEXT,
    TITLE_COLUMNS,
    UNKNOWN,
    UNMET,
    Measure,
    node_columns,
    screen,
    validate,
)
from zhizao.criteria.explain import criteria_rows, sentence
from zhizao.criteria.model import (
    LEVEL_TEXT,
    LEVELS,
    OP_TEXT,
    OPS,
    All,
    Any_,
    Comparison,
    CriteriaError,
    Manual,
    Node,
    Not,
    RuleSet,
    TitleHeld,
    check_nodes,
    children,
    load_ruleset,
    walk,
)

__all__ = [
    "LEVELS", "LEVEL_TEXT", "MANUAL", "MET", "OPS", "OP_TEXT", "OUTCOME_NAMES", "OUTCOME_TEXT", "RESULT_NAMES",
    "RESULT_TEXT", "TITLE_COLUMNS", "UNKNOWN", "UNMET", "All", "Any_", "Comparison", "CriteriaError", "Manual",
    "Measure", "Node", "Not", "RuleSet", "TitleHeld", "check_nodes", "children", "criteria_rows", "load_ruleset",
    "node_columns", "screen", "sentence", "validate", "walk",
]
