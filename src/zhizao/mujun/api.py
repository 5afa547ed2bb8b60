"""``/api/mujun``: published 亩均论英雄 results (CONTRACT.md row fields), ranked lists by class.

Objections to 亩均 results follow the round's procedure (``zhizao.mujun.profile.PROCEDURE``,
declared in the room), behind ``POST /api/objections`` like every room's.
"""

from __future__ import annotations

from zhizao.web.api_results import results_router

router = results_router("mujun", "亩均论英雄", outcome_param="class", outcome_title="亩均分类", order="rank",
                        what="mujun")
