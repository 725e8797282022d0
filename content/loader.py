"""Load the catalogue and a ward file from disk, validate them once, report precise errors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from content.models import (
    PLACEHOLDER,
    AnswerEntry,
    ContactList,
    ContentFile,
    Course,
    CourseFile,
    IntentExamples,
    Menu,
    Topic,
    WardConfig,
)
from content.yaml_text import YAMLError, read_yaml

CONTENT_DIR = Path(__file__).resolve().parent / "data"
WARDS_DIR = Path(__file__).resolve().parent / "wards"
MENU_PATH = Path(__file__).resolve().parent / "menu.yaml"
COURSES_DIR = Path(__file__).resolve().parent / "courses"
DEFAULT_WARD = "dak-bla"
M = TypeVar("M", bound=BaseModel)


class ContentError(Exception):
    """The catalogue or the ward file is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue: answerable entries, intent examples and the ward."""

    entries: dict[str, AnswerEntry]
    intents: dict[str, IntentExamples]
    ward: WardConfig
    menu: Menu
    warnings: list[str] = field(default_factory=list)
    courses: dict[str, Course] = field(default_factory=dict)  # "Học kỹ năng số", in file order

    def get(self, entry_id: str) -> AnswerEntry | None:
        """Return the answerable entry with this id, if any."""
        return self.entries.get(entry_id)

    @cached_property
    def course_of(self) -> dict[str, str]:
        """Entry id -> the "Học kỹ năng số" course about it: the course listing it first
        among its related entries (a topic: the course of its first child that has one)."""
        ranked: dict[str, tuple[int, int, str]] = {}
        for order, course in enumerate(self.courses.values()):
            for position, entry_id in enumerate(course.related):
                rank = (position, order, course.id)
                if entry_id not in ranked or rank < ranked[entry_id]:
                    ranked[entry_id] = rank
        found = {entry_id: rank[2] for entry_id, rank in ranked.items()}
        for entry in self.entries.values():
            if entry.id not in found:
                children = (found.get(child) for child in getattr(entry, "children", ()))
                course = next((c for c in children if c is not None), None)
                if course is not None:
                    found[entry.id] = course
        return found

    @cached_property
    def topics_of(self) -> dict[str, frozenset[str]]:
        """Entry id -> the topics that list it (read once: cards of one family)."""
        found: dict[str, set[str]] = {}
        for entry in self.entries.values():
            for child in getattr(entry, "children", ()):
                found.setdefault(child, set()).add(entry.id)
        return {child: frozenset(topics) for child, topics in found.items()}


def _read_yaml(path: Path) -> object:
    try:
        return read_yaml(path)
    except YAMLError as exc:
        raise ContentError([f"{path}: not valid YAML: {exc}"]) from exc


def _format_validation(path: Path, data: object, exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        entry_id = _entry_id_at(data, loc)
        label = f" (entry {entry_id!r})" if entry_id else ""
        problems.append(f"{path}{label}: {where}: {err['msg']}")
    return problems


def _entry_id_at(data: object, loc: list) -> str | None:
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        entries = data.get("entries") if isinstance(data, dict) else None
        if isinstance(entries, list) and loc[1] < len(entries):
            item = entries[loc[1]]
            if isinstance(item, dict):
                return str(item.get("id"))
    return None


def _validate(model: type[M], path: Path) -> M:
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_format_validation(path, data, exc)) from exc


def ward_path(ward_ref: str, wards_dir: Path = WARDS_DIR) -> Path:
    """The ward file for a ward id (``wards/<id>.yaml``) or for a path to a .yaml file."""
    path = (
        Path(ward_ref) if ward_ref.endswith((".yaml", ".yml")) else wards_dir / f"{ward_ref}.yaml"
    )
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in wards_dir.glob("*.yaml"))) or "none"
        raise ContentError([f"ward {ward_ref!r} not found in {wards_dir} (known: {known})"])
    return path


def load_ward(ward_id: str = DEFAULT_WARD, wards_dir: Path = WARDS_DIR) -> WardConfig:
    """Load and validate one ward file (``wards/<id>.yaml``, or a path to one)."""
    return _validate(WardConfig, ward_path(ward_id, wards_dir))


def load_ward_catalogue(
    ward_ref: str, wards_dir: Path = WARDS_DIR, content_dir: Path = CONTENT_DIR
) -> Catalogue:
    """The catalogue as one ward serves it: its ward file, plus the folder named like that
    file, if there is one: its entries replace shared entries of the same id or add new ones,
    and its menu.yaml, if any, replaces the main menu."""
    path = ward_path(ward_ref, wards_dir)
    folder = path.with_suffix("")
    own = folder if folder.is_dir() else None
    menu = own / MENU_PATH.name if own is not None else MENU_PATH
    return load_catalogue(
        content_dir,
        ward=_validate(WardConfig, path),
        overrides=own,
        menu_path=menu if menu.is_file() else MENU_PATH,
    )


def _content_files(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.rglob("*.yaml") if p.is_file())


@lru_cache(maxsize=256)
def _content_file(path: Path, _modified: int) -> ContentFile:
    # Wards of one deployment share the parsed files (and their entry objects); the
    # modification time keys the cache, so an edited file is read again.
    return _validate(ContentFile, path)


def load_catalogue(
    content_dir: Path = CONTENT_DIR,
    ward: WardConfig | None = None,
    today: date | None = None,
    menu_path: Path = MENU_PATH,
    courses_dir: Path = COURSES_DIR,
    overrides: Path | None = None,
) -> Catalogue:
    """Load every content file, then the ward's own entries in `overrides` (same id: the
    ward's replaces the shared one), and validate the references; raise ContentError."""
    ward = ward or load_ward()
    problems: list[str] = []
    entries: dict[str, AnswerEntry] = {}
    intents: dict[str, IntentExamples] = {}
    origin: dict[str, Path] = {}
    files = _content_files(content_dir)
    if not files:
        raise ContentError([f"{content_dir}: no content files (*.yaml)"])
    own = [p for p in _content_files(overrides) if p.name != MENU_PATH.name] if overrides else []
    for path in [*files, *own]:
        try:
            parsed = _content_file(path, path.stat().st_mtime_ns)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        for entry in parsed.entries:
            first = origin.get(entry.id)
            if first is not None and (path not in own or first in own):
                problems.append(
                    f"{path} (entry {entry.id!r}): duplicate id, first defined in {first}"
                )
                continue
            origin[entry.id] = path
            entries.pop(entry.id, None)
            intents.pop(entry.id, None)
            if isinstance(entry, IntentExamples):
                intents[entry.id] = entry
            else:
                entries[entry.id] = entry
    if problems:  # references into a file that failed to load would only add noise
        raise ContentError(problems)
    problems.extend(_check_references(entries, intents, ward, origin))
    menu: Menu | None = None
    try:
        menu = _validate(Menu, menu_path)
    except ContentError as exc:
        problems.extend(exc.problems)
    if menu is not None:
        problems.extend(
            f"{menu_path} (section {section.id!r}): unknown entry {ref!r}"
            for section in menu.sections
            for ref in section.entries
            if ref not in entries
        )
    courses = _load_courses(courses_dir, entries, ward, problems)
    if problems or menu is None:
        raise ContentError(problems)
    warnings = list(_review_warnings(entries.values(), origin, today or date.today()))
    return Catalogue(
        entries=entries,
        intents=intents,
        ward=ward,
        menu=menu,
        warnings=warnings,
        courses=courses,
    )


def _load_courses(
    courses_dir: Path, entries: dict[str, AnswerEntry], ward: WardConfig, problems: list[str]
) -> dict[str, Course]:
    """The courses, checked like entries: unique ids, known related entries, placeholders."""
    courses: dict[str, Course] = {}
    for path in sorted(courses_dir.glob("*.yaml")) if courses_dir.is_dir() else []:
        try:
            parsed = _validate(CourseFile, path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        for course in parsed.courses:
            where = f"{path} (course {course.id!r})"
            if course.id in courses or course.id in entries:
                problems.append(f"{where}: duplicate id")
                continue
            courses[course.id] = course
            problems.extend(
                f"{where}: related: unknown entry {ref!r}"
                for ref in course.related
                if ref not in entries
            )
            problems.extend(_check_placeholders(where, model_strings(course), ward))
    return courses


def _check_references(
    entries: dict[str, AnswerEntry],
    intents: dict[str, IntentExamples],
    ward: WardConfig,
    origin: dict[str, Path],
) -> Iterator[str]:
    for entry in entries.values():
        where = f"{origin[entry.id]} (entry {entry.id!r})"
        for ref in entry.related:
            if ref not in entries:
                yield f"{where}: related: unknown entry {ref!r}"
            if ref == entry.id:
                yield f"{where}: related: refers to itself"
        if isinstance(entry, Topic):
            for child in entry.children:
                if child not in entries:
                    yield f"{where}: children: unknown entry {child!r}"
        if isinstance(entry, ContactList):
            for contact in entry.contacts:
                if contact.ward_contact and contact.ward_contact not in ward.contacts:
                    yield f"{where}: contacts: unknown ward contact {contact.ward_contact!r}"
        yield from _check_placeholders(where, model_strings(entry), ward)
    for intent in intents.values():
        if intent.answer and intent.answer not in entries:
            where = f"{origin[intent.id]} (entry {intent.id!r})"
            yield f"{where}: answer: unknown entry {intent.answer!r}"


def model_strings(model: BaseModel) -> Iterator[str]:
    """Every string inside a model, recursively (placeholders are checked, and a card's
    missing ward details found, in these)."""
    for value in model.__dict__.values():
        yield from _strings(value)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        yield from model_strings(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _check_placeholders(where: str, texts: Iterable[str], ward: WardConfig) -> Iterator[str]:
    contact_fields = {"phone", "address", "hours", "email", "url", "label"}
    for text in texts:
        for kind, key in PLACEHOLDER.findall(text):
            if kind == "fact" and key not in ward.facts:
                yield f"{where}: placeholder {{fact:{key}}} is not declared in the ward facts"
            if kind == "contact":
                name, _, attr = key.partition(".")
                if name not in ward.contacts or attr not in contact_fields:
                    yield f"{where}: placeholder {{contact:{key}}} names no ward contact field"


def _review_warnings(
    entries: Iterable[AnswerEntry], origin: dict[str, Path], today: date
) -> Iterator[str]:
    for entry in entries:
        if entry.review_by and entry.review_by <= today:
            yield (
                f"{origin[entry.id]} (entry {entry.id!r}): review_by {entry.review_by} has passed;"
                " the rules it cites may have changed"
            )
