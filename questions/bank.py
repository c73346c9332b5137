"""The question bank: load and validate the YAML files in questions/data.

The schema is described in questions/README.md. `validate_bank` reports every
problem it finds and never raises for bad content; `load_bank` raises
`BankError` unless the bank is clean.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)

ANSWER_KINDS: tuple[str, ...] = ("scale", "tick", "choice", "text")
SIDES: tuple[str, ...] = ("ours", "client")
DIMENSIONS: dict[str, str] = {
    # partnership check: the five needs, plus value and predictability
    "goals_values": "Shared goals & values",
    "vision": "Vision & alignment",
    "getting_along": "Getting along",
    "trust": "Trust",
    "practical_actions": "Practical actions",
    "value_predictability": "Value & predictability",
    # ground rules (the sixth need)
    "ground_rules": "Ground rules",
    # reflection after a meeting
    "client_context": "Their context & concerns",
    "responsiveness": "Responsiveness",
    "value_added": "Value to the client",
    "improvement": "Next time",
    "shared_learning": "Learning shared back",
    # consultant self-check
    "work_mix": "Mix of work",
    "role": "Role the consultants play",
    "access_credibility": "Access, credibility & trust",
    "client_type": "Sustained or project client",
    # reflection and self-check
    "signals": "Warning signals",
}
# the template whose summary's verdict stands for the partnership (the Home tab shows it)
PARTNERSHIP_CHECK = "partnership_check"
# The needs a summary ticks: the five of a lasting partnership, and ground rules (the sixth,
# asked only in its own template). Value & predictability and the rest are reported, not ticked.
NEEDS: tuple[str, ...] = (
    "goals_values",
    "vision",
    "getting_along",
    "trust",
    "practical_actions",
    "ground_rules",
)
DEFAULT_BANK_PATH: Path = Path(__file__).resolve().parent / "data"

# Limits keep every string inside Slack Block Kit limits (button/option text 75).
ID_LIMIT = 60
TEXT_LIMIT = 300
HELP_LIMIT = 300
LABEL_LIMIT = 75
NAME_LIMIT = 75
DESCRIPTION_LIMIT = 75  # shown as an option description in the start form
VALUE_LIMIT = 40
SCALE_VALUES = ("1", "2", "3", "4", "5")
DEFAULT_TICK_OPTIONS = (("yes", "Yes"), ("no", "Not yet"))
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    deal_breaker: bool = False
    warning: bool = False  # the summary calls it out on its own line; not part of the wording

    @property
    def short(self) -> str:
        return short_label(self.label)


def short_label(label: str) -> str:
    """An option's label up to its first colon: "Expert: they stepped back…" → "Expert"."""
    return label.split(":", 1)[0].strip()


@dataclass(frozen=True)
class Question:
    id: str
    version: int
    dimension: str
    kind: str
    text: str
    help: str
    sides: tuple[str, ...]
    templates: tuple[str, ...]
    options: tuple[Option, ...]
    allow_comment: bool = True
    file: str = ""  # the file it was read from
    custom: bool = False  # from PARTNERCHECK_QUESTIONS_DIR rather than the built-in bank

    def fingerprint(self) -> str:
        """sha256 of the wording; identical wording gives an identical fingerprint."""
        canonical = {
            "text": self.text,
            "help": self.help,
            "kind": self.kind,
            "dimension": self.dimension,
            "sides": list(self.sides),
            "options": [[o.value, o.label, o.deal_breaker] for o in self.options],
        }
        blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    @property
    def scored(self) -> bool:
        return self.kind in ("scale", "tick")


@dataclass(frozen=True)
class HeadlineItem:
    """One line of a template's summary headline: a question's picks or a dimension's figures."""

    label: str
    question: str | None = None
    dimension: str | None = None


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    description: str
    question_ids: tuple[str, ...]
    sides: tuple[str, ...]
    headline: tuple[HeadlineItem, ...] = ()
    file: str = ""
    custom: bool = False

    @property
    def asked_of_both_sides(self) -> bool:
        """Only such templates run in the channel shared with the client."""
        return {"ours", "client"} <= set(self.sides)


@dataclass(frozen=True)
class Bank:
    questions: dict[str, Question]
    templates: dict[str, Template]

    def _template(self, template_id: str) -> Template:
        try:
            return self.templates[template_id]
        except KeyError:
            known = ", ".join(self.templates)
            raise KeyError(f"unknown template {template_id!r}; known: {known}") from None

    def template_questions(self, template_id: str) -> list[Question]:
        return [self.questions[qid] for qid in self._template(template_id).question_ids]

    def dimensions_of(self, template_id: str) -> list[str]:
        return list(dict.fromkeys(q.dimension for q in self.template_questions(template_id)))


@dataclass(frozen=True)
class Problem:
    file: str
    question_id: str | None
    reason: str

    def __str__(self) -> str:
        parts = [self.file, self.question_id, self.reason]
        return ": ".join(p for p in parts if p)


class BankError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------- the file format (pydantic)
#
# pydantic checks each entry's shape (keys, types, lengths, allowed values); the rules that
# tie entries together (scales named by questions, questions named by templates, ids defined
# twice) are checked below, once every file is read.

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.]+$", min_length=1, max_length=ID_LIMIT)]
Side = Literal["ours", "client"]
Kind = Literal["scale", "tick", "choice", "text"]
Dimension = Literal[tuple(DIMENSIONS)]  # type: ignore[valid-type]


def _as_value(raw: Any) -> Any:
    """YAML reads bare yes/no as booleans and 1..5 as ints; store them as strings."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return str(raw) if isinstance(raw, int) else raw


def _no_repeats(items: list[str]) -> list[str]:
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"lists {', '.join(map(repr, repeated))} twice")
    return items


def _text(limit: int, *, required: bool = True) -> Any:
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=int(required), max_length=limit)
    ]


Value = Annotated[
    str,
    BeforeValidator(_as_value),
    StringConstraints(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=VALUE_LIMIT),
]
Sides = Annotated[list[Side], Field(min_length=1), AfterValidator(_no_repeats)]
Label = _text(LABEL_LIMIT)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OptionSpec(_Strict):
    value: Value
    label: Label
    deal_breaker: StrictBool = False
    warning: StrictBool = False  # the summary calls it out on its own line


class QuestionSpec(_Strict):
    id: Id
    version: Annotated[StrictInt, Field(ge=1)]
    dimension: Dimension
    kind: Kind
    text: _text(TEXT_LIMIT)  # type: ignore[valid-type]
    help: _text(HELP_LIMIT, required=False) = ""  # type: ignore[valid-type]
    sides: Sides
    scale: str | None = None
    options: list[OptionSpec] | None = None
    allow_comment: StrictBool = True

    @model_validator(mode="after")
    def _options_fit_the_kind(self, info: ValidationInfo) -> QuestionSpec:
        scales: dict[str, tuple[str, ...]] = (info.context or {}).get("scales", {})
        if self.scale is not None:
            if self.kind != "scale":
                raise ValueError("'scale' is only allowed on kind: scale")
            if self.options is not None:
                raise ValueError("give either 'scale' or 'options', not both")
            if self.scale not in scales:
                raise ValueError(
                    f"unknown scale {self.scale!r}; known: {', '.join(sorted(scales))}"
                )
            return self
        if self.kind == "text":
            if self.options is not None:
                raise ValueError("text questions take no options")
            return self
        if self.options is None:
            if self.kind == "tick":
                return self
            raise ValueError("options must be a list of {value, label} mappings")
        values = [option.value for option in self.options]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"duplicate option values: {', '.join(repeated)}")
        if self.kind == "scale" and tuple(values) != SCALE_VALUES:
            raise ValueError(
                f"a scale needs exactly 5 options with values 1..5 in order, got {values}"
            )
        if self.kind == "tick" and sorted(values) != ["no", "yes"]:
            raise ValueError(
                f"a tick needs exactly two options with values yes and no, got {values}"
            )
        if self.kind == "choice" and not 2 <= len(values) <= 10:
            raise ValueError(f"a choice needs 2 to 10 options, got {len(values)}")
        return self

    def question(self, scales: dict[str, tuple[str, ...]], file: str, custom: bool) -> Question:
        if self.scale is not None:
            labels = scales[self.scale]
            options = tuple(Option(v, label) for v, label in zip(SCALE_VALUES, labels, strict=True))
        elif self.options is None:
            options = () if self.kind == "text" else tuple(Option(*o) for o in DEFAULT_TICK_OPTIONS)
        else:
            options = tuple(
                Option(o.value, o.label, o.deal_breaker, o.warning) for o in self.options
            )
        return Question(
            self.id,
            self.version,
            self.dimension,
            self.kind,
            self.text,
            self.help,
            tuple(self.sides),
            (),
            options,
            self.allow_comment,
            file=file,
            custom=custom,
        )


class HeadlineSpec(_Strict):
    """One line of a template's summary headline: a question's picks or a dimension's figures."""

    label: Label
    question: StrictStr | None = None
    dimension: StrictStr | None = None

    @model_validator(mode="after")
    def _names_one_thing(self) -> HeadlineSpec:
        if (self.question is None) == (self.dimension is None):
            raise ValueError(f"headline item {self.label!r} names either a question or a dimension")
        if self.dimension is not None and self.dimension not in DIMENSIONS:
            raise ValueError(f"headline item {self.label!r}: unknown dimension {self.dimension!r}")
        return self


class TemplateSpec(_Strict):
    id: Id
    name: _text(NAME_LIMIT)  # type: ignore[valid-type]
    description: _text(DESCRIPTION_LIMIT, required=False) = ""  # type: ignore[valid-type]
    sides: Sides
    questions: Annotated[list[StrictStr], Field(min_length=1), AfterValidator(_no_repeats)]
    headline: list[HeadlineSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _headline_asks_this_template(self) -> TemplateSpec:
        for item in self.headline:
            if item.question is not None and item.question not in self.questions:
                raise ValueError(
                    f"headline item {item.label!r}: question {item.question!r} is not in the "
                    "template"
                )
        return self

    def template(self, file: str, custom: bool) -> Template:
        return Template(
            self.id,
            self.name,
            self.description,
            tuple(self.questions),
            tuple(self.sides),
            headline=tuple(HeadlineItem(h.label, h.question, h.dimension) for h in self.headline),
            file=file,
            custom=custom,
        )


class BankFile(_Strict):
    """A file's top level; its entries are validated one by one, so one bad entry does not
    hide the others."""

    scales: dict[str, Annotated[list[Label], Field(min_length=5, max_length=5)]] = Field(
        default_factory=dict
    )
    questions: list[Any] = Field(default_factory=list)
    templates: list[Any] = Field(default_factory=list)


def _reasons(error: ValidationError) -> list[str]:
    """pydantic's findings as sentences naming the field."""
    return [_reason(detail) for detail in error.errors(include_url=False)]


def _reason(detail: Any) -> str:
    loc = [part for part in detail["loc"] if part != "function-after[_no_repeats(), list[str]]"]
    kind, given, ctx = detail["type"], detail.get("input"), detail.get("ctx") or {}
    field = _field(loc)
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        where = " in option" if "options" in loc[:-1] else ""
        return f"unknown key {last!r}{where}"
    if kind == "value_error":
        message = str(detail["msg"]).removeprefix("Value error, ")
        return message if not loc else f"{field} {message}"
    if last == "id":
        if kind == "missing":
            return "has no id"
        return f"id {given!r} must be 1-{ID_LIMIT} characters of a-z, 0-9, '_' and '.'"
    if last == "value" and "options" in loc:
        return f"option value {given!r} must be 1-{VALUE_LIMIT} characters of a-z, 0-9, '_'"
    if last == "version":
        return f"version must be a whole number >= 1, got {given!r}"
    if "sides" in loc and kind == "literal_error":
        return f"unknown side {given!r}; use {', '.join(SIDES)}"
    if last == "sides":
        return f"sides must be a non-empty list drawn from {', '.join(SIDES)}"
    if kind in ("too_short", "too_long") and loc[:1] == ["scales"]:
        return f"{field} needs exactly 5 labels (lowest first)"
    if kind == "too_short" and last == "questions":
        return "has no questions"
    if kind == "literal_error":
        return f"unknown {field} {given!r}; use one of {ctx.get('expected', '')}"
    if kind in ("missing", "string_too_short"):
        return f"{field} is missing or empty"
    if kind == "string_too_long":
        length = len(str(given).strip())
        return f"{field} is {length} characters; Slack allows {ctx['max_length']} here"
    if kind in ("dict_type", "model_type"):
        return f"{field} must be a mapping" if loc else "must be a mapping"
    if kind == "list_type":
        return f"{field} must be a list"
    if kind == "bool_type":
        return f"{field} must be true or false"
    return f"{field}: {detail['msg']}" if loc else str(detail["msg"])


def _field(loc: list[Any]) -> str:
    """("options", 0, "label") → "option 1 label"; ("scales", "agreement") → "scale 'agreement'"."""
    words: list[str] = []
    for index, part in enumerate(loc):
        if isinstance(part, int):
            continue
        following = loc[index + 1] if index + 1 < len(loc) else None
        if part == "options" and isinstance(following, int):
            words.append(f"option {following + 1}")
        elif part == "scales" and isinstance(following, str):
            words.append(f"scale {following!r}")
            break
        else:
            words.append(str(part))
    return " ".join(words)


@dataclass(frozen=True)
class _Folder:
    path: Path
    custom: bool


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(_PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _read_files(folder: _Folder, problems: list[Problem]) -> list[tuple[str, BankFile]]:
    root = folder.path
    if not root.is_dir():
        problems.append(Problem(_display(root), None, "bank directory not found"))
        return []
    files = sorted(root.glob("*.yaml"))
    if not files:
        problems.append(Problem(_display(root), None, "no *.yaml files in the bank directory"))
    docs: list[tuple[str, BankFile]] = []
    for path in files:
        file = _display(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            detail = getattr(exc, "problem", None) or str(exc)
            problems.append(Problem(file, None, f"YAML syntax error{where}: {detail}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(file, None, f"cannot read file: {exc}"))
            continue
        if not isinstance(data, dict):
            problems.append(
                Problem(file, None, "top level must be a mapping with scales/questions/templates")
            )
            continue
        parts: dict[str, Any] = {}
        for key, value in data.items():  # a bad part is reported and skipped, the rest is read
            try:
                BankFile.model_validate({key: value})
            except ValidationError as error:
                problems += [Problem(file, None, reason) for reason in _reasons(error)]
                continue
            parts[key] = value
        docs.append((file, BankFile.model_validate(parts)))
    return docs


def _collect(path: Path | str, custom: Path | str | None = None) -> tuple[Bank, list[Problem]]:
    problems: list[Problem] = []
    folders = [_Folder(Path(path), False)]
    if custom is not None:
        folders.append(_Folder(Path(custom), True))
    docs = [
        (file, doc, folder.custom)
        for folder in folders
        for file, doc in _read_files(folder, problems)
    ]

    scales: dict[str, tuple[str, ...]] = {}
    scale_file: dict[str, str] = {}
    for file, doc, _custom in docs:
        for name, labels in doc.scales.items():
            if name in scales:
                reason = f"scale {name!r} is defined twice (also in {scale_file[name]})"
                problems.append(Problem(file, None, reason))
                continue
            scales[name], scale_file[name] = tuple(labels), file

    questions: dict[str, Question] = {}
    question_file: dict[str, str] = {}
    templates: dict[str, Template] = {}
    for file, doc, is_custom in docs:
        for entry in doc.questions:
            if not isinstance(entry, dict):
                problems.append(Problem(file, None, "each question must be a mapping"))
                continue
            qid = entry.get("id") if isinstance(entry.get("id"), str) else None
            if qid is not None and qid in question_file:
                other = question_file[qid]
                problems.append(Problem(file, qid, f"duplicate id (also defined in {other})"))
                continue
            if qid is not None:
                question_file[qid] = file
            try:
                spec = QuestionSpec.model_validate(entry, context={"scales": scales})
            except ValidationError as error:
                problems += [Problem(file, qid, reason) for reason in _reasons(error)]
                continue
            questions[spec.id] = spec.question(scales, file, is_custom)
        for entry in doc.templates:
            if not isinstance(entry, dict):
                problems.append(Problem(file, None, "each template must be a mapping"))
                continue
            tid = entry.get("id")
            prefix = f"template {tid!r}" if isinstance(tid, str) and tid else "template"
            try:
                spec_t = TemplateSpec.model_validate(entry)
            except ValidationError as error:
                problems += [
                    Problem(file, None, f"{prefix} {r}" if r == "has no id" else f"{prefix}: {r}")
                    for r in _reasons(error)
                ]
                continue
            if spec_t.id in templates:
                other = templates[spec_t.id].file
                reason = f"{prefix}: duplicate id (also in {other})"
                problems.append(Problem(file, None, reason))
                continue
            templates[spec_t.id] = spec_t.template(file, is_custom)

    used: set[str] = set()
    for template in templates.values():
        for qid in template.question_ids:
            used.add(qid)
            question = questions.get(qid)
            if question is None:
                if qid not in question_file:
                    reason = f"template {template.id!r} lists an unknown question"
                    problems.append(Problem(template.file, qid, reason))
            elif not set(question.sides) & set(template.sides):
                reason = (
                    f"template {template.id!r} is for {', '.join(template.sides)} "
                    f"but the question is only for {', '.join(question.sides)}"
                )
                problems.append(Problem(template.file, qid, reason))
            elif template.asked_of_both_sides and tuple(question.sides) == ("ours",):
                reason = (
                    f"template {template.id!r} runs in the channel shared with the client, "
                    "but the question is for our side only; put it in an our-side template"
                )
                problems.append(Problem(template.file, qid, reason))
    for qid, question in questions.items():
        if qid not in used:
            reason = "question is in no template; add it to a template or delete it"
            problems.append(Problem(question.file, qid, reason))

    linked = {
        qid: replace(q, templates=tuple(t.id for t in templates.values() if qid in t.question_ids))
        for qid, q in questions.items()
    }
    return Bank(linked, templates), problems


def validate_bank(
    path: Path | str = DEFAULT_BANK_PATH, *, custom: Path | str | None = None
) -> list[Problem]:
    """Every problem in the bank at `path` merged with the `custom` folder (what `serve`
    loads with PARTNERCHECK_QUESTIONS_DIR); an empty list means the bank is clean."""
    return _collect(path, custom)[1]


def load_bank(path: Path | str = DEFAULT_BANK_PATH, *, custom: Path | str | None = None) -> Bank:
    """Load the bank at `path`, merged with the `custom` folder's templates and questions;
    raises BankError listing every problem (an id defined twice names both files)."""
    bank, problems = _collect(path, custom)
    if problems:
        raise BankError(problems)
    return bank


def format_question_list(bank: Bank, template_id: str | None = None) -> str:
    """A plain-text table of the bank, one heading per template."""
    template_ids = list(bank.templates) if template_id is None else [template_id]
    lines: list[str] = []
    for tid in template_ids:
        questions = bank.template_questions(tid)  # KeyError for an unknown template
        template = bank.templates[tid]
        if lines:
            lines.append("")
        lines.append(
            f"{template.id} — {template.name} "
            f"({len(questions)} questions; sides: {', '.join(template.sides)})"
        )
        rows = [
            (q.id, f"v{q.version}", DIMENSIONS[q.dimension], q.kind, "+".join(q.sides), q.text)
            for q in questions
        ]
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(5)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True)]
            lines.append("  " + "  ".join(cells) + "  " + row[5])
    return "\n".join(lines)
