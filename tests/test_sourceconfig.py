"""Typed per-source configuration: one dataclass per source, from CLI flags and from `[sources.<id>]`
tables of the TOML config; an unknown key is an error naming the file and the key."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skillgraph import sourceconfig as sc
from skillgraph import store
from skillgraph.cli import _read_config, main
from skillgraph.errors import SourceError
from skillgraph.mappings import SOURCES


def write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "skillgraph.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_a_sources_table_gives_paths_and_typed_options(tmp_path):
    cfg = write(tmp_path, """
[sources.onet]
path = "onet"
allow_missing = ["Abilities", "Work Context"]
soc_structure = "soc/SOC_Structure.csv"
release = "30.1"

[sources.aei]
paths = ["a", "/abs/b"]
fuzzy_threshold = 0.85

[sources]
esco = "esco"
""")
    got = _read_config(cfg)
    assert got == {
        "onet": sc.OnetConfig(paths=(tmp_path / "onet",), allow_missing=("Abilities", "Work Context"),
                              soc_structure=tmp_path / "soc" / "SOC_Structure.csv", release="30.1"),
        "aei": sc.AeiConfig(paths=(tmp_path / "a", Path("/abs/b")), fuzzy_threshold=0.85),
        "esco": sc.EscoConfig(paths=(tmp_path / "esco",)),
    }


@pytest.mark.parametrize("text, problem", [
    ('[sources.onet]\npath = "x"\nallow_mising = ["Skills"]\n', "[sources.onet] unknown key 'allow_mising'; valid: "
                                                                  "path, allow_missing, soc_structure, release"),
    ('[sources.wef]\npath = "x"\nrelease = "2021"\n', "[sources.wef] unknown key 'release'; valid: path"),
    ('[sources.onett]\npath = "x"\n', "[sources] unknown source 'onett'; valid: onet, esco"),
    ('[sources.aei]\nfuzzy_threshold = "high"\n', "[sources.aei] fuzzy_threshold = 'high': expected float"),
    ('[sources.aei]\nfuzzy_threshold = 1.5\n', "[sources.aei] aei fuzzy_threshold must be between 0 and 1"),
    ('[sources.esco]\npath = ["a", "b"]\n', "[sources.esco] path must be a path"),
    ('[source.esco]\npath = "a"\n', "unknown table(s) 'source'"),
])
def test_a_bad_key_or_value_is_an_error_naming_the_file_and_key(tmp_path, text, problem):
    cfg = write(tmp_path, text)
    with pytest.raises(SourceError) as e:
        _read_config(cfg)
    assert str(cfg) in str(e.value) and problem in str(e.value)


def test_the_cases_above_are_seven():
    marks = test_a_bad_key_or_value_is_an_error_naming_the_file_and_key.pytestmark
    assert len(marks[0].args[1]) == 7


def test_esco_release_from_the_cli_and_from_the_config_is_recorded(tmp_path):
    """esco_release could not be set before; now it is a typed option, from a flag or the TOML table."""
    esco = tmp_path / "esco"
    shutil.copytree(SOURCES.get("esco").embedded_path(), esco)
    b = tmp_path / "b"
    assert main(["build", "--store", str(b), "--only", "esco", "--esco", str(esco), "--esco-release", "v1.1.1-x",
                 "--exports", "nq"]) == 0
    assert store.build_info(b)["sources"]["esco"]["release"] == "v1.1.1-x"
    assert store.build_info(b)["sources"]["esco"]["options"] == {"release": "v1.1.1-x"}
    cfg = write(tmp_path, '[sources.esco]\npath = "esco"\nrelease = "v1.1.1-y"\n')
    assert main(["build", "--store", str(b), "--only", "esco", "--config", str(cfg), "--exports", "nq"]) == 0
    assert store.build_info(b)["sources"]["esco"]["release"] == "v1.1.1-y"
    # a flag takes precedence over the file
    assert main(["build", "--store", str(b), "--only", "esco", "--config", str(cfg), "--esco-release", "z",
                 "--exports", "nq"]) == 0
    assert store.build_info(b)["sources"]["esco"]["release"] == "z"


def test_the_untyped_options_build_takes_map_to_the_typed_ones():
    got = sc.from_legacy({"onet": "x"}, {"allow_missing": ["Skills"], "aei_fuzzy_threshold": 0.8})
    assert got == {"onet": sc.OnetConfig(paths=(Path("x"),), allow_missing=("Skills",)),
                   "aei": sc.AeiConfig(fuzzy_threshold=0.8)}
    with pytest.raises(ValueError, match="unknown build option 'esco_relase'; valid: allow_missing"):
        sc.from_legacy({}, {"esco_relase": "x"})
