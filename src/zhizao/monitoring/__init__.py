"""电力看经济 (power-based activity monitoring) and 数据打架 (cross-department data consistency):
METHODS.md section 7. ``zhizao evaluate monitoring --year Y`` registers the firms' annual
activity and warnings as a run; ``zhizao monitor power --month`` is the monthly working list."""

from typing import TYPE_CHECKING

from zhizao._lazy import exports

if TYPE_CHECKING:
    from zhizao.monitoring.capability import CAPABILITY, HEADERS, MonitoringMethodology, evaluate, to_rows

__getattr__, __dir__ = exports(__name__, dict.fromkeys(('CAPABILITY', 'HEADERS', 'MonitoringMethodology', 'evaluate', 'to_rows'), "zhizao.monitoring.capability"))

__all__ = ['CAPABILITY', 'HEADERS', 'MonitoringMethodology', 'evaluate', 'to_rows']
