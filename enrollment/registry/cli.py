"""Operator commands of the registry: ``ameli registry import``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from enrollment.registry import importer

registry_cli = AppGroup("registry", help="Manage the beneficiary registry.")


@registry_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100_000),
    default=None,
    help="Rows per transaction (default AMELI_REGISTRY_IMPORT_BATCH_SIZE).",
)
def import_command(csv_file: Path, batch_size: int | None) -> None:
    """Import CSV_FILE (UTF-8, header row) into the registry, updating rows by NIR."""

    def problem(row: importer.RowProblem) -> None:
        click.echo(f"{csv_file.name}:{row.line}: {row.reason}", err=True)

    def progress(rows: int, seconds: float) -> None:
        click.echo(f"… {rows:,} rows imported ({rows / seconds:,.0f} rows/s)", err=True)

    with csv_file.open(encoding="utf-8-sig", newline="") as stream:
        try:
            report = importer.import_csv(
                stream, batch_size=batch_size, on_problem=problem, on_progress=progress
            )
        except importer.HeaderError as error:
            raise click.ClickException(f"{csv_file.name}: {error}") from error
        except UnicodeDecodeError as error:
            raise click.ClickException(f"{csv_file.name}: not UTF-8 ({error.reason})") from error
    click.echo(
        f"{report.imported:,} rows imported, {len(report.problems):,} invalid, "
        f"in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s)"
    )
    if report.problems:
        sys.exit(1)
