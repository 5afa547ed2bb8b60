"""Names and codes the demo city's files share: Chinese names of the kinds the generator
writes, and valid credit codes (GB 32100 with a GB 11714 organisation part) drawn in bulk."""

from __future__ import annotations

import numpy as np

from zhizao.codes import credit_code as cc

ALPHABET = np.array(list(cc.ALPHABET))
_W = np.array(cc.WEIGHTS)
#: GB 11714 organisation-code weights and letter values (A=10 … Z=35)
_ORG_W = np.array([3, 7, 9, 10, 5, 8, 4, 2])

POLLUTANT_NAMES = {"cod": "COD", "ammonia_nitrogen": "氨氮", "so2": "二氧化硫", "nox": "氮氧化物"}
ENERGY_NAMES = {"electricity": "电力", "raw_coal": "原煤", "natural_gas": "天然气", "heat": "热力", "diesel": "柴油"}
ZERO_CARBON_NAMES = {"pv_self_use": "光伏自发自用", "green_power": "绿电交易", "green_certificate": "绿证",
                     "sink": "碳汇"}


def _rows_to_codes(vals: np.ndarray) -> np.ndarray:
    """(n, k) alphabet indices → n strings."""
    chars = np.ascontiguousarray(ALPHABET[vals])
    return chars.view(f"<U{vals.shape[1]}").ravel()


def _org_codes(rng: np.random.Generator, founded: np.ndarray) -> np.ndarray:
    """Organisation codes (GB 11714, 9 characters): 8 digits + check before the 2015 reform,
    ``MA`` + 6 characters + check after it (letters count A=10 … Z=35 in the check)."""
    n = len(founded)
    new = founded >= np.datetime64("2015-10-01")
    digits = rng.integers(0, 10, size=(n, 8))
    tail = rng.integers(0, 31, size=(n, 6))
    latin = np.array([ord(c) - 55 if c.isalpha() else int(c) for c in cc.ALPHABET])
    body_vals = digits.copy()
    body_vals[new, 0] = 22  # M
    body_vals[new, 1] = 10  # A
    body_vals[new, 2:] = latin[tail[new]]
    check = 11 - (body_vals * _ORG_W).sum(axis=1) % 11
    check_idx = np.where(check == 11, 0, np.where(check == 10, cc.ALPHABET.index("X"), check))
    idx = digits.copy()
    idx[new, 0] = cc.ALPHABET.index("M")
    idx[new, 1] = cc.ALPHABET.index("A")
    idx[new, 2:] = tail[new]
    return np.concatenate([idx, check_idx[:, None]], axis=1)


def credit_codes(rng: np.random.Generator, regions: np.ndarray, founded: np.ndarray) -> np.ndarray:
    """Valid, unique ``91`` (工商, 企业) credit codes registered in each firm's district."""
    n = len(regions)
    region_idx = np.array([[int(ch) for ch in r] for r in regions]) if n else np.zeros((0, 6), int)
    org = _org_codes(rng, founded)
    body = np.concatenate([np.full((n, 1), 9), np.full((n, 1), 1), region_idx, org], axis=1)
    check = (31 - (body * _W).sum(axis=1) % 31) % 31
    codes = _rows_to_codes(np.concatenate([body, check[:, None]], axis=1))
    _, first = np.unique(codes, return_index=True)
    if len(first) < n:  # astronomically rare: redraw the organisation part of the repeats
        dup = np.setdiff1d(np.arange(n), first)
        codes[dup] = credit_codes(rng, regions[dup], founded[dup])
    return codes


def corrupt_check(code: str) -> str:
    """The same code with a wrong check character (a typo'd code)."""
    i = cc.ALPHABET.index(code[17])
    return code[:17] + cc.ALPHABET[(i + 7) % 31]
