"""The exchange contract: declarations of the tables departments hand the platform."""

from zhizao.contract.tables import TABLES, Column, Table, get

__all__ = ["TABLES", "Column", "Table", "get"]
