"""Where a value came from (a cell such as ``Sheet1!B7``, a row, a YAML path) and the errors
that name it; an importer collects them all before it fails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

# -- where a value came from -----------------------------------------------------------------


@dataclass(frozen=True)
class CellRef:
    """A cell of a sheet, 1-based: ``CellRef("Sheet1", 7, 2)`` reads ``Sheet1!B7``."""

    sheet: str
    row: int
    column: int

    def __str__(self) -> str:
        return f"{_quoted_sheet(self.sheet)}!{get_column_letter(self.column)}{self.row}"


def _quoted_sheet(name: str) -> str:
    # As spreadsheet formulas write it: a sheet name with spaces or punctuation is quoted.
    return name if re.fullmatch(r"\w+", name) else "'" + name.replace("'", "''") + "'"


def row_ref(sheet: str, row: int) -> str:
    """A whole row in A1 notation, ``Sheet1!1:1``."""
    return f"{_quoted_sheet(sheet)}!{row}:{row}"


@dataclass(frozen=True)
class Problem:
    """One thing in the input that cannot be read, where it is and what was expected."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportFailed(Exception):
    """The input cannot be imported; nothing was written. Carries every problem found."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}:{p}" for p in self.problems]
        n = len(self.problems)
        lines.append(f"{n} error{'s' if n != 1 else ''} in {self.file}; nothing was imported")
        return "\n".join(lines)


class Problems:
    """Collects problems as a reader goes, so one run reports all of them."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []

    def add(self, where: object, message: str) -> None:
        self.items.append(Problem(str(where), message))

    def repeated(self, seen: dict[str, Any], key: str, where: object, first: Any, message: str) -> bool:
        """Whether ``key`` was seen before in this input: if so, a problem at ``where`` says so
        (``{first}`` in ``message`` becomes what was recorded for the first one); if not,
        ``first`` is recorded for it. Sheets name each party, responsibility and obligation once."""
        if key in seen:
            self.add(where, message.replace("{first}", str(seen[key])))
            return True
        seen[key] = first
        return False

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ImportFailed(self.file, self.items)
