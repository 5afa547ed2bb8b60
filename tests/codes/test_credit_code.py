"""Credit codes (GB 32100-2015): published examples, letter authorities, python-stdnum, SQL form."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from zhizao.codes import credit_code as cc

#: published codes: python-stdnum's own doctest example, and two widely reproduced ones
PUBLISHED = ("91110000600037341L", "91350100M000100Y43", "91110108551385082Q")


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert cc.is_valid(code)
    assert cc.problem(code) is None


def test_check_character_worked_by_hand() -> None:
    # 91110000600037341L: Σ v(c_i) × w_i over the first 17 characters, written out
    values = [9, 1, 1, 1, 0, 0, 0, 0, 6, 0, 0, 0, 3, 7, 3, 4, 1]
    total = sum(v * w for v, w in zip(values, cc.WEIGHTS, strict=True))
    assert total == 9 + 3 + 9 + 27 + 0 + 0 + 0 + 0 + 120 + 0 + 0 + 0 + 24 + 168 + 30 + 120 + 28
    assert cc.ALPHABET[(31 - total % 31) % 31] == "L"
    assert cc.check_char("91110000600037341") == "L"


def test_weights_are_powers_of_three_mod_31() -> None:
    assert cc.WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


@pytest.mark.parametrize(("code", "reason"), [
    ("91110000600037341M", "校验位"),
    ("9111000060003734", "18位"),
    ("91110000600037341I", "非法字符"),
    ("Z1110000600037341L", "非法字符"),
    ("H1110000600037341L", "登记管理部门代码无效"),
    ("94110000600037341L", "机构类别代码"),
    ("", "为空"),
])
def test_invalid_codes_name_the_reason(code: str, reason: str) -> None:
    problem = cc.problem(code)
    assert problem is not None and reason in problem
    assert not cc.is_valid(code)


def test_lower_case_and_spaces_are_tolerated() -> None:
    assert cc.is_valid(" 91350100m000100y43 ")


@pytest.mark.parametrize(("authority", "good", "bad"), [
    ("A", "1", "2"),  # 中央军委改革和编制办公室: 1 军队事业单位, 9 其他
    ("N", "2", "4"),  # 农业: 1 集体经济组织, 2 农民专业合作社, 3 农村集体经济组织
    ("Y", "1", "9"),  # 其他: only 1
])
def test_letter_authorities(authority: str, good: str, bad: str) -> None:
    ok = cc.make(authority, good, "330502", "MA2B3C4D5")
    assert cc.is_valid(ok)
    body = authority + bad + ok[2:17]
    wrong_type = body + cc.check_char(body)
    assert "机构类别代码" in (cc.problem(wrong_type) or "")


alphabet = st.sampled_from(cc.ALPHABET)
digit_authorities = [(a, t) for a, (_, types) in cc.AUTHORITIES.items() if a.isdigit() for t in types]


@st.composite
def both_accept(draw: st.DrawFn) -> str:
    """Codes python-stdnum can judge: it wants digits in the first 8 characters."""
    a, t = draw(st.sampled_from(digit_authorities))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    org = draw(st.text(alphabet=alphabet, min_size=9, max_size=9))
    return cc.make(a, t, region, org)


@given(both_accept())
@settings(max_examples=300, deadline=None)
def test_agrees_with_stdnum_on_valid_codes(code: str) -> None:
    assert cc.is_valid(code)
    assert uscc.is_valid(code)


@given(both_accept(), st.integers(0, 17), alphabet)
@settings(max_examples=300, deadline=None)
def test_agrees_with_stdnum_after_one_change(code: str, pos: int, ch: str) -> None:
    changed = code[:pos] + ch + code[pos + 1:]
    ours = cc.is_valid(changed)
    theirs = uscc.is_valid(changed)
    if ours:
        assert theirs  # we are stricter (entity types), never laxer
    elif theirs:
        # stdnum does not check the entity type against the authority: that must be why
        assert "机构类别代码" in (cc.problem(changed) or "")


def _random_strings(rng: random.Random, n: int) -> list[str]:
    chars = cc.ALPHABET + "IOZSVabc -"
    out = []
    for _ in range(n):
        length = rng.choice([17, 18, 18, 18, 19, rng.randint(0, 25)])
        out.append("".join(rng.choice(chars) for _ in range(length)))
    return out


def _valid_codes(rng: random.Random, n: int) -> list[str]:
    auth = list(cc.AUTHORITIES.items())
    out = []
    for _ in range(n):
        a, (_, types) = rng.choice(auth)
        out.append(cc.make(a, rng.choice(types), "".join(rng.choices("0123456789", k=6)),
                           "".join(rng.choices(cc.ALPHABET, k=9))))
    return out


def test_sql_form_agrees_with_python_on_thousands_of_rows() -> None:
    rng = random.Random(32100)
    valid = _valid_codes(rng, 2000)
    one_off = []
    for code in valid:
        pos = rng.randrange(18)
        one_off.append(code[:pos] + rng.choice(cc.ALPHABET.replace(code[pos], "")) + code[pos + 1:])
    codes = valid + one_off + _random_strings(rng, 2000)
    con = duckdb.connect()
    t = pa.table({"i": list(range(len(codes))), "code": codes})
    con.register("t", t)
    got = dict(con.execute(f"SELECT i, coalesce({cc.sql_is_valid('code')}, false) FROM t").fetchall())
    expected = {i: cc.is_valid(c) and c == c.strip().upper() for i, c in enumerate(codes)}
    assert got == expected
    assert sum(expected[i] for i in range(2000)) == 2000
    # one changed character is always caught: a mod-31 check over a 31-character alphabet
    assert not any(expected[i] for i in range(2000, 4000))
