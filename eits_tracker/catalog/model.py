"""The native catalogue format: one JSON document per edition.

Every importer (E-ITS portal API v2, CISO Assistant YAML, the flat 2024 list,
OSCAL) produces a :class:`CatalogEdition`; the database loader and the OSCAL
exporter consume one. ``catalog/README.md`` documents the JSON schema that
these models serialise to. Validation errors name the field path, so a broken
file is reported as "measures.17.level: ..." rather than a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from contextvars import ContextVar
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, field_validator, model_validator

FORMAT_NAME = "eits-tracker-catalog"
FORMAT_VERSION = 1

Level = Literal["basic", "standard", "high"]
LayerKind = Literal["process", "system"]
Lifecycle = Literal["planning", "implementation", "operation", "monitoring", "improvement", "disposal"]
Priority = Literal["P1", "P2", "P3"]

LEVELS: tuple[Level, ...] = ("basic", "standard", "high")

#: Estonian level names as the sources spell them, and the CISO Assistant letters.
LEVEL_ALIASES: dict[str, Level] = {
    "põhimeede": "basic",
    "standardmeede": "standard",
    "kõrgmeede": "high",
    "p": "basic",
    "s": "standard",
    "k": "high",
    "basic": "basic",
    "standard": "standard",
    "high": "high",
}

LIFECYCLE_ALIASES: dict[str, Lifecycle] = {
    "kavandamine": "planning",
    "evitus": "implementation",
    "käitus": "operation",
    "seire": "monitoring",
    "parendamine": "improvement",
    "kõrvaldamine": "disposal",
}

PROCESS_LAYERS = ("ISMS", "ORP", "CON", "OPS", "DER")
SYSTEM_LAYERS = ("INF", "NET", "SYS", "APP", "IND")

MODULE_CODE_RE = re.compile(r"^[A-Z]{2,5}(\.[A-Z0-9]+)+$")
# "ME" occurs once in 2024: OPS.1.1.5.ME1 (Logide räsiaheldamine).
MEASURE_CODE_RE = re.compile(r"^[A-Z]{2,5}(\.[A-Z0-9]+)+\.ME?[0-9]+$")
THREAT_CODE_RE = re.compile(r"^G 0\.[0-9]+$")

EITS_STANDARD = "E-ITS"
#: Codes of other standards (an imported OSCAL catalogue) need only be non-blank, trimmed, one line.
GENERIC_CODE_RE = re.compile(r"^\S(.{0,98}\S)?$")

#: False while a CatalogEdition of another standard than E-ITS is validated (see CatalogEdition._by_standard).
_EITS_CODES: ContextVar[bool] = ContextVar("eits_codes", default=True)


def _check_code(value: str, pattern: re.Pattern[str], message: str) -> str:
    if _EITS_CODES.get():
        if not pattern.match(value):
            raise ValueError(message)
    elif not GENERIC_CODE_RE.match(value):
        raise ValueError(f"code {value!r} must be 1-100 characters on one line, without surrounding spaces")
    return value


def level_from_text(value: str) -> Level:
    """Map an Estonian, English or one-letter level name to a level key."""
    key = value.strip().lower()
    if key not in LEVEL_ALIASES:
        raise ValueError(
            f"unknown level {value!r}: expected one of Põhimeede/Standardmeede/Kõrgmeede, P/S/K or basic/standard/high"
        )
    return LEVEL_ALIASES[key]


def lifecycle_from_text(value: str | None) -> Lifecycle | None:
    if value is None or not value.strip():
        return None
    key = value.strip().lower()
    if key in LIFECYCLE_ALIASES:
        return LIFECYCLE_ALIASES[key]
    if key in LIFECYCLE_ALIASES.values():
        return key  # type: ignore[return-value]
    raise ValueError(f"unknown lifecycle phase {value!r}")


def layer_kind(layer_code: str) -> LayerKind:
    """Process layers apply to the whole organisation, system layers to target objects."""
    return "process" if layer_code in PROCESS_LAYERS else "system"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class SourceFile(_Strict):
    """One input an edition was built from, with its checksum."""

    name: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    origin: str = ""


class Edition(_Strict):
    """Which catalogue this is: standard, year, language, validity, provenance."""

    key: str = Field(min_length=1, description="Short id used on the CLI, e.g. '2024'")
    standard: str = "E-ITS"
    year: int | None = None
    title: str
    language: str = "et"
    valid_from: date | None = None
    valid_to: date | None = None
    publisher: str = "Riigi Infosüsteemi Amet (RIA)"
    source: str = Field(description="Where the content comes from, in words")
    source_url: str = ""
    attribution: str = ""
    notes: list[str] = Field(default_factory=list)
    sources: list[SourceFile] = Field(default_factory=list)
    sha256: str = Field(default="", description="Checksum of the content; see content_sha256()")


class Layer(_Strict):
    """A layer (ISMS, ORP, ... IND) or a sub-group inside a layer (SYS.1 Server)."""

    code: str
    title: str
    kind: LayerKind
    parent: str | None = None


class Module(_Strict):
    code: str
    title: str
    layer: str
    subgroup: str | None = None
    kind: LayerKind
    purpose: str = ""
    responsibility: str = ""
    limits: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v, MODULE_CODE_RE, f"module code {v!r} is not like 'ORP.4' or 'SYS.1.2'")


class Measure(_Strict):
    code: str
    module: str
    title: str
    level: Level
    responsible: str = ""
    co_assignees: list[str] = Field(default_factory=list)
    confidentiality: bool = False
    integrity: bool = False
    availability: bool = False
    lifecycle: Lifecycle | None = None
    text: str = ""
    threats: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v, MEASURE_CODE_RE, f"measure code {v!r} is not like 'ORP.4.M1'")

    @field_validator("threats")
    @classmethod
    def _threats(cls, v: list[str]) -> list[str]:
        for code in v:
            _check_code(code, THREAT_CODE_RE, f"threat code {code!r} is not like 'G 0.18'")
        return v

    @property
    def cia(self) -> str:
        flags = (("C", self.confidentiality), ("I", self.integrity), ("A", self.availability))
        return "".join(f for f, on in flags if on)


class Threat(_Strict):
    code: str
    title: str
    description: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v, THREAT_CODE_RE, f"threat code {v!r} is not like 'G 0.18'")


class Profile(_Strict):
    """A sector profile: a priority per measure code (``kov`` is the municipal one)."""

    key: str
    title: str
    priorities: dict[str, Priority]


class CatalogEdition(_Strict):
    """A whole edition in the native format."""

    format: Literal["eits-tracker-catalog"] = FORMAT_NAME
    format_version: Literal[1] = FORMAT_VERSION
    edition: Edition
    layers: list[Layer]
    modules: list[Module]
    measures: list[Measure]
    threats: list[Threat] = Field(default_factory=list)
    profiles: list[Profile] = Field(default_factory=list)

    @model_validator(mode="wrap")
    @classmethod
    def _by_standard(cls, data: Any, handler: ModelWrapValidatorHandler[CatalogEdition]) -> CatalogEdition:
        """E-ITS editions get the E-ITS code patterns; other standards only generic code checks."""
        token = _EITS_CODES.set(_standard_of(data) == EITS_STANDARD)
        try:
            return handler(data)
        finally:
            _EITS_CODES.reset(token)

    @model_validator(mode="after")
    def _consistent(self) -> CatalogEdition:
        problems: list[str] = []
        layer_codes = _unique([lay.code for lay in self.layers], "layer", problems)
        module_codes = _unique([m.code for m in self.modules], "module", problems)
        measure_codes = _unique([m.code for m in self.measures], "measure", problems)
        threat_codes = _unique([t.code for t in self.threats], "threat", problems)
        for lay in self.layers:
            if lay.parent is not None and lay.parent not in layer_codes:
                problems.append(f"layer {lay.code}: parent {lay.parent!r} is not a layer")
        for i, m in enumerate(self.modules):
            if m.layer not in layer_codes:
                problems.append(f"modules.{i} ({m.code}): layer {m.layer!r} is not defined in layers")
            if m.subgroup is not None and m.subgroup not in layer_codes:
                problems.append(f"modules.{i} ({m.code}): subgroup {m.subgroup!r} is not defined in layers")
        for i, ms in enumerate(self.measures):
            if ms.module not in module_codes:
                problems.append(f"measures.{i} ({ms.code}): module {ms.module!r} is not defined in modules")
            elif self.edition.standard == EITS_STANDARD and not ms.code.startswith(ms.module + ".M"):
                problems.append(f"measures.{i} ({ms.code}): code does not belong to module {ms.module}")
            if threat_codes:
                unknown = [t for t in ms.threats if t not in threat_codes]
                if unknown:
                    problems.append(f"measures.{i} ({ms.code}): unknown threats {unknown}")
        _unique([p.key for p in self.profiles], "profile", problems)
        for p in self.profiles:
            unknown = sorted(set(p.priorities) - measure_codes)
            if unknown:
                problems.append(f"profile {p.key}: {len(unknown)} measures not in this edition, e.g. {unknown[:3]}")
        if problems:
            raise ValueError("; ".join(problems[:20]))
        return self

    # --- derived facts -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out = {"modules": len(self.modules), "measures": len(self.measures)}
        for level in LEVELS:
            out[level] = sum(1 for m in self.measures if m.level == level)
        return out

    def content_sha256(self) -> str:
        """Checksum of everything but ``edition.sha256`` itself, over canonical JSON."""
        data = self.model_dump(mode="json")
        data["edition"]["sha256"] = ""
        canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def with_checksum(self) -> CatalogEdition:
        self.edition.sha256 = self.content_sha256()
        return self


def _standard_of(data: Any) -> str:
    edition: Any = None
    if isinstance(data, CatalogEdition):
        edition = data.edition
    elif isinstance(data, dict):
        edition = data.get("edition")
    if isinstance(edition, Edition):
        return edition.standard
    if isinstance(edition, dict):
        return str(edition.get("standard", EITS_STANDARD))
    return EITS_STANDARD


def _unique(codes: list[str], what: str, problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            problems.append(f"duplicate {what} code {code!r}")
        seen.add(code)
    return seen
