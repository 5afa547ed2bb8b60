"""``/api/carbon``: published 工业碳效码 results (CONTRACT.md row fields).

Banks may read the results of firms that granted them consent; every such read is audited.
"""

from zhizao.web.api_results import results_router

router = results_router("carbon", "碳效码", outcome_param="grade", outcome_title="碳效等级", order="credit_code",
                        what="carbon")
