"""Shared helpers of the O*NET mapping: cached literals, code checks, SOC groups (IRIs: skillgraph.iri.onet).

The full release is millions of triples, so literals that repeat (dates, flags, domain sources,
common values) are built once and reused.
"""
from __future__ import annotations

import re
from functools import cache, lru_cache

from rdflib import Literal
from rdflib.namespace import XSD

from skillgraph.tabular import EMPTY as _EMPTY
from skillgraph.tabular import Row, check_number

from .cells import SOC_CODE, checked

_DATE = re.compile(r"^(\d{1,2})/(\d{4})$")
_ELEMENT = re.compile(r"^\d+(\.[A-Za-z0-9]+)*$")

TRUE = Literal(True)
FALSE = Literal(False)

# SOC 2018 minor groups whose code is not NN-N000 (all others are): the only irregular ones.
_IRREGULAR_MINOR = {"15-12": "15-1200", "31-11": "31-1100", "51-51": "51-5100"}


@lru_cache(maxsize=200_000)
def en(text: str) -> Literal:
    """An English literal, the language of O*NET's texts."""
    return Literal(text, lang="en")


@cache
def plain(text: str) -> Literal:
    """A plain literal, for codes and identifiers."""
    return Literal(text)


@lru_cache(maxsize=100_000)
def _decimal(text: str) -> Literal:
    return Literal(text, datatype=XSD.decimal, normalize=False)


@lru_cache(maxsize=10_000)
def _integer(text: str) -> Literal:
    return Literal(text, datatype=XSD.integer, normalize=False)


@cache
def _year_month(text: str) -> Literal | None:
    m = _DATE.match(text)
    if not m or not 1 <= int(m.group(1)) <= 12:
        return None
    return Literal(f"{m.group(2)}-{int(m.group(1)):02d}", datatype=XSD.gYearMonth)


def _present(row: Row, column: str, required: bool, kind: str) -> str | None:
    """A column's trimmed text, None when empty (an error naming the line when the column is required)."""
    v = text(row, column)
    if v not in _EMPTY:
        return v
    if required:
        raise row.error(f"empty value in a required {kind} column", column=column)
    return None


def decimal(row: Row, column: str, required: bool = False) -> Literal | None:
    """The column as an xsd:decimal literal (lexical form as published), or None when empty."""
    v = _present(row, column, required, "numeric")
    if v is None:
        return None
    check_number(row, column, v)
    if "e" in v or "E" in v:  # xsd:decimal has no exponent: write it out in digits
        from decimal import Decimal

        v = format(Decimal(v), "f")
    return _decimal(v)


def integer(row: Row, column: str, required: bool = False) -> Literal | None:
    """A column as an xsd:integer literal, with a located error when it is not one."""
    v = _present(row, column, required, "whole-number")
    if v is None:
        return None
    if v.endswith(".0"):  # Excel stores whole numbers as floats
        v = v[:-2]
    if not v.lstrip("-").isdigit():
        raise row.error(f"{v!r} is not a whole number", column=column)
    return _integer(str(int(v)))


def flag(row: Row, column: str) -> Literal | None:
    """A Y/N column as a boolean literal; empty or n/a gives None."""
    v = row.values.get(column)
    v = v.strip().upper() if v else ""
    if v == "Y":
        return TRUE
    if v == "N":
        return FALSE
    if v in ("", "N/A", "NA"):
        return None
    raise row.error(f"expected Y or N, found {v!r}", column=column)


def date(row: Row, column: str = "Date") -> Literal | None:
    """O*NET's MM/YYYY date as an xsd:gYearMonth literal."""
    v = _present(row, column, False, "date")
    if v is None:
        return None
    lit = _year_month(v)
    if lit is None:
        raise row.error(f"{v!r} is not a date of the form MM/YYYY", column=column)
    return lit


def soc_code(row: Row, column: str = "O*NET-SOC Code") -> str:
    """A column holding an O*NET-SOC code, checked so a bad code fails with its line."""
    return checked(row, column, SOC_CODE, "an O*NET-SOC code NN-NNNN.NN")


def element_id(row: Row, column: str = "Element ID") -> str:
    """A column holding a content-model element id, checked so a bad id fails with its line."""
    return checked(row, column, _ELEMENT, "an O*NET content-model element id")


def text(row: Row, column: str) -> str:
    """A column's text, trimmed; empty when absent."""
    v = row.values.get(column)
    return v.strip() if v else ""


def soc_groups(code: str) -> list[tuple[str, str]]:
    """The SOC 2018 groups above an O*NET-SOC code, narrowest first: broad, minor, major."""
    soc = code[:7]                      # 43-4051
    broad = soc[:6] + "0"               # 43-4050
    minor = _IRREGULAR_MINOR.get(soc[:5], soc[:4] + "000")  # 43-4000
    major = soc[:2] + "-0000"           # 43-0000
    return [("broad", broad), ("minor", minor), ("major", major)]
