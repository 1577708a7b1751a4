"""Column mapping: a CRM export with its own names loads to exactly the program it describes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

import partner_analytics as pa
from partner_analytics.cli import main
from partner_analytics.mapping import MappingError, map_source, parse_mapping, read_mapping
from conftest import TINY_CSV

# The tiny program (tests/conftest.py) as a CRM would export it: its own column names, labels and date format,
# deals as order lines (D1 and D6 have two lines), and the targets/engagement/surveys/mdf files as they are.
CRM_ACCOUNTS = """Account ID,Account Name,Partner Type,Level,Region,Country,Joined,Left
P1,Alpha Systems,Reseller Partner,Gold,North America,US,15/01/2023,
P2,Beta Partners,Referral Partner,Silver,EMEA,DE,01/02/2024,
P3,Gamma Tech,Technology Alliance,Registered,APAC,JP,01/05/2024,30/11/2024
"""
CRM_LINES = """Deal No,Line,Account ID,Source,Created,Closed,Status,Line Amount,Product,Customer,New Logo
D1,1,P1,Partner Sourced,10/01/2024,09/02/2024,Closed Won,600,Suite,C1,Y
D1,2,P1,Partner Sourced,10/01/2024,09/02/2024,Closed Won,400,Suite,C1,Y
D2,1,P1,Partner Influenced,01/02/2024,01/04/2024,Closed Won,500,Suite,C2,N
D3,1,P1,Partner Sourced,01/03/2024,31/03/2024,Closed Lost,300,Addon,C3,N
D4,1,P2,Partner Sourced,15/03/2024,,Open,800,Suite,C4,Y
D5,1,P2,Partner Sourced,10/04/2024,10/05/2024,Closed Won,200,Addon,C5,Y
D6,1,,Direct,05/01/2024,05/03/2024,Closed Won,1500,Suite,C6,Y
D6,2,,Direct,05/01/2024,05/03/2024,Closed Won,500,Suite,C6,Y
D7,1,,Direct,01/02/2024,30/04/2024,Closed Lost,700,Suite,C7,N
D8,1,P1,Partner Sourced,01/06/2024,,Open,400,Addon,C8,N
"""
CRM_MAPPING = """
sources:
  accounts: Accounts Export.csv
partners:
  from: accounts
  columns:
    partner_id: Account ID
    partner_name: Account Name
    partner_type: Partner Type
    tier: Level
    region: Region
    country: Country
    onboarded_on: Joined
    churned_on: Left
  values:
    partner_type: {Reseller Partner: reseller, Referral Partner: referral, Technology Alliance: technology}
  date_format:
    onboarded_on: "%d/%m/%Y"
    churned_on: "%d/%m/%Y"
deals:
  from: opportunity_lines
  group_by: Deal No
  columns:
    deal_id: Deal No
    partner_id: {expr: 'any_value("Account ID")'}
    attribution: {expr: any_value(Source)}
    created_on: {expr: min(Created)}
    closed_on: {expr: min(Closed)}
    stage: {expr: any_value(Status)}
    amount: {expr: 'sum(CAST("Line Amount" AS DOUBLE))'}
    product: {expr: any_value(Product)}
    customer_id: {expr: any_value(Customer)}
    is_new_customer: {expr: 'any_value("New Logo")'}
  values:
    attribution: {Partner Sourced: sourced, Partner Influenced: influenced, Direct: direct}
    stage: {Closed Won: won, Closed Lost: lost, Open: open}
  date_format:
    created_on: "%d/%m/%Y"
    closed_on: "%d/%m/%Y"
"""


@pytest.fixture
def crm_dir(tmp_path: Path) -> Path:
    """The tiny program as a CRM export plus the program files that need no mapping."""
    folder = tmp_path / "crm"
    folder.mkdir()
    (folder / "Accounts Export.csv").write_text(CRM_ACCOUNTS, encoding="utf-8")
    (folder / "opportunity_lines.csv").write_text(CRM_LINES, encoding="utf-8")
    for name in ("targets", "engagement", "surveys", "mdf"):
        (folder / f"{name}.csv").write_text(TINY_CSV[name], encoding="utf-8")
    (folder / "mapping.yml").write_text(CRM_MAPPING, encoding="utf-8")
    return folder


def _mapping(**changes: object) -> dict:
    """The CRM mapping as data, with top-level keys replaced (None deletes)."""
    data = yaml.safe_load(CRM_MAPPING)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


def _load_error(crm_dir: Path, mapping_text: str) -> str:
    (crm_dir / "mapping.yml").write_text(textwrap.dedent(mapping_text), encoding="utf-8")
    with pytest.raises(pa.ProgramDataError) as info:
        pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml")
    return str(info.value)


def test_a_mapped_crm_export_loads_to_exactly_the_program_it_describes(crm_dir, tiny_program):
    program = pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml")
    assert program.fingerprint == tiny_program.fingerprint
    assert program.warnings == ("1 partner(s) have no deals (e.g. P3)",)


def test_order_lines_are_grouped_into_deals_with_summed_amounts(crm_dir):
    deals = pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml").deals.set_index("deal_id")
    assert deals.loc["D1", "amount"] == 1000.0
    assert deals.loc["D6", "amount"] == 2000.0
    assert len(deals) == 8


def test_program_tables_the_mapping_does_not_name_are_read_as_they_are(crm_dir):
    program = pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml")
    assert program.summary().set_index("table")["rows"].to_dict() == {
        "partners": 3, "deals": 8, "targets": 4, "engagement": 4, "surveys": 4, "mdf": 1,
    }


def test_a_missing_optional_table_is_simply_not_supplied(crm_dir):
    (crm_dir / "surveys.csv").unlink()
    program = pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml")
    assert not program.has("surveys")


@pytest.mark.parametrize(
    ("column", "spec", "values", "expected"),
    [
        pytest.param("tier", {"constant": "gold"}, None, ["gold", "gold", "gold"], id="constant"),
        pytest.param("tier", {"constant": None}, None, [None, None, None], id="constant blank"),
        pytest.param("tier", {"expr": "lower(Level) || '_tier'"}, None, ["gold_tier", "silver_tier", "registered_tier"],
                     id="expression"),
        pytest.param("tier", "Level", {"Gold": "premier", "Silver": None}, ["premier", None, "Registered"],
                     id="value mapping, unmapped values pass through"),
        pytest.param("tier", "Left", {None: "active"}, ["active", "active", "30/11/2024"], id="blank mapped to a value"),
        pytest.param("region", "accounts.Region", None, ["North America", "EMEA", "APAC"], id="qualified column"),
        pytest.param("region", "region", None, ["North America", "EMEA", "APAC"], id="column names ignore case"),
    ],
)
def test_column_specs_give_the_expected_values(crm_dir, column, spec, values, expected):
    data = _mapping()
    data["partners"]["columns"][column] = spec
    if values is not None:
        data["partners"]["values"][column] = values
    frame = map_source(crm_dir, parse_mapping(data)).frames["partners"]
    assert [None if pd.isna(v) else v for v in frame[column]] == expected


def test_several_date_formats_can_be_tried_in_turn(crm_dir):
    path = crm_dir / "Accounts Export.csv"
    path.write_text(path.read_text().replace("01/02/2024", "2024-02-01"), encoding="utf-8")
    data = _mapping()
    data["partners"]["date_format"]["onboarded_on"] = ["%d/%m/%Y", "%Y-%m-%d"]
    frame = map_source(crm_dir, parse_mapping(data)).frames["partners"]
    assert list(frame["onboarded_on"]) == ["2023-01-15", "2024-02-01", "2024-05-01"]


def test_yaml_values_stay_text(crm_dir):
    (crm_dir / "mapping.yml").write_text(
        CRM_MAPPING.replace("tier: Level", "tier: {constant: 007}").replace("Reseller Partner: reseller",
                                                                              "Reseller Partner: reseller, yes: no"),
        encoding="utf-8",
    )
    mapping = read_mapping(crm_dir / "mapping.yml")
    assert mapping.tables["partners"].columns["tier"] == ("constant", "007")
    assert mapping.tables["partners"].values["partner_type"]["yes"] == "no"


def test_a_filter_keeps_matching_rows_and_a_join_brings_columns_from_another_table(crm_dir):
    (crm_dir / "levels.csv").write_text("Level,Tier Code\nGold,T1\nSilver,T2\nRegistered,T3\n", encoding="utf-8")
    data = _mapping()
    data["partners"].update(join={"table": "levels", "using": "Level"}, filter=["Country <> 'JP'", "Level IS NOT NULL"])
    data["partners"]["columns"]["tier"] = "Tier Code"
    data["partners"]["columns"].pop("churned_on")
    data["partners"]["date_format"].pop("churned_on")
    frame = map_source(crm_dir, parse_mapping(data)).frames["partners"]
    assert frame[["partner_id", "tier"]].values.tolist() == [["P1", "T1"], ["P2", "T2"]]


def test_views_build_helper_tables_that_program_tables_read(crm_dir):
    data = _mapping(views={"deal_totals": {
        "from": "opportunity_lines", "group_by": "Deal No",
        "columns": {"deal": "Deal No", "total": {"expr": 'sum(CAST("Line Amount" AS DOUBLE))'}},
    }})
    deals = data["deals"]
    deals["join"] = {"table": "deal_totals", "on": 'deal_totals.deal = opportunity_lines."Deal No"'}
    deals["columns"]["amount"] = {"expr": "any_value(total)"}
    frame = map_source(crm_dir, parse_mapping(data)).frames["deals"]
    assert frame.set_index("deal_id")["amount"].to_dict()["D1"] == 1000.0


def test_parquet_sources_keep_their_types(crm_dir):
    lines = pd.read_csv(crm_dir / "opportunity_lines.csv", dtype={"Account ID": str, "Customer": str})
    lines.to_parquet(crm_dir / "opportunity_lines.parquet")
    (crm_dir / "opportunity_lines.csv").unlink()
    text = CRM_MAPPING.replace('sum(CAST("Line Amount" AS DOUBLE))', 'sum("Line Amount")')
    (crm_dir / "mapping.yml").write_text(text, encoding="utf-8")
    assert pa.load_program(crm_dir, mapping=crm_dir / "mapping.yml").deals["amount"].sum() == 5900.0


def test_a_workbook_with_one_sheet_per_source_table_can_be_mapped(crm_dir, tiny_program):
    workbook = crm_dir / "crm.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        pd.read_csv(crm_dir / "Accounts Export.csv", dtype=str).to_excel(writer, sheet_name="Accounts", index=False)
        pd.read_csv(crm_dir / "opportunity_lines.csv", dtype=str).to_excel(writer, sheet_name="opportunity_lines",
                                                                           index=False)
        for name in ("targets", "engagement", "surveys", "mdf"):
            pd.read_csv(crm_dir / f"{name}.csv", dtype=str).to_excel(writer, sheet_name=name, index=False)
    (crm_dir / "mapping.yml").write_text(CRM_MAPPING.replace("Accounts Export.csv", "Accounts"), encoding="utf-8")
    program = pa.load_program(workbook, mapping=crm_dir / "mapping.yml")
    assert program.fingerprint == tiny_program.fingerprint


def test_a_bad_value_is_reported_at_its_line_in_the_source_file(crm_dir):
    path = crm_dir / "Accounts Export.csv"
    path.write_text(path.read_text().replace("P3,Gamma", "P2,Gamma"), encoding="utf-8")
    message = _load_error(crm_dir, CRM_MAPPING)
    assert ("Accounts Export.csv (mapped to partners), column 'partner_id': duplicate values (must be unique) "
            "[2 rows: 3 ('P2'), 4 ('P2')]") in message


def test_row_numbers_survive_a_filter_and_point_at_the_source_lines(crm_dir):
    path = crm_dir / "Accounts Export.csv"
    path.write_text(path.read_text().replace("01/05/2024,30/11/2024", "01/05/2024,31/11/2024"), encoding="utf-8")
    data = CRM_MAPPING.replace("  columns:\n    partner_id: Account ID", "  filter: Country <> 'US'\n  columns:\n"
                                                                           "    partner_id: Account ID", 1)
    message = _load_error(crm_dir, data)
    assert ("Accounts Export.csv (mapped to partners), column 'churned_on': cannot be read as a date like 2024-03-31 "
            "[1 row: 4 ('31/11/2024')]") in message


def test_errors_in_grouped_tables_name_the_mapped_table_and_its_source(crm_dir):
    path = crm_dir / "opportunity_lines.csv"
    path.write_text(path.read_text().replace("Closed Lost,700", "Closed Lst,700"), encoding="utf-8")
    message = _load_error(crm_dir, CRM_MAPPING)
    assert ("deals (mapped from opportunity_lines.csv), column 'stage': unknown values (allowed: open, won, lost) "
            "[1 row: 8 ('Closed Lst')]") in message


def _bad(path: str, value: object) -> dict:
    """The CRM mapping with the value at a dotted key path replaced (None deletes it)."""
    data = _mapping()
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is None:
        node.pop(last)
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(_mapping(deal={}), "mapping: deal: unknown key (did you mean 'deals'?)", id="unknown table"),
        pytest.param(_bad("deals.colums", {}), "mapping: deals.colums: unknown key (did you mean 'columns'?)",
                     id="unknown table key"),
        pytest.param(_bad("partners.from", None), "mapping: partners.from: required: the source table to read",
                     id="no from"),
        pytest.param(_bad("partners.columns.partner_nmae", "Account Name"),
                     "mapping: partners.columns.partner_nmae: unknown key (did you mean 'partner_name'?)",
                     id="unknown program column"),
        pytest.param(_bad("partners.columns.partner_type", None),
                     "mapping: partners.columns: required column 'partner_type' not mapped", id="required column"),
        pytest.param(_bad("partners.columns.tier", {"constant": "a", "expr": "b"}),
                     "mapping: partners.columns.tier: expected a source column name, {constant: value} or {expr: SQL}",
                     id="two kinds at once"),
        pytest.param(_bad("deals.values.region", {"US": "USA"}),
                     "mapping: deals.values.region: 'region' is not one of this table's mapped columns",
                     id="values for an unmapped column"),
        pytest.param(_bad("partners.date_format.onboarded_on", "dd/mm/yyyy"),
                     "mapping: partners.date_format.onboarded_on: expected strptime formats such as '%d/%m/%Y'",
                     id="date format without %"),
        pytest.param(_bad("partners.join", {"table": "x", "using": "a", "on": "b"}),
                     "mapping: partners.join[0]: give exactly one of 'using' (key columns) or 'on' (an SQL condition)",
                     id="join with using and on"),
        pytest.param(_bad("partners.join", {"table": "x", "using": "a", "how": "outer"}),
                     "mapping: partners.join[0].how: must be 'inner' or 'left', got 'outer'", id="join how"),
        pytest.param(["partners"], "mapping: the mapping must be a YAML mapping of table names, got a list",
                     id="not a mapping"),
    ],
)
def test_structural_mistakes_in_a_mapping_name_the_key_path(data, expected):
    with pytest.raises(MappingError) as info:
        parse_mapping(data)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        pytest.param("partners.columns.partner_name", "Acount Name",
                     "partners.columns.partner_name: column 'Acount Name' not found; did you mean 'Account Name'? "
                     "(columns of accounts: Account ID, Account Name, Partner Type,", id="unknown source column"),
        pytest.param("partners.from", "acounts",
                     "partners.from: no source table or view 'acounts' (available: Accounts Export, accounts, engagement,",
                     id="unknown source table"),
        pytest.param("deals.columns.amount", {"expr": "sum(Line_Amount)"},
                     'deals.columns.amount: Binder Error: Referenced column "Line_Amount" not found', id="bad expression"),
        pytest.param("deals.columns.product", "Product",
                     'deals.columns.product: Binder Error: column "Product" must appear in the GROUP BY clause',
                     id="plain column in a grouped table"),
        pytest.param("partners.filter", "Contry = 'US'", "partners.filter: Binder Error: Referenced column \"Contry\"",
                     id="bad filter"),
        pytest.param("partners.join", {"table": "engagement", "using": "Account ID"},
                     "partners.join: key 'Account ID' must be a column of both accounts and engagement",
                     id="join key missing on one side"),
    ],
)
def test_mistakes_that_only_the_source_reveals_name_the_mapping_file_and_key_path(crm_dir, path, value, expected):
    message = _load_error(crm_dir, yaml.safe_dump(_bad(path, value), sort_keys=False))
    assert "problem found in the column mapping" in message
    assert f"mapping.yml: {expected}" in message


def test_an_ambiguous_column_asks_for_the_table_name(crm_dir):
    data = _mapping()
    data["partners"]["join"] = {"table": "targets", "on": 'targets.partner_id = accounts."Account ID"', "how": "left"}
    data["partners"]["group_by"] = ["partner_id", "Account Name", "Partner Type", "Level", "Region", "Country",
                                    "Joined", "Left"]
    (crm_dir / "targets.csv").write_text(TINY_CSV["targets"].replace("kpi", "Country"), encoding="utf-8")
    message = _load_error(crm_dir, yaml.safe_dump(data, sort_keys=False))
    assert "column 'Country' is in more than one table; write 'accounts.Country' or 'targets.Country'" in message


def test_invalid_yaml_is_reported_with_its_line(crm_dir):
    message = _load_error(crm_dir, "partners:\n  from: accounts\n  columns: [\n")
    assert "mapping.yml: line 4, column 1: not valid YAML" in message


def test_a_repeated_key_is_reported_with_its_line(crm_dir):
    message = _load_error(crm_dir, CRM_MAPPING.replace("    tier: Level\n", "    tier: Level\n    tier: Region\n"))
    assert "mapping.yml: line 11, column 5: not valid YAML: key 'tier' appears twice" in message


def test_a_view_used_before_it_is_defined_is_named(crm_dir):
    data = _mapping(views={
        "a": {"from": "b", "columns": {"x": "deal"}},
        "b": {"from": "opportunity_lines", "columns": {"deal": "Deal No"}},
    })
    message = _load_error(crm_dir, yaml.safe_dump(data, sort_keys=False))
    assert "views.a.from: view 'b' is used before it is defined" in message


def test_every_mapping_problem_is_reported_at_once(crm_dir):
    data = _bad("partners.columns.partner_name", "Acount Name")
    data["deals"]["columns"]["amount"] = {"expr": "sum(nothing)"}
    message = _load_error(crm_dir, yaml.safe_dump(data, sort_keys=False))
    assert "2 problems found in the column mapping" in message


def test_a_missing_mapping_file_is_a_clear_error(crm_dir):
    with pytest.raises(MappingError, match="nowhere.yml: cannot be read"):
        pa.load_program(crm_dir, mapping=crm_dir / "nowhere.yml")


def test_validate_accepts_a_mapping(crm_dir, capsys):
    assert main(["validate", str(crm_dir), "--mapping", str(crm_dir / "mapping.yml")]) == 0
    assert "valid (partners 3, deals 8, targets 4, engagement 4, surveys 4, mdf 1 rows)" in capsys.readouterr().out


def test_validate_reports_mapping_problems_on_stderr_and_exits_1(crm_dir, capsys):
    (crm_dir / "mapping.yml").write_text(CRM_MAPPING.replace("from: accounts", "from: acounts"), encoding="utf-8")
    assert main(["validate", str(crm_dir), "--mapping", str(crm_dir / "mapping.yml")]) == 1
    captured = capsys.readouterr()
    assert "mapping.yml: partners.from: no source table or view 'acounts'" in captured.err
    assert "Traceback" not in captured.err


def test_other_commands_can_reuse_the_source_arguments():
    import argparse

    from partner_analytics.cli import add_source_arguments

    parser = argparse.ArgumentParser()
    add_source_arguments(parser, default="sample")
    args = parser.parse_args(["--mapping", "crm.yml"])
    assert (args.source, args.mapping, args.encoding) == ("sample", "crm.yml", None)  # None: reporting.encoding
