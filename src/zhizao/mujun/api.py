"""``/api/mujun``: published 亩均论英雄 results (CONTRACT.md row fields), ranked lists by class."""

from zhizao.web.api_results import results_router

router = results_router("mujun", "亩均论英雄", outcome_param="class", outcome_title="亩均分类", order="rank",
                        what="mujun")
