"""A Program is validated once and cannot be changed afterwards."""

from __future__ import annotations

import pytest

import partner_analytics as pa


def test_changing_a_returned_table_never_changes_the_program(tiny_program):
    deals = tiny_program.deals
    deals.loc[0, "amount"] = 1e9
    deals["amount"] = 0.0
    assert tiny_program.deals["amount"].sum() == 5900.0


def test_program_attributes_cannot_be_reassigned(tiny_program):
    with pytest.raises(AttributeError):
        tiny_program.source = "elsewhere"


def test_the_fingerprint_changes_when_any_value_changes(tiny_frames):
    before = pa.build_program(tiny_frames).fingerprint
    tiny_frames["deals"].loc[2, "amount"] = "301"
    assert pa.build_program(tiny_frames).fingerprint != before


def test_the_fingerprint_is_stable_for_the_same_data(tiny_frames):
    assert pa.build_program(tiny_frames).fingerprint == pa.build_program(tiny_frames).fingerprint


def test_data_end_is_the_latest_date_in_the_data(tiny_program):
    assert str(tiny_program.data_end.date()) == "2024-06-01"


def test_extra_columns_are_kept(tiny_frames):
    tiny_frames["partners"]["segment"] = ["smb", "ent", "smb"]
    assert list(pa.build_program(tiny_frames).partners["segment"]) == ["smb", "ent", "smb"]


def test_building_does_not_mutate_the_input_frames(tiny_frames):
    snapshot = {name: frame.copy() for name, frame in tiny_frames.items()}
    pa.build_program(tiny_frames)
    for name, frame in tiny_frames.items():
        assert frame.equals(snapshot[name])


def test_an_unknown_table_name_is_rejected(tiny_frames):
    with pytest.raises(ValueError, match="unknown tables"):
        pa.build_program({**tiny_frames, "leads": tiny_frames["deals"]})


def test_a_missing_required_table_is_reported(tiny_frames):
    del tiny_frames["deals"]
    with pytest.raises(pa.ProgramDataError, match="required table 'deals' is missing"):
        pa.build_program(tiny_frames)


def test_unconfigured_partner_types_load_with_a_warning(tiny_frames):
    tiny_frames["partners"].loc[2, "partner_type"] = "Marketplace"
    program = pa.build_program(tiny_frames)
    assert program.partners.loc[2, "partner_type"] == "marketplace"
    assert any("['marketplace'] are not configured" in w for w in program.warnings)
