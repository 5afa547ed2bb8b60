"""Reject codes: why a row of an import was not loaded (CONTRACT.md "Import semantics").

The codes are stable (scripts match on them); the message of each reject is Chinese and names
the bad value. A rejected row gets exactly one reject: its leftmost failing cell in file order,
or ``duplicate_key`` when every cell is valid but its key already appeared earlier in the file.
"""

from __future__ import annotations

#: code → (Chinese title, when it is raised)
REJECT_CODES: dict[str, tuple[str, str]] = {
    "missing_required": ("必填项为空", "a required cell is blank (blank cells are missing, never zero)"),
    "bad_credit_code": ("统一社会信用代码无效",
                        "not 18 characters of the GB 32100 alphabet, an unknown registration authority or "
                        "entity type, or a wrong check character"),
    "unknown_enterprise": ("企业不在名录中",
                           "the credit code is valid but not among the current `enterprises` rows"),
    "bad_number": ("数值无效", "not a number (thousands separators are allowed), or not a whole number "
                               "where one is required"),
    "negative_value": ("数值为负", "a negative value in a column that must not be negative"),
    "out_of_range": ("数值超出范围", "a value above the bound its row's kind allows (e.g. a percentage "
                                     "indicator above 100), or a number of magnitude 10¹⁵ or more in its "
                                     "canonical unit"),
    "bad_unit": ("计量单位无效", "the row's unit is not a unit of the family its kind requires "
                                 "(e.g. 立方米 for electricity)"),
    "bad_date": ("日期或月份无效", "not a date (2024-03-31, 2024/3/31, 20240331, Excel date) or month "
                                   "(2024-03, 2024年3月, 202403)"),
    "future_date": ("日期晚于今天", "an actual (done) date after the day of the import"),
    "unknown_reference": ("引用的记录不存在",
                          "the value names a record of another table that is not among its current rows "
                          "(e.g. a milestone of a project never imported)"),
    "bad_year": ("年度无效", "not a four-digit year between 1900 and 2100"),
    "unknown_code": ("代码无法识别",
                     "a region that is not a current GB/T 2260 county, an industry that is not a GB/T 4754-2017 "
                     "class, a division that is not a division, an unknown enumeration value or boolean"),
    "bad_period": ("日期先后矛盾", "an end date before its start date on the same row, e.g. a title's "
                                   "`expires_on` before its `granted_on`"),
    "duplicate_key": ("键重复", "the row's key already appeared on an earlier valid row of the same file; "
                                "the first is kept and the message names it"),
    "bad_encoding": ("字符编码不一致", "extension: a CSV row whose bytes are in the other encoding than the file's "
                                     "majority (a GBK row in a UTF-8 file, or the reverse); the whole row is "
                                     "rejected, `column` is empty, nothing of it is stored"),
}
