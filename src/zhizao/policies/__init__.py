"""一指减负, 直达快享 (METHODS.md section 6): policy items as versioned data, 免申即享 matching on
the criteria engine, differential measures by 亩均 class and carbon grade, public notices and
payouts, 快申快享 applications on a working-day clock, consent per purpose, questions and
complaints, and the benefit ledger.

Modules: :mod:`~zhizao.policies.catalogue` (documents and items), :mod:`~zhizao.policies.measures`
(what eligibility may name), :mod:`~zhizao.policies.match` (the Ibis matching),
:mod:`~zhizao.policies.differential`, :mod:`~zhizao.policies.workflow`,
:mod:`~zhizao.policies.ledger`, :mod:`~zhizao.policies.workdays` (the calendar file).
"""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.policies.catalogue import KINDS, MODES, Catalogue, CatalogueError, Document, Item

__getattr__, __dir__ = exports(__name__, dict.fromkeys(
    ("KINDS", "MODES", "Catalogue", "CatalogueError", "Document", "Item"), "zhizao.policies.catalogue"))

__all__ = ["KINDS", "MODES", "Catalogue", "CatalogueError", "Document", "Item"]
