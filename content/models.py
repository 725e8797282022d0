"""Schema of the knowledge catalogue: what a content file and a ward file may contain.

Every fact shown to residents carries a source with a confidence mark. Facts that are not
confirmed do not belong here: they live in the ward file (``facts``) and are referenced from
the text with a placeholder such as ``{fact:le_phi_ho_kinh_doanh}`` or
``{contact:mot_cua.phone}``, which renders as "chưa cập nhật" until the ward fills it in.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

EntryId = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=48)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=2000)]

PLACEHOLDER = re.compile(r"\{(fact|contact):([a-z0-9_]+(?:\.[a-z0-9_]+)?)\}")

Intent = Literal[
    "greeting",
    "menu",
    "procedure",
    "howto",
    "hotline",
    "feedback",
    "subscribe",
    "clarify",
    "fallback",
    "learn",
    "handover",
    "redirect",
    "learned",
]


class Strict(BaseModel):
    """Base for catalogue models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """Where a fact comes from. Unconfirmed (⚠️) material is not a valid source."""

    title: NonEmpty
    url: HttpUrl | None = None
    confidence: Literal["official", "secondary"]


class Link(Strict):
    """A link shown under an answer."""

    label: NonEmpty
    url: HttpUrl


class OnlineFiling(Strict):
    """Whether and how the procedure can be filed online."""

    available: bool
    how: NonEmpty
    url: HttpUrl | None = None


class EntryBase(Strict):
    """Fields shared by every answerable entry."""

    id: EntryId
    title: NonEmpty
    aliases: list[NonEmpty] = []
    keywords: list[NonEmpty] = []
    summary: NonEmpty
    related: list[EntryId] = []
    source: list[Source] = Field(min_length=1)
    verified_on: date
    review_by: date | None = None

    @field_validator("aliases", "keywords")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        seen = {v.casefold() for v in values}
        if len(seen) != len(values):
            raise ValueError("contains duplicates")
        return values


class Procedure(EntryBase):
    """An administrative procedure (TTHC) as a resident needs it."""

    kind: Literal["procedure"]
    field: NonEmpty
    handled_by: NonEmpty
    documents: list[NonEmpty] = Field(min_length=1)
    processing_time: NonEmpty
    fee: NonEmpty
    where: NonEmpty
    online: OnlineFiling
    legal_basis: list[NonEmpty] = Field(min_length=1)
    steps: list[NonEmpty] = []
    notes: list[NonEmpty] = []
    tthc_code: str | None = None


class HowTo(EntryBase):
    """Step-by-step guidance (VNeID, the public-service portal, payments, scams...)."""

    kind: Literal["howto"]
    steps: list[NonEmpty] = Field(min_length=1)
    notes: list[NonEmpty] = []
    links: list[Link] = []
    legal_basis: list[NonEmpty] = []


class Contact(Strict):
    """One phone line: a national number with its source, or a ward contact by key."""

    name: NonEmpty
    purpose: NonEmpty
    number: str | None = Field(default=None, pattern=r"^[0-9][0-9 .]{2,15}$")
    ward_contact: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Contact:
        if (self.number is None) == (self.ward_contact is None):
            raise ValueError("give exactly one of 'number' and 'ward_contact'")
        return self


class ContactList(EntryBase):
    """A group of hotlines answered together."""

    kind: Literal["contacts"]
    contacts: list[Contact] = Field(min_length=1)
    compact: bool = False  # one short line per contact (the situation and its number)
    notes: list[NonEmpty] = []


class Redirect(EntryBase):
    """A matter residents bring to the ward that another office handles (passports, vehicle
    registration, tax, power...): where to go instead, and how to do it online."""

    kind: Literal["redirect"]
    handled_by: NonEmpty  # the office that handles it, named as residents will find it
    where: NonEmpty  # how to reach it (a ward contact placeholder where the ward knows it)
    online: OnlineFiling | None = None
    steps: list[NonEmpty] = []
    notes: list[NonEmpty] = []
    links: list[Link] = []
    legal_basis: list[NonEmpty] = []
    tthc_code: str | None = None


class WardAnswer(EntryBase):
    """An answer ward staff wrote for a question residents asked and the catalogue lacked:
    taught from the console (`content export-learned` writes it in this form to ship it)."""

    kind: Literal["answer"]
    body: list[NonEmpty] = Field(min_length=1)


class Topic(EntryBase):
    """A broad subject ("đất đai", "VNeID"): a short overview and a choice of entries."""

    kind: Literal["topic"]
    intent: Literal["procedure", "howto"]
    body: list[NonEmpty] = []
    children: list[EntryId] = Field(min_length=2)


class IntentExamples(Strict):
    """Phrases that signal a conversational intent rather than a content entry."""

    kind: Literal["intent"]
    id: EntryId
    intent: Literal["feedback", "subscribe", "offtopic"]
    title: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    keywords: list[NonEmpty] = []
    answer: EntryId | None = None


class LessonStep(Strict):
    """One screen of a lesson: a few lines (and a picture, if it helps)."""

    text: NonEmpty = Field(max_length=900)
    image: HttpUrl | None = None


class CheckQuestion(Strict):
    """A question at the end of a course, with the explanation shown after the answer."""

    question: NonEmpty
    options: list[NonEmpty] = Field(min_length=2, max_length=4)
    answer: int = Field(ge=1, description="the right option, counted from 1")
    explanation: NonEmpty

    @model_validator(mode="after")
    def _answer_is_an_option(self) -> CheckQuestion:
        if self.answer > len(self.options):
            raise ValueError(f"answer {self.answer} but only {len(self.options)} options")
        return self


class Course(Strict):
    """A short "Bình dân học vụ số" course: small steps, then one to three check questions."""

    id: EntryId
    title: NonEmpty
    summary: NonEmpty
    minutes: int = Field(ge=1, le=30, description="about how long it takes")
    steps: list[LessonStep] = Field(min_length=2, max_length=12)
    checks: list[CheckQuestion] = Field(min_length=1, max_length=3)
    related: list[EntryId] = []  # catalogue entries to read next
    source: list[Source] = Field(min_length=1)
    verified_on: date
    review_by: date | None = None


class CourseFile(Strict):
    """One file of courses (content/courses/*.yaml)."""

    courses: list[Course] = Field(min_length=1)


Entry = Annotated[
    Procedure | HowTo | ContactList | Redirect | Topic | WardAnswer | IntentExamples,
    Field(discriminator="kind"),
]
AnswerEntry = Procedure | HowTo | ContactList | Redirect | Topic | WardAnswer


class ContentFile(Strict):
    """One YAML file of the catalogue."""

    entries: list[Entry] = Field(min_length=1)


# --- the ward's own configuration -------------------------------------------------------


class WardContact(Strict):
    """A contact the ward fills in; ``None`` means not configured yet."""

    label: NonEmpty
    phone: str | None = Field(default=None, pattern=r"^[0-9][0-9 .]{2,15}$")
    address: str | None = None
    hours: str | None = None
    email: str | None = None
    url: HttpUrl | None = None


class FormerName(Strict):
    """An old place name residents still use, and what it belongs to now."""

    name: NonEmpty
    aliases: list[NonEmpty] = []
    now_part_of: NonEmpty
    confirmed: bool = False
    source: str | None = None


class FeedbackCategory(Strict):
    """A kind of phản ánh (Open311 service), and who at the ward answers it."""

    code: EntryId
    title: NonEmpty
    agency: str  # a key of the ward's contacts
    offered: bool = True  # listed in the chat; False for categories filled in by the system
    # Words residents use for such problems ("đèn đường", "ngập"): a problem told in the chat
    # is filed under the category whose words it uses, which the resident confirms.
    keywords: list[NonEmpty] = []


class FeedbackPolicy(Strict):
    """How the ward handles feedback."""

    answer_working_days: int = Field(default=10, ge=1, le=60)
    extra_days_off: list[date] = []  # compensatory days off not in the national calendar
    categories: list[FeedbackCategory] = Field(min_length=1)


class QuestionPolicy(Strict):
    """How the ward answers questions residents hand over to staff in the chat."""

    answer_working_days: int = Field(default=2, ge=1, le=30)


class ReportSigning(Strict):
    """Who the ward's Word report is addressed to and who signs it (Nghị định 30/2020/NĐ-CP:
    "Kính gửi", then the authority, title and name under the text); ``None`` means not set yet:
    the report then signs "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" and says "chưa cập nhật"."""

    addressees: str | None = None  # "Sở Nội vụ tỉnh Quảng Ngãi; Sở Khoa học và Công nghệ ..."
    authority: Literal["TM.", "KT."] | None = None  # TM.: the chairman; KT.: a deputy
    title: str | None = None  # "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    signer: str | None = None  # full name


class WardConfig(Strict):
    """Everything specific to one ward: names, contacts, local facts, old place names."""

    id: EntryId
    name: NonEmpty
    short_name: NonEmpty
    province: NonEmpty
    bot_name: NonEmpty
    website: HttpUrl | None = None
    contacts: dict[str, WardContact]
    facts: dict[str, str | None] = {}
    # Who to ask about a fact not filled in yet (fact -> contact id); Bộ phận Một cửa otherwise.
    # The police's fees and times send residents to Công an phường, not to the UBND desk.
    fact_desks: dict[str, str] = {}
    former_names: list[FormerName] = []
    place_names: list[NonEmpty] = []
    feedback: FeedbackPolicy
    questions: QuestionPolicy = QuestionPolicy()
    report: ReportSigning = ReportSigning()

    @model_validator(mode="after")
    def _fact_desks_exist(self) -> WardConfig:
        for fact, desk in self.fact_desks.items():
            if fact not in self.facts:
                raise ValueError(f"fact_desks: unknown fact {fact!r}")
            if desk not in self.contacts:
                raise ValueError(f"fact_desks: {fact!r} names unknown contact {desk!r}")
        return self

    @model_validator(mode="after")
    def _agencies_exist(self) -> WardConfig:
        for category in self.feedback.categories:
            if category.agency not in self.contacts:
                raise ValueError(
                    f"feedback category {category.code!r}: unknown agency "
                    f"{category.agency!r} (not in contacts)"
                )
        return self

    @field_validator("contacts", "facts")
    @classmethod
    def _keys_are_identifiers(cls, value: dict) -> dict:
        for key in value:
            if not re.fullmatch(r"[a-z0-9_]+", key):
                raise ValueError(f"key {key!r} must be lowercase letters, digits and _")
        return value


# --- the main menu ----------------------------------------------------------------------


class MenuSection(Strict):
    """One main-menu item: a list of entries, or a conversation feature."""

    id: EntryId
    title: NonEmpty
    intro: str | None = None
    entries: list[EntryId] = []
    inline: bool = False  # show the entries' cards at once (hotlines) instead of buttons
    action: Literal["feedback", "subscribe", "learn"] | None = None

    @model_validator(mode="after")
    def _entries_or_action(self) -> MenuSection:
        if bool(self.entries) == bool(self.action):
            raise ValueError("a section has either 'entries' or an 'action'")
        return self


class Menu(Strict):
    """The greeting and the main menu."""

    greeting: NonEmpty
    prompt: NonEmpty
    sections: list[MenuSection] = Field(min_length=1)
