"""Benchmark: import a large synthetic registry on SQLite and on PostgreSQL.

    .venv/bin/python -m tests.perf.bench_registry_import --rows 1000000

Writes a CSV of ROWS valid, distinct synthetic beneficiaries (streamed, constant memory),
then times ``ameli registry import`` on a fresh SQLite file and, when
``AMELI_TEST_DATABASE_URL`` is set, on a fresh PostgreSQL schema. Prints rows/s and the
peak memory of the process, to show the import is streamed. Not a test: numbers depend on
the machine, so compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import secrets
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine
from sqlalchemy import text
from stdnum import iban as stdnum_iban

from config import create_app
from config.settings import sqlalchemy_url
from core.db import db
from core.nir import nir_key
from enrollment.fields import rib_key
from enrollment.registry import importer as registry_import

REGIMES = ("general",) * 8 + ("MSA", "CAMIEG", "ENIM", "MGP")


def synthetic_rows(count: int) -> Iterator[list[str]]:
    """Yield ``count`` valid rows with distinct NIRs (department × commune × order)."""
    start = date(1940, 1, 1)
    for index in range(count):
        gender = "male" if index % 2 else "female"
        born = start + timedelta(days=index % 25_000)
        department = f"{1 + (index // 999_000) % 95:02d}"
        if department == "20":
            department = "2A"
        commune = f"{1 + (index // 999) % 990:03d}"
        order = f"{1 + index % 999:03d}"
        body = f"{'1' if gender == 'male' else '2'}{born:%y%m}{department}{commune}{order}"
        account = f"{index:011d}"
        bban = f"30006{index % 100000:05d}{account}"
        bban += f"{rib_key(bban[:5], bban[5:10], account):02d}"
        iban = "FR" + stdnum_iban.calc_check_digits("FR00" + bban) + bban
        yield [
            f"{body}{nir_key(body):02d}",
            f"NOM{index}",
            "",
            "Camille Alex",
            born.isoformat(),
            gender,
            f"{department}{commune}",
            "99100",
            f"{10000 + index % 85000:05d}",
            REGIMES[index % len(REGIMES)],
            "true",
            iban,
            f"8025{index:013d}",
            "true",
        ]


def write_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(registry_import.COLUMNS)
        writer.writerows(synthetic_rows(count))


def run_import(name: str, config: dict[str, object], csv_path: Path, folder: Path) -> None:
    app = create_app({"ENV": "test", **config}, instance_path=str(folder / name))
    with app.app_context():
        flask_migrate.upgrade()
        with csv_path.open(encoding="utf-8", newline="") as stream:
            report = registry_import.import_csv(
                stream, on_progress=lambda rows, s: print(f"  {name}: {rows:,} rows, {s:.0f} s")
            )
        db.engine.dispose()
    print(
        f"{name}: {report.imported:,} rows in {report.seconds:.1f} s = "
        f"{report.rows_per_second:,.0f} rows/s; {len(report.problems)} invalid; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        csv_path = folder / "registry.csv"
        started = time.perf_counter()
        write_csv(csv_path, arguments.rows)
        print(
            f"generated {arguments.rows:,} rows ({csv_path.stat().st_size / 2**20:.0f} MiB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if arguments.database in ("sqlite", "both"):
            run_import(
                "sqlite",
                {"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}"},
                csv_path,
                folder,
            )
        url = os.environ.get("AMELI_TEST_DATABASE_URL")
        if arguments.database in ("postgresql", "both") and url:
            engine = create_engine(sqlalchemy_url(url))
            schema = f"bench_{secrets.token_hex(4)}"
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                run_import(
                    "postgresql",
                    {
                        "DATABASE_URL": url,
                        "SQLALCHEMY_ENGINE_OPTIONS": {
                            "connect_args": {"options": f"-csearch_path={schema}"}
                        },
                    },
                    csv_path,
                    folder,
                )
            finally:
                with engine.begin() as connection:
                    connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()


if __name__ == "__main__":
    main()
