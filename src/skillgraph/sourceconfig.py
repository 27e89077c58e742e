"""Typed configuration of each source: where its release is and the options its mapping takes.

One frozen dataclass per source (the plain `SourceConfig` for sources without options), read from
the CLI flags and from a `[sources.<id>]` table of the TOML config (path and options together):

    [sources.onet]
    path = "../shared/data/onet/30.1"
    allow_missing = ["Abilities", "Work Context"]
    soc_structure = "../shared/data/aei/release_2025_02_10/SOC_Structure.csv"

    [sources.aei]
    paths = ["release_2025_02_10", "release_2025_09_15"]
    fuzzy_threshold = 0.9

    [sources]
    esco = "../shared/data/esco/v1.1.1"     # a bare path is still accepted

Each option field carries its CLI flag in its metadata, so `skillgraph build --help`, the TOML
reader and the mappings share one definition. An unknown key is an error naming the file and key.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from skillgraph.errors import SourceError


def option(default: Any, flag: str, help: str, kind: type = str, repeat: bool = False, metavar: str = "VALUE") -> Any:
    """A source option: its default, CLI flag, help text and metavar (kept in the field's metadata)."""
    factory = {"default_factory": tuple} if repeat else {"default": default}
    return field(metadata={"flag": flag, "help": help, "kind": kind, "repeat": repeat, "metavar": metavar},
                 **factory)


@dataclass(frozen=True)
class SourceConfig:
    """Where one source's release is read from: the paths given (none: the embedded default)."""

    paths: tuple[Path, ...] = ()
    id: ClassVar[str] = ""

    def options(self) -> dict[str, Any]:
        """The options (every field but the paths) as plain JSON values, for build.json and fingerprints."""
        return {f.name: _plain(getattr(self, f.name)) for f in option_fields(type(self))}


@dataclass(frozen=True)
class OnetConfig(SourceConfig):
    """O*NET: tables allowed to be absent, the SOC structure table, the release when no Read Me names it."""

    id: ClassVar[str] = "onet"
    allow_missing: tuple[str, ...] = option((), "--allow-missing",
                                            "build without this required O*NET table (repeatable), "
                                            "e.g. --allow-missing Skills", repeat=True, metavar="TABLE")
    soc_structure: Path | None = option(None, "--soc-structure",
                                        "SOC 2018 structure table (SOC_Structure.csv) for SOC group titles", Path,
                                        metavar="CSV")
    release: str | None = option(None, "--onet-release", "O*NET release to record when the files carry no Read Me.txt",
                                 metavar="RELEASE")


@dataclass(frozen=True)
class EscoConfig(SourceConfig):
    """ESCO: the release to record (default: the one the files name)."""

    id: ClassVar[str] = "esco"
    release: str | None = option(None, "--esco-release", "ESCO release to record instead of the one the files name",
                                 metavar="RELEASE")


@dataclass(frozen=True)
class AeiConfig(SourceConfig):
    """Anthropic Economic Index: the similarity above which a task text joins an O*NET task by fuzzy match."""

    id: ClassVar[str] = "aei"
    fuzzy_threshold: float = option(0.90, "--aei-fuzzy-threshold",
                                    "similarity (0-1) for AEI's fuzzy task join (default 0.90)", float,
                                    metavar="X")

    def __post_init__(self) -> None:
        if not 0.0 <= self.fuzzy_threshold <= 1.0:
            raise ValueError(f"aei fuzzy_threshold must be between 0 and 1, not {self.fuzzy_threshold}")


CONFIGS: dict[str, type[SourceConfig]] = {c.id: c for c in (OnetConfig, EscoConfig, AeiConfig)}

#: the options dict build() still accepts (the keys tests and scripts pass) -> (source id, field)
LEGACY_OPTIONS = {"allow_missing": ("onet", "allow_missing"), "soc_structure": ("onet", "soc_structure"),
                  "onet_release": ("onet", "release"), "esco_release": ("esco", "release"),
                  "aei_fuzzy_threshold": ("aei", "fuzzy_threshold")}


def config_class(source: str) -> type[SourceConfig]:
    """The configuration dataclass of a source (SourceConfig for a source without options)."""
    return CONFIGS.get(source, SourceConfig)


def option_fields(cls: type[SourceConfig]) -> list[dataclasses.Field]:
    """The option fields of a configuration class (every field but `paths`)."""
    return [f for f in dataclasses.fields(cls) if f.name != "paths"]


def _plain(v: Any) -> Any:
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


def make(source: str, paths: object = None, **opts: Any) -> SourceConfig:
    """A source's typed configuration from paths (one, a list, or None) and options by field name."""
    cls = config_class(source)
    valid = {f.name: f for f in option_fields(cls)}
    unknown = [k for k in opts if k not in valid]
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(map(repr, unknown))} for source {source!r}; "
                         f"valid: {', '.join(valid) or '(none)'}")
    given = [] if paths is None else [paths] if isinstance(paths, (str, Path)) else list(paths)  # type: ignore[call-overload]
    values = {k: _coerce(valid[k], v) for k, v in opts.items() if v is not None}
    return cls(paths=tuple(Path(p).expanduser() for p in given), **values)


def _coerce(f: dataclasses.Field, v: Any) -> Any:
    kind = f.metadata.get("kind", str)
    if f.metadata.get("repeat"):
        return tuple(kind(x) for x in ([v] if isinstance(v, str) else v))
    return kind(v)


def from_legacy(paths: Mapping[str, object] | None, options: Mapping[str, object] | None) -> dict[str, SourceConfig]:
    """Typed configurations from the untyped (paths, options) pair build() also takes."""
    by_source: dict[str, dict[str, Any]] = {}
    for key, value in (options or {}).items():
        if key not in LEGACY_OPTIONS:
            raise ValueError(f"unknown build option {key!r}; valid: {', '.join(LEGACY_OPTIONS)}")
        source, name = LEGACY_OPTIONS[key]
        by_source.setdefault(source, {})[name] = value
    keys = list(dict.fromkeys([*(paths or {}), *by_source]))
    return {k: make(k, (paths or {}).get(k), **by_source.get(k, {})) for k in keys}


def read_toml_sources(path: Path, table: Mapping[str, Any], multiple: Mapping[str, bool]) -> dict[str, SourceConfig]:
    """The `[sources]` table of a TOML config: `id = path` (or a list for a multi-release source) or a
    `[sources.<id>]` table with `path`/`paths` and the source's options; relative paths are relative to
    the file. An unknown source, key or value type is a SourceError naming the file and key."""
    out: dict[str, SourceConfig] = {}
    for key, value in table.items():
        if key not in multiple:
            raise SourceError(path, f"[sources] unknown source {key!r}; valid: {', '.join(multiple)}")
        entry = dict(value) if isinstance(value, dict) else {"path": value}
        raw = entry.pop("paths", None) if "paths" in entry else entry.pop("path", None)
        if "path" in entry:
            raise SourceError(path, f"[sources.{key}] give either path or paths, not both")
        paths = [] if raw is None else raw if isinstance(raw, list) else [raw]
        if not all(isinstance(p, str) for p in paths) or (len(paths) > 1 and not multiple[key]):
            raise SourceError(path, f"[sources.{key}] path must be a path" + (" or a list of paths" if multiple[key]
                                                                            else ""))
        cls = config_class(key)
        valid = {f.name: f for f in option_fields(cls)}
        for name, v in entry.items():
            if name not in valid:
                raise SourceError(path, f"[sources.{key}] unknown key {name!r}; valid: "
                                        + ", ".join(["path", *(["paths"] if multiple[key] else []), *valid]))
            if not _toml_type_ok(valid[name], v):
                raise SourceError(path, f"[sources.{key}] {name} = {v!r}: expected "
                                        + ("a list of strings" if valid[name].metadata.get("repeat")
                                           else valid[name].metadata.get("kind", str).__name__))
            if valid[name].metadata.get("kind") is Path and isinstance(v, str):
                entry[name] = _relative(path, v)
        try:
            out[key] = make(key, [_relative(path, p) for p in paths] or None, **entry)
        except ValueError as e:
            raise SourceError(path, f"[sources.{key}] {e}") from None
    return out


def _toml_type_ok(f: dataclasses.Field, v: Any) -> bool:
    if f.metadata.get("repeat"):
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    kind = f.metadata.get("kind", str)
    return isinstance(v, (int, float)) and not isinstance(v, bool) if kind is float else isinstance(v, str)


def _relative(config_file: Path, p: str) -> str:
    return p if Path(p).is_absolute() else str((config_file.parent / p).resolve())


def merged(base: SourceConfig, over: SourceConfig) -> SourceConfig:
    """`base` with what `over` sets (paths, options differing from their defaults) taking precedence."""
    changes: dict[str, Any] = {}
    if over.paths:
        changes["paths"] = over.paths
    for f in option_fields(type(over)):
        v = getattr(over, f.name)
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if v != default:
            changes[f.name] = v
    return dataclasses.replace(base, **changes)
