"""The beneficiary registry: CSV import and the read interface enrollment uses."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from core.db import db
from enrollment.registry import BeneficiaryRecord
from enrollment.registry import get_registry
from enrollment.registry import importer as registry_import
from enrollment.registry.models import Beneficiary

DEMO_CSV = Path(__file__).resolve().parent.parent / "enrollment" / "data" / "demo_beneficiaries.csv"
HEADER = ",".join(registry_import.COLUMNS)
VENTURI = (
    "162122B01000103,VENTURI,,Pierre Jean,1962-12-18,male,2B010,99100,63000,general,true,"
    "FR7630006000011234567890189,80250000204671322,true"
)
DUBOIS = (
    "295109912611193,DUBOIS,MARTIN,Angela Claire Louise,1995-10-12,female,,99126,75007,MSA,"
    "false,,,false"
)


def import_text(*lines: str, batch_size: int = 2000) -> registry_import.ImportReport:
    return registry_import.import_csv(
        io.StringIO("\n".join((HEADER, *lines)) + "\n"), batch_size=batch_size
    )


def count_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Beneficiary)) or 0


def test_import_then_find_returns_the_record(app: Flask) -> None:
    report = import_text(VENTURI, DUBOIS)

    assert (report.imported, report.problems) == (2, [])
    record = get_registry().find("162122B01000103")
    assert record == BeneficiaryRecord(
        nir="162122B01000103",
        family_name="VENTURI",
        usage_name=None,
        given_names="Pierre Jean",
        birth_date=date(1962, 12, 18),
        gender="male",
        birthplace="2B010",
        birthcountry="99100",
        postal_code="63000",
        regime="general",
        nir_certified=True,
        iban="FR7630006000011234567890189",
        vitale_serial="80250000204671322",
        vitale_active=True,
    )
    assert record.regime_eligible and record.first_given_name == "Pierre"
    dubois = get_registry().find("295109912611193")
    assert dubois is not None and dubois.birthplace is None and dubois.iban is None
    assert not dubois.regime_eligible


def test_find_an_unknown_nir_returns_none(app: Flask) -> None:
    assert get_registry().find("185057505601797") is None


def test_import_is_an_idempotent_upsert_on_nir(app: Flask) -> None:
    import_text(VENTURI, DUBOIS)
    moved = VENTURI.replace(",63000,", ",13001,")

    report = import_text(moved, DUBOIS)

    assert report.imported == 2 and count_rows() == 2
    record = get_registry().find("162122B01000103")
    assert record is not None and record.postal_code == "13001"


def test_the_same_nir_twice_in_one_batch_keeps_the_last_row(app: Flask) -> None:
    report = import_text(VENTURI, VENTURI.replace(",63000,", ",20000,"), batch_size=10)

    assert report.problems == [] and count_rows() == 1
    record = get_registry().find("162122B01000103")
    assert record is not None and record.postal_code == "20000"


def test_rows_spanning_several_batches_are_all_imported(app: Flask) -> None:
    report = import_text(VENTURI, DUBOIS, batch_size=1)

    assert report.imported == 2 and count_rows() == 2


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (VENTURI.replace("162122B01000103", "162122B01000104"), "nir: "),
        (VENTURI.replace("162122B01000103", "162122B010001"), "nir: "),
        (VENTURI.replace("1962-12-18", "1962-11-18"), "nir: "),
        (VENTURI.replace("1962-12-18", "18/12/1962"), "birth_date: "),
        (VENTURI.replace(",male,", ",homme,"), "gender: must be male or female"),
        (VENTURI.replace(",male,", ",female,"), "gender: female disagrees with the NIR"),
        (VENTURI.replace(",VENTURI,", ",,"), "family_name: required"),
        (VENTURI.replace(",Pierre Jean,", ",,"), "given_names: required"),
        (VENTURI.replace(",2B010,", ",2C010,"), "birthplace: '2C010' is not a valid value"),
        (VENTURI.replace(",99100,", ",100,"), "birthcountry: '100' is not a valid value"),
        (VENTURI.replace(",63000,", ",630,"), "postal_code: "),
        (VENTURI.replace(",general,", ",,"), "regime: '' is not a valid value"),
        (VENTURI.replace(",true,FR76", ",yes,FR76"), "nir_certified: must be true or false"),
        (VENTURI.replace("FR7630006000011234567890189", "FR7630006000011234567890188"), "iban: "),
        (VENTURI.replace("80250000204671322", "8025"), "vitale_serial: '8025' is not a valid"),
        (VENTURI.replace(",true\n", ",").rsplit(",", 1)[0] + ",maybe", "vitale_active: "),
    ],
)
def test_an_invalid_row_is_reported_with_its_line_and_reason_while_valid_rows_go_in(
    app: Flask, row: str, reason: str
) -> None:
    report = import_text(
        DUBOIS,
        row,
        VENTURI.replace("162122B01000103", "185057505601797")
        .replace("1962-12-18", "1985-05-18")
        .replace("2B010", "75056"),
    )

    assert report.imported == 2 and count_rows() == 2
    assert len(report.problems) == 1
    assert report.problems[0].line == 3
    assert report.problems[0].reason.startswith(reason)


def test_a_provisional_nir_is_accepted_only_when_not_certified(app: Flask) -> None:
    provisional = DUBOIS.replace("295109912611193", "895109912611184")

    report = import_text(provisional, provisional.replace(",false,,,", ",true,,,"))

    assert report.imported == 1
    assert [problem.line for problem in report.problems] == [3]


def test_missing_columns_are_refused_before_anything_is_imported(app: Flask) -> None:
    stream = io.StringIO("nir,family_name\n162122B01000103,VENTURI\n")

    with pytest.raises(registry_import.HeaderError, match="missing column"):
        registry_import.import_csv(stream)
    assert count_rows() == 0


def test_the_command_reports_each_invalid_row_and_exits_1(app: Flask, tmp_path: Path) -> None:
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text(
        "\n".join((HEADER, VENTURI, VENTURI.replace(",63000,", ",6300,"))) + "\n", encoding="utf-8"
    )

    result = app.test_cli_runner().invoke(args=["registry", "import", str(csv_file)])

    assert result.exit_code == 1
    assert "registry.csv:3: postal_code: " in result.output
    assert "1 rows imported, 1 invalid" in result.output
    assert count_rows() == 1


def test_the_command_refuses_a_file_that_is_not_utf8(app: Flask, tmp_path: Path) -> None:
    csv_file = tmp_path / "latin1.csv"
    csv_file.write_bytes((HEADER + "\n" + VENTURI.replace("VENTURI", "VENTURÉ")).encode("latin-1"))

    result = app.test_cli_runner().invoke(args=["registry", "import", str(csv_file)])

    assert result.exit_code == 1
    assert "latin1.csv: not UTF-8" in result.output


def test_the_shipped_demo_registry_imports_without_a_single_invalid_row(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["registry", "import", str(DEMO_CSV)])

    assert result.exit_code == 0, result.output
    assert ", 0 invalid" in result.output
    venturi = get_registry().find("162122B01000103")
    assert venturi is not None and venturi.family_name == "VENTURI"
