"""Deprecated: the page kit moved to :mod:`zhizao.web.ui` (import from there); the core's pages
are ``pages_cockpit``, ``pages_enterprises``, ``pages_imports`` and ``pages_runs``. This module
re-exports the kit until every room imports it from ``zhizao.web.ui``; it has no routes."""

from zhizao.web.ui import *  # noqa: F403
from zhizao.web.ui import (  # noqa: F401
    ERROR_TEXT,
    PAGE_SIZE,
    READ_ROLES,
    WAREHOUSE_BUSY,
    PageError,
    audit_page_read,
    bar_option,
    busy,
    distribution,
    division_name,
    filters,
    forbid,
    is_city_region,
    line_option,
    not_found,
    pages_of,
    pick_year,
    pie_option,
    query_string,
    region_name,
    region_scope,
    scope_of,
    stacked_bar_option,
)
