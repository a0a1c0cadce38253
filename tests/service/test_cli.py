"""The operator's command line: importing every shared list format, diffs, status, keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SHARED_DATA
from flask import Flask

W = SHARED_DATA / "watchlists"
OFAC = W / "ofac" / "consistent_2021-07"


def run(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def data() -> Path:
    if not W.is_dir():
        pytest.skip(f"shared data not found at {W}")
    return W


@pytest.mark.parametrize(
    ("source", "fmt", "files", "entries"),
    [
        (
            "us_ofac_sdn",
            "ofac_csv",
            [f"ofac/consistent_2021-07/{n}" for n in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")],
            8976,
        ),
        ("us_ofac_cons", None, ["ofac_consolidated/consolidated.xml"], 442),
        ("au_dfat_sanctions", None, ["australia_dfat/australia_autonomous_financial_sanctions.xlsx"], 3062),
        (
            "worldbank_debarred",
            "worldbank_xlsx",
            ["worldbank/world_bank_listing_of_ineligible_firms_and_individuals.xlsx"],
            1222,
        ),
        ("ca_sema_sanctions", None, ["canada_sema/cannada.xml"], 4752),
        (
            "ebrd_ineligible",
            None,
            ["ebrd/european_bank_for_reconstruction_and_development_ineligible_firms.csv"],
            1315,
        ),
        (
            "iadb_sanctions",
            None,
            ["idb/Inter-American_Development_Bank-Sanctioned_Firms_and_Individuals.xlsx"],
            1081,
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_import_every_shared_format(
    app: Flask, data: Path, source: str, fmt: str | None, files: list[str], entries: int
) -> None:
    paths = [str(data / f) for f in files]
    args = ["lists", "import", source, *paths] + (["--format", fmt] if fmt else [])
    result = run(app, *args)
    assert result.exit_code == 0, result.output
    assert f"version 1 with {entries} entries" in result.output


def test_multi_file_parts_can_be_named_explicitly(app: Flask, data: Path) -> None:
    result = run(
        app,
        "lists",
        "import",
        "us_ofac_sdn",
        "--format",
        "ofac_csv",
        f"primary={OFAC / 'sdn.csv'}",
        f"alt={OFAC / 'alt.csv'}",
    )
    assert result.exit_code == 0, result.output
    bad = run(app, "lists", "import", "us_ofac_sdn", "--format", "ofac_csv", f"weird={OFAC / 'sdn.csv'}")
    assert bad.exit_code == 2 and "unknown part 'weird'" in bad.output


def test_import_errors_are_clear_and_change_nothing(app: Flask, data: Path, tmp_path: Path) -> None:
    un = W / "un" / "consolidated.xml"
    assert run(app, "lists", "import", "un_sc", str(un)).exit_code == 0
    broken = tmp_path / "broken.xml"
    broken.write_bytes(un.read_bytes()[:100_000])
    result = run(app, "lists", "import", "un_sc", str(broken))
    assert result.exit_code == 1
    assert "import failed, the current version keeps serving" in result.output and "un_sc" in result.output
    status = run(app, "lists", "status")
    assert "un_sc" in status.output and "v1 1009 entries" in status.output and "last error" in status.output
    assert run(app, "lists", "import", "nope", str(un)).exit_code == 2
    assert "file not found" in run(app, "lists", "import", "un_sc", str(tmp_path / "missing.xml")).output
    assert "reads one file" in run(app, "lists", "import", "un_sc", str(un), str(un)).output


def test_diff_between_the_two_un_snapshots(app: Flask, data: Path) -> None:
    assert (
        run(
            app, "lists", "import", "un_sc", str(W / "un" / "previous_2026-02-27" / "consolidated.xml")
        ).exit_code
        == 0
    )
    result = run(app, "lists", "import", "un_sc", str(W / "un" / "consolidated.xml"))
    assert "version 2 with 1009 entries" in result.output
    diff = run(app, "lists", "diff", "un_sc")
    assert diff.exit_code == 0 and "un_sc version 2" in diff.output
    assert "added (" in diff.output and "removed (" in diff.output and "changed (" in diff.output
    assert run(app, "lists", "diff", "un_sc", "--version", "7").exit_code == 1


def test_refresh_needs_sources_and_reports_failures(app: Flask) -> None:
    assert run(app, "lists", "refresh").exit_code == 2
    result = run(app, "lists", "refresh", "ebrd_ineligible")  # no URL: import-only
    assert result.exit_code == 1 and "no URL configured" in result.output


def test_formats_are_listed(app: Flask) -> None:
    result = run(app, "lists", "formats")
    assert (
        "un_sc_xml" in result.output
        and "ofac_csv" in result.output
        and "parts: primary, alt, add, comments" in result.output
    )


def test_api_keys_are_shown_once_and_stored_hashed(app: Flask) -> None:
    created = run(app, "apikeys", "create", "ERP", "--role", "officer", "--expires-in-days", "30")
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("sk_")
    listing = run(app, "apikeys", "list").output
    assert "ERP" in listing and "officer" in listing and key not in listing
    assert run(app, "apikeys", "create", "x", "--role", "emperor").exit_code == 2
    assert "revoked" in run(app, "apikeys", "revoke", key).output
    assert "revoked" in run(app, "apikeys", "list").output


def test_a_custom_list_is_imported_and_screened(tmp_path: Path) -> None:
    from dataclasses import replace

    from conftest import _make_app

    from service import get_settings
    from service.config import SourceSettings

    app = _make_app(f"sqlite:///{tmp_path / 'c.sqlite'}", tmp_path)
    settings = get_settings(app)
    own = SourceSettings(
        id="custom:ungm_ineligible",
        format="custom_csv",
        columns={"entry_id": "Vendor no.", "name": "Vendor name", "country": "Country"},
        min_entries=1,
    )
    app.extensions["screening"] = replace(
        settings, watchlists=replace(settings.watchlists, sources=(*settings.watchlists.sources, own))
    )
    listing = tmp_path / "ungm.csv"
    listing.write_text(
        "Vendor no.;Vendor name;Country\n"
        "V-100;Zenith Maritime Logistics LLC;Panama\n"
        "V-101;Orion Textiles;BD\n",
        encoding="utf-8-sig",
    )
    result = run(app, "lists", "import", "custom:ungm_ineligible", str(listing))
    assert result.exit_code == 0, result.output
    assert "version 1 with 2 entries" in result.output
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "name": "Zenith Maritime Logistics", "kind": "organization", "country": "PA"}\n'
        '{"id": "q2", "name": "Acme Stationery"}\n'
    )
    out = tmp_path / "r.jsonl"
    screened = run(app, "screen-file", str(queries), "--output", str(out))
    assert screened.exit_code == 0, screened.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(m["source"], m["entry_id"]) for m in lines[0]["matches"]] == [
        ("custom:ungm_ineligible", "V-100")
    ]
    assert lines[1] == {"id": "q2", "matches": []}


def test_screen_file_and_compare_file_name_bad_lines(app: Flask, data: Path, tmp_path: Path) -> None:
    assert run(app, "lists", "import", "un_sc", str(W / "un" / "consolidated.xml")).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "name": "Al Qaida"}\n{"id": "b", "nam": "typo"}\n')
    result = run(app, "screen-file", str(bad))
    assert result.exit_code == 1 and "line 2.name: must be a non-empty string" in result.output
    bad.write_text("{not json\n")
    assert "line 1: not valid JSON" in run(app, "screen-file", str(bad)).output
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(
        json.dumps(
            {
                "id": "p1",
                "left": {"name": "Al Qaida", "kind": "organization"},
                "right": {"name": "AL-QAIDA", "aliases": ["The Base"], "kind": "organization", "extra": 1},
            }
        )
        + "\n"
        + json.dumps({"id": "p2", "left": {"name": "Acme Stationery"}, "right": {"name": "AL-QAIDA"}})
        + "\n"
    )
    out = tmp_path / "pr.jsonl"
    assert run(app, "compare-file", str(pairs), "--output", str(out)).exit_code == 0
    first, second = (json.loads(line) for line in out.read_text().splitlines())
    assert first["id"] == "p1" and first["match"] is True and first["score"] >= 0.88
    assert second["match"] is False and 0 <= second["score"] < 0.88


def test_screen_file_on_a_spreadsheet_writes_the_report(app: Flask, data: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert run(app, "lists", "import", "un_sc", str(W / "un" / "consolidated.xml")).exit_code == 0
    sheet = tmp_path / "bidders.csv"
    rows = "Nom du fournisseur,Pays\nAl Qaida,Afghanistan\nOrion Textiles,Bangladesh\n"
    sheet.write_text(rows, encoding="cp1252")
    result = run(app, "screen-file", str(sheet))
    assert result.exit_code == 0, result.output
    report = tmp_path / "bidders - screening report.xlsx"
    assert "2 rows screened: 1 with alerts" in result.output and report.exists()
    assert "QDe.004" in [c.value for row in load_workbook(report)["Results"].iter_rows() for c in row]
    as_csv = run(app, "screen-file", str(sheet), "--output", str(tmp_path / "r.csv"))
    assert as_csv.exit_code == 0 and "QDe.004" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    failed = run(app, "screen-file", str(junk))
    assert failed.exit_code == 1 and "junk.xlsx" in failed.output
