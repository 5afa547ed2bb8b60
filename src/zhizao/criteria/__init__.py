"""The criteria engine: rule sets as versioned data, screened as one Ibis expression.

Core package (imports no room). Used by the cultivation room (tiers) and the policies room
(eligibility). See docs/criteria.md. Its names are exported lazily: the outcome words and the
rule-set model cost no Ibis import; the screening engine imports Ibis when first used.
"""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.criteria.engine import Measure, node_columns, screen, validate
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
    from zhizao.criteria.outcomes import (
        MANUAL,
        MET,
        OUTCOME_NAMES,
        OUTCOME_TEXT,
        RESULT_NAMES,
        RESULT_TEXT,
        TITLE_COLUMNS,
        UNKNOWN,
        UNMET,
    )

__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(("Measure", "node_columns", "screen", "validate"), "zhizao.criteria.engine"),
    **dict.fromkeys(("criteria_rows", "sentence"), "zhizao.criteria.explain"),
    **dict.fromkeys(("MANUAL", "MET", "OUTCOME_NAMES", "OUTCOME_TEXT", "RESULT_NAMES", "RESULT_TEXT",
                     "TITLE_COLUMNS", "UNKNOWN", "UNMET"), "zhizao.criteria.outcomes"),
    **dict.fromkeys(("LEVEL_TEXT", "LEVELS", "OP_TEXT", "OPS", "All", "Any_", "Comparison", "CriteriaError",
                     "Manual", "Node", "Not", "RuleSet", "TitleHeld", "check_nodes", "children", "load_ruleset",
                     "walk"), "zhizao.criteria.model"),
})

__all__ = [
    "LEVELS", "LEVEL_TEXT", "MANUAL", "MET", "OPS", "OP_TEXT", "OUTCOME_NAMES", "OUTCOME_TEXT", "RESULT_NAMES",
    "RESULT_TEXT", "TITLE_COLUMNS", "UNKNOWN", "UNMET", "All", "Any_", "Comparison", "CriteriaError", "Manual",
    "Measure", "Node", "Not", "RuleSet", "TitleHeld", "check_nodes", "children", "criteria_rows", "load_ruleset",
    "node_columns", "screen", "sentence", "validate", "walk",
]
