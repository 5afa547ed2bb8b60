"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):

    position 1      registration authority (登记管理部门代码): 1–9 or A–G, N, Y
    position 2      entity type (机构类别代码), valid for that authority
    positions 3–8   registration region (登记管理机关行政区划码, GB/T 2260)
    positions 9–17  organisation code (主体标识码, GB 11714)
    position 18     check character: C18 = 31 − (Σ_{i=1..17} v(c_i) × w_i mod 31), 31 → 0

with weights w = 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
(3^(i−1) mod 31). :func:`sql_is_valid` gives the same test as a DuckDB expression so the
importer validates a whole file in one vectorised query.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

#: registration authority → accepted entity-type codes (GB 32100-2015 table 1, with later additions)
AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "1239"),
    "2": ("外交", "19"),
    "3": ("司法行政", "12345679"),
    "4": ("文化", "19"),
    "5": ("民政", "1239"),
    "6": ("旅游", "19"),
    "7": ("宗教", "129"),
    "8": ("工会", "19"),
    "9": ("工商", "123"),
    "A": ("中央军委改革和编制办公室", "19"),
    "N": ("农业", "1239"),
    "Y": ("其他", "1"),
    "B": ("其他（地方登记）", "19"),
    "C": ("其他（地方登记）", "19"),
    "D": ("其他（地方登记）", "19"),
    "E": ("其他（地方登记）", "19"),
    "F": ("其他（地方登记）", "19"),
    "G": ("其他（地方登记）", "19"),
}


def check_char(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the alphabet)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str | None) -> str | None:
    """None when ``code`` is a valid credit code, else the reason in Chinese."""
    if code is None or not str(code).strip():
        return "统一社会信用代码为空"
    c = str(code).strip().upper()
    if len(c) != 18:
        return f"统一社会信用代码应为18位，实际{len(c)}位"
    bad = [ch for ch in c if ch not in ALPHABET]
    if bad:
        return f"统一社会信用代码含非法字符: {''.join(sorted(set(bad)))}"
    auth = AUTHORITIES.get(c[0])
    if auth is None:
        return f"登记管理部门代码无效: {c[0]}"
    if c[1] not in auth[1]:
        return f"机构类别代码 {c[1]} 不属于登记管理部门 {c[0]}（{auth[0]}）"
    if check_char(c[:17]) != c[17]:
        return "统一社会信用代码校验位错误"
    return None


def is_valid(code: str | None) -> bool:
    return problem(code) is None


def make(authority: str, entity_type: str, region: str, org9: str) -> str:
    """Build a valid code from its parts (``org9``: 9 alphabet characters)."""
    body = f"{authority}{entity_type}{region}{org9}".upper()
    if len(body) != 17:
        raise ValueError("统一社会信用代码前17位长度错误")
    return body + check_char(body)


def sql_is_valid(col: str) -> str:
    """A DuckDB boolean expression: is ``col`` (an upper-cased, trimmed VARCHAR) a valid code?"""
    terms = " + ".join(
        f"(strpos('{ALPHABET}', substr({col}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(WEIGHTS)
    )
    pairs = " OR ".join(f"(substr({col}, 1, 1) = '{a}' AND strpos('{t}', substr({col}, 2, 1)) > 0)"
                        for a, (_, t) in AUTHORITIES.items())
    return (
        f"(length({col}) = 18 AND regexp_full_match({col}, '[0-9A-HJ-NP-RTUW-Y]{{18}}') "
        f"AND ({pairs}) "
        f"AND substr('{ALPHABET}', ((31 - (({terms}) % 31)) % 31) + 1, 1) = substr({col}, 18, 1))"
    )
