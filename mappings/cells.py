"""Checked cells and the literals they become, for the documented framework tables (statements, WEF, SAFI, job model).

A bad cell fails with its file, line and column, so a user's table is fixed where it is wrong.
"""
from __future__ import annotations

import re

from rdflib import Literal
from rdflib.namespace import XSD

from skillgraph.tabular import Row

SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
TASK_ID = re.compile(r"^\d+$")


def en(text: str) -> Literal:
    """An English literal, the language of the frameworks' texts."""
    return Literal(text, lang="en")


def integer(n: int) -> Literal:
    """An xsd:integer literal, for positions and levels."""
    return Literal(n, datatype=XSD.integer)


def split_list(value: str) -> list[str]:
    """A ';'-separated cell as a list of stripped, non-empty items."""
    return [v.strip() for v in value.split(";") if v.strip()]


def checked(row: Row, column: str, pattern: re.Pattern[str], what: str) -> str:
    """A required column whose value must match `pattern`, else an error naming the line: "'x' is not <what>"."""
    v = row.required(column)
    if not pattern.match(v):
        raise row.error(f"{v!r} is not {what}", column=column)
    return v


def soc_code(row: Row, column: str = "occupation") -> str:
    """A column holding an O*NET-SOC code, checked so a bad code fails with its line."""
    return checked(row, column, SOC_CODE, "an O*NET-SOC code (NN-NNNN.NN)")


def task_id(row: Row, column: str) -> str:
    """A column holding one O*NET Task ID (digits), checked so a bad id fails with its line."""
    return checked(row, column, TASK_ID, "an O*NET Task ID (digits)")


def check_task_id(row: Row, column: str, tid: str) -> None:
    """Fail on this row's column unless `tid` is an O*NET Task ID (digits)."""
    if not TASK_ID.match(tid):
        raise row.error(f"{tid!r} is not an O*NET Task ID (digits)", column=column)
