"""``/api/greenfactory``: published 星级绿色工厂 results (CONTRACT.md row fields), same scopes as
carbon without the banks: city all, district its region, enterprise its own, auditor all (audited)."""

from zhizao.web.api_results import results_router

router = results_router("greenfactory", "星级绿色工厂", outcome_param="stars", outcome_title="星级",
                        order="credit_code", what="greenfactory")
