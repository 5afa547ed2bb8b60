"""星级绿色工厂 (star-rated green factories): METHODS.md section 3.

The scoring is :func:`zhizao.greenfactory.method.evaluate` (one Ibis expression); its rules are
:class:`zhizao.greenfactory.methodology.GreenFactoryMethodology` files in ``methodologies/`` (one
per version of GB/T 36132); the green-factory ladder (titles, candidates, re-review, removal) is
:mod:`zhizao.greenfactory.ladder`. Other rooms use only what this module exports.
"""

from zhizao.greenfactory.method import STATUS_NOT_ASSESSED, STATUS_RATED, STATUS_VETOED, evaluate, to_rows
from zhizao.greenfactory.methodology import GreenFactoryMethodology

__all__ = ["STATUS_NOT_ASSESSED", "STATUS_RATED", "STATUS_VETOED", "GreenFactoryMethodology", "evaluate", "to_rows"]
