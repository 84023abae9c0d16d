"""Import the beneficiary registry from CSV: streamed, batched, idempotent upsert on ``nir``.

Each invalid row is reported with its line number and reason while the valid rows go in;
a 1,000,000-row file takes constant memory (one batch at a time).
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TextIO

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from core.db import db
from core.fields import ValidationError
from core.nir import check_nir
from enrollment import fields
from enrollment.registry.models import Beneficiary
from enrollment.settings import get_settings

COLUMNS = (
    "nir",
    "family_name",
    "usage_name",
    "given_names",
    "birth_date",
    "gender",
    "birthplace",
    "birthcountry",
    "postal_code",
    "regime",
    "nir_certified",
    "iban",
    "vitale_serial",
    "vitale_active",
)
BIRTHPLACE = re.compile(r"(?:2[AB]|[0-9]{2})[0-9]{3}")
BIRTHCOUNTRY = re.compile(r"99[0-9]{3}")
REGIME = re.compile(r"[A-Za-z0-9_-]{1,20}")
VITALE_SERIAL = re.compile(r"[0-9]{11,32}")
SEX_DIGITS = {"male": "17", "female": "28"}
MAX_TEXT = {"family_name": 100, "usage_name": 100, "given_names": 200}


class RowError(ValueError):
    """A CSV row that cannot go into the registry; the message names the column."""


class HeaderError(ValueError):
    """The CSV header lacks columns the registry needs."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.imported / self.seconds if self.seconds > 0 else 0.0


def parse_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Check one CSV row and return the column values of its registry row.

    :raises RowError: naming the first column that is wrong, and why.
    """
    text = {name: (row.get(name) or "").strip() for name in COLUMNS}
    try:
        birth_date = fields.parse_iso_date(text["birth_date"])
        nir_certified = _boolean(text, "nir_certified")
        nir = check_nir(text["nir"], birth_date, allow_provisional=not nir_certified)
        iban = fields.check_iban(text["iban"]) if text["iban"] else None
        postal_code = fields.check_postal_code(text["postal_code"])
    except ValidationError as error:
        raise RowError(f"{error.field}: {error.message}") from error
    gender = text["gender"]
    if gender not in SEX_DIGITS:
        raise RowError("gender: must be male or female")
    if nir[0] not in SEX_DIGITS[gender]:
        raise RowError(f"gender: {gender} disagrees with the NIR's first digit {nir[0]}")
    for name, limit in MAX_TEXT.items():
        if len(text[name]) > limit:
            raise RowError(f"{name}: longer than {limit} characters")
    for name in ("family_name", "given_names"):
        if not text[name]:
            raise RowError(f"{name}: required")
    _match(text, "birthplace", BIRTHPLACE, optional=True)
    _match(text, "birthcountry", BIRTHCOUNTRY)
    _match(text, "regime", REGIME)
    _match(text, "vitale_serial", VITALE_SERIAL, optional=True)
    return {
        "nir": nir,
        "family_name": text["family_name"],
        "usage_name": text["usage_name"] or None,
        "given_names": " ".join(text["given_names"].split()),
        "birth_date": birth_date,
        "gender": gender,
        "birthplace": text["birthplace"] or None,
        "birthcountry": text["birthcountry"],
        "postal_code": postal_code,
        "regime": text["regime"],
        "nir_certified": nir_certified,
        "iban": iban,
        "vitale_serial": text["vitale_serial"] or None,
        "vitale_active": _boolean(text, "vitale_active"),
    }


def _boolean(text: Mapping[str, str], name: str) -> bool:
    value = text[name].lower()
    if value not in ("true", "false"):
        raise RowError(f"{name}: must be true or false, not {text[name]!r}")
    return value == "true"


def _match(
    text: Mapping[str, str], name: str, pattern: re.Pattern[str], *, optional: bool = False
) -> None:
    value = text[name]
    if optional and not value:
        return
    if not pattern.fullmatch(value):
        raise RowError(f"{name}: {value!r} is not a valid value")


def import_csv(
    stream: TextIO,
    *,
    batch_size: int | None = None,
    on_problem: Callable[[RowProblem], None] = lambda problem: None,
    on_progress: Callable[[int, float], None] = lambda rows, seconds: None,
    progress_every: int = 100_000,
) -> ImportReport:
    """Upsert every valid row of ``stream`` into the registry, one transaction per batch.

    ``batch_size`` defaults to ``REGISTRY_IMPORT_BATCH_SIZE``.

    :raises HeaderError: when required columns are missing (nothing is imported).
    """
    size = batch_size or get_settings().registry_import_batch_size
    report = ImportReport()
    started = time.perf_counter()
    next_progress = progress_every
    for batch in _batches(stream, size, report, on_problem):
        _upsert(batch)
        report.imported += len(batch)
        if report.imported >= next_progress:
            on_progress(report.imported, time.perf_counter() - started)
            next_progress += progress_every
    report.seconds = time.perf_counter() - started
    return report


def _batches(
    stream: TextIO, batch_size: int, report: ImportReport, on_problem: Callable[[RowProblem], None]
) -> Iterator[list[dict[str, Any]]]:
    reader = csv.DictReader(stream)
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise HeaderError(f"missing column(s): {', '.join(missing)}")
    # Keyed by NIR: a NIR twice in one batch would make one INSERT touch a row twice.
    batch: dict[str, dict[str, Any]] = {}
    for row in reader:
        try:
            values = parse_row(row)
        except RowError as error:
            problem = RowProblem(reader.line_num, str(error))
            report.problems.append(problem)
            on_problem(problem)
            continue
        batch[values["nir"]] = values
        if len(batch) >= batch_size:
            yield list(batch.values())
            batch = {}
    if batch:
        yield list(batch.values())


def _upsert(rows: list[dict[str, Any]]) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Beneficiary)
    statement = statement.on_conflict_do_update(
        index_elements=[Beneficiary.nir],
        set_={name: statement.excluded[name] for name in COLUMNS if name != "nir"},
    )
    db.session.execute(statement, rows)
    db.session.commit()
