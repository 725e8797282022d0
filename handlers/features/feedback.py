"""Phản ánh, kiến nghị in the chat. A problem told in the resident's own words becomes a draft
with a guessed category and the place read from the text, confirmed with one tap; then an
optional photo, a phone number only after an explicit yes (or typed straight away), a final
check, a tracking code and a due date. Without a draft: category, description, then the same.

The flow lives in the conversation state (flow "feedback", data["fb"]), so it survives a
restart and continues in any process. Free text at a choice is used when it fits (a phone
number at the phone question, a place at the photo question); a side question is answered
and the flow resumes with its draft intact; dropping a finished draft asks first.
"""

from __future__ import annotations

import re

from content.normalize import folded_phrase
from content.places import places_in
from handlers import feedback_store
from handlers.acts import ASKS_A_NUMBER, catalogue_is_sure
from handlers.cards import CANCEL_BUTTON, FEEDBACK_GUIDE
from handlers.domain.actions import Action, open_entry
from handlers.domain.types import Button, Reply, Response
from handlers.feature import Feature
from handlers.features.tracking import find_code
from handlers.render import with_buttons
from handlers.turn import Turn

FLOW = "feedback"
KEY = "fb"  # this flow's answers inside the conversation state's data
GUIDE_ID = FEEDBACK_GUIDE  # the catalogue's how-to on other ways to file feedback
MIN_DESCRIPTION = 10
NEW_SUBJECT_WORDS = 6  # "thủ tục khai sinh" at the offer: a new subject, not a detail
MIN_DRAFT_WORDS = 6  # more than "tôi muốn phản ánh": the resident told what happened
PLACE_SLACK = 3  # "ở tổ 3 hẻm 40 Quang Trung nhé": a message that is mostly a place
RELATED_COVERAGE = 0.3  # a card explaining this much of a told problem is offered beside it
RELATED_RANK = 2  # among the two best matches
PHONE = re.compile(r"(?:\+?84|0)(?:3|5|7|8|9)\d{8}")
NO = frozenset(
    {
        "khong",
        "khong a",
        "thoi",
        "khong can",
        "khong co",
        "thoi khoi",
        "khoi",
        "khong de lai",
        "khong muon",
    }
)
# A short reply made only of these words agrees ("đúng rồi gửi đi", "ok gửi luôn nhé"), when it
# has one of the STRONG ones and no word of refusal.
AGREE_WORDS = frozenset(
    [
        "u",
        "uh",
        "um",
        "ok",
        "oke",
        "okie",
        "uk",
        "uki",
        "dong",
        "y",
        "duoc",
        "vang",
        "da",
        "dung",
        "roi",
        "gui",
        "di",
        "luon",
        "nhe",
        "nha",
        "xac",
        "nhan",
        "chac",
        "chan",
        "co",
        "a",
        "ha",
        "the",
        "vay",
        "lam",
        "on",
        "giup",
        "minh",
        "em",
        "toi",
        "chau",
        "con",
        "bac",
        "phan",
        "anh",
        "nay",
        "cai",
        "gio",
    ]
)
STRONG_AGREEMENT = frozenset(
    [
        "u",
        "uh",
        "um",
        "uk",
        "uki",
        "ok",
        "oke",
        "okie",
        "y",
        "co",
        "da",
        "duoc",
        "vang",
        "dung",
        "gui",
        "nhan",
        "chac",
    ]
)
# "tôi không muốn để số điện thoại", "ko để sđt đâu": the report goes without a phone.
NO_PHONE = re.compile(
    r"\b(?:khong|ko|k|hok|hong|hem|chang|khoi)\s+(?:muon\s+|can\s+|thich\s+|co\s+)?"
    r"(?:de\s+|cho\s+|ghi\s+|dua\s+)?"
    r"(?:lai\s+)?(?:so dien thoai|so dt|sdt|so)\b"
)
SEND_NOW = re.compile(r"\bgui\s+(?:luon|di|ngay|lien)\b")
# "à nhầm, kiệt 17 chứ không phải 15": a place that replaces the one given before.
PLACE_CORRECTION = re.compile(r"\b(?:nham|lon|khong phai|sua lai|dinh chinh|ghi lai)\b")
# "... được không", "... chưa", "... hả": a question however it is spelt.
QUESTION_END = re.compile(
    r"\b(?:khong|ko|k|hong|chua|ha|nhi|sao|gi|nao|dau)\s*(?:a|ad|vay|z|nhe|ban)?$"
)
SIDE_ACTS = frozenset(
    {"thanks", "goodbye", "greeting", "menu", "handover", "status", "learn", "deny"}
)
EMERGENCY = (
    "dang chay",
    "chay nha",
    "cap cuu",
    "danh nhau",
    "tai nan",
    "nguy hiem",
    "duoi nuoc",
    "bi thuong",
    "dang bi",
    "cuop",
    "dam nhau",
    "ngat xiu",
)
SKIP = Button("Bỏ qua", Action("fb", "skip").pack())
SEND_THIS = Button("Gửi phản ánh này", Action("fb", "ok").pack())
# A question told like a report ("ở phường có chỗ nào thu gom pin cũ không"): the resident
# hands it to staff as a question instead (the handover feature).
JUST_ASKING = Button("Chỉ là câu hỏi: gửi cán bộ", Action("human").pack())
OTHER_CATEGORY = Button("Chọn nhóm khác", Action("fb", "cats").pack())
SEND = Button("Gửi phản ánh", Action("fb", "send").pack())
DISCARD = Button("Bỏ phản ánh", Action("cancel", "force").pack())
KEEP = Button("Tiếp tục gửi", Action("fb", "keep").pack())
OTHER_WAYS = Button("Cách gửi khác (Cổng DVC, đường dây nóng)", Action("open", GUIDE_ID).pack())
INTRO = (
    "Cảm ơn bạn đã muốn góp ý, phản ánh tới phường. Mình sẽ ghi lại và chuyển tới cán bộ "
    "phụ trách; câu trả lời sẽ được gửi ngay trong cuộc trò chuyện này."
)


def _data(turn: Turn) -> dict:
    return turn.state.data.setdefault(KEY, {})


def _reply(text: str, buttons: list[Button]) -> Response:
    return Response([with_buttons(text, [*buttons, CANCEL_BUTTON])], intent="feedback")


def _offered(turn: Turn) -> list:
    return [c for c in turn.deps.catalogue.ward.feedback.categories if c.offered]


def _categories(turn: Turn) -> list[Button]:
    return [Button(c.title, Action("fb", f"cat:{c.code}").pack()) for c in _offered(turn)]


def guess_category(turn: Turn, text: str) -> str | None:
    """The category whose residents' words the text uses most (longer phrases count more)."""
    padded = f" {folded_phrase(text)} "
    best, best_score = None, 0
    for category in _offered(turn):
        score = sum(
            len(word.split())
            for word in map(folded_phrase, category.keywords)
            if f" {word} " in padded
        )
        if score > best_score:
            best, best_score = category.code, score
    return best


def _category_title(turn: Turn, code: str | None) -> str:
    found = (c.title for c in turn.deps.catalogue.ward.feedback.categories if c.code == code)
    return next(found, "chưa chọn")


async def start(turn: Turn, draft: str | None = None, category: str | None = None) -> Response:
    """Begin the intake. A message telling what happened (or the question just left
    unanswered) becomes the draft, offered for one-tap confirmation."""
    turn.state.flow = FLOW
    turn.state.data[KEY] = {"step": "category"}
    draft = draft if draft and len(draft.split()) >= MIN_DRAFT_WORDS else None
    left = turn.state.data.get("unanswered")
    if draft is None and isinstance(left, str) and len(left.split()) >= MIN_DRAFT_WORDS:
        draft = left  # "Gửi phản ánh" right after a question nobody could answer
    if draft is None:
        if category is not None:
            _data(turn)["category"] = category
            return _next(turn)
        return _reply(
            f"{INTRO}\n\nPhản ánh của bạn thuộc nhóm nào?", [*_categories(turn), OTHER_WAYS]
        )
    data = _data(turn)
    data["draft"] = draft.strip()[:2000]
    data["area"] = places_in(draft)
    data["category"] = category or guess_category(turn, draft)
    data["related"] = _related(turn, draft)
    return _offer(turn)


def _related(turn: Turn, draft: str) -> str | None:
    """A catalogue card close to the problem told ("xây lấn" and the card on reporting
    construction violations), offered beside the report."""
    if draft != turn.text:
        return None
    for match in turn.result.matches[:RELATED_RANK]:
        if turn.deps.catalogue.get(match.doc.id) is None:
            continue  # an intent group ("phản ánh"), not a card
        if match.phrase is not None or match.coverage >= RELATED_COVERAGE:
            return match.doc.id
    return None


def _agrees(turn: Turn, folded: str) -> bool:
    """A short yes, in the resident's words ("ừ gửi đi", "đúng rồi gửi luôn")."""
    words = folded.split()
    if not words or len(words) > 6 or "đừng" in turn.text.lower():
        return False
    return set(words) <= AGREE_WORDS and bool(set(words) & STRONG_AGREEMENT)


def _emergency_line(turn: Turn, text: str) -> str:
    padded = f" {folded_phrase(text)} "
    if not any(f" {word} " in padded for word in EMERGENCY):
        return ""
    return "\nNếu đang có nguy hiểm, bạn gọi ngay 113 (công an), 114 (cứu hỏa), 115 (cấp cứu)."


def _offer(turn: Turn, prefix: str = "") -> Response:
    data = _data(turn)
    data["step"] = "offer"
    lines = [
        f"{prefix}Mình ghi lại phản ánh của bạn gửi tới phường:",
        f"«{data['draft']}»",
        f"• Nhóm: {_category_title(turn, data.get('category'))}",
        f"• Địa điểm: {data.get('area') or 'chưa rõ (mình sẽ hỏi sau)'}",
    ]
    if data.get("phone"):
        lines.append(f"• Số điện thoại: {data['phone']}")
    elif data.get("consent") is False:
        lines.append("• Số điện thoại: không để lại")
    if data.get("category"):
        lines.append("Bạn gửi phản ánh này nhé? Câu trả lời sẽ đến trong cuộc trò chuyện này.")
        buttons = [SEND_THIS, OTHER_CATEGORY]
    else:
        lines.append("Phản ánh này thuộc nhóm nào? Bạn chọn một nhóm để gửi.")
        buttons = _categories(turn)
    related = turn.deps.catalogue.get(data.get("related") or "")
    if related is not None:
        lines.append(f"Thông tin liên quan: {related.title}.")
        buttons.append(Button(related.title, open_entry(related.id)))
    buttons.append(JUST_ASKING)  # a question read as a report goes to staff as a question
    text = "\n".join(lines) + _emergency_line(turn, data["draft"])
    return _reply(text, buttons)


def _next(turn: Turn, prefix: str = "") -> Response:
    """The first question not answered yet, in order."""
    data = _data(turn)
    if not data.get("category"):
        data["step"] = "category"
        return _reply(f"{prefix}Phản ánh của bạn thuộc nhóm nào?", _categories(turn))
    if not data.get("description"):
        data["step"] = "describe"
        return _reply(f"{prefix}Bạn mô tả ngắn gọn sự việc: ở đâu, khi nào, điều gì chưa ổn.", [])
    if "media_url" not in data:
        data["step"] = "photo"
        return _reply(
            f"{prefix}Bạn có ảnh chụp sự việc không? Gửi ảnh ngay bây giờ, hoặc bấm 'Bỏ qua'.",
            [SKIP],
        )
    if "area" not in data or (data["area"] is None and not data.get("place_asked")):
        data["step"], data["place_asked"] = "place", True
        return _reply(
            f"{prefix}Sự việc ở đâu? Gõ tổ dân phố hoặc địa chỉ, hoặc bấm 'Bỏ qua'.", [SKIP]
        )
    if "consent" not in data:
        data["step"] = "consent"
        text = (
            f"{prefix}Bạn có muốn để lại số điện thoại để cán bộ gọi lại khi cần không? Số chỉ "
            "dùng để xử lý phản ánh này; bạn có thể gõ số luôn. Không để lại số thì phường vẫn "
            "trả lời trong cuộc trò chuyện."
        )
        yes = Button("Có, để lại số", Action("fb", "phone-yes").pack())
        return _reply(text, [yes, Button("Không", Action("fb", "phone-no").pack())])
    if data["consent"] and not data.get("phone"):
        data["step"] = "phone"
        no = Button("Không để lại số", Action("fb", "phone-no").pack())
        return _reply(f"{prefix}Bạn gõ số điện thoại của mình (ví dụ 0905 123 456).", [no])
    return _confirm(turn, prefix)


def _confirm(turn: Turn, prefix: str = "") -> Response:
    data = _data(turn)
    data["step"] = "confirm"
    lines = [
        f"{prefix}Bạn kiểm tra lại phản ánh:",
        f"• Nhóm: {_category_title(turn, data.get('category'))}",
        f"• Nội dung: {data.get('description', '')}",
        f"• Ảnh: {'có' if data.get('media_url') else 'không'}",
        f"• Địa điểm: {data.get('area') or 'không ghi'}",
        f"• Số điện thoại: {data.get('phone') or 'không để lại'}",
    ]
    return _reply("\n".join(lines), [SEND])


async def on_button(turn: Turn, arg: str) -> Response:
    """A button of the flow (category, use the draft, skip, phone yes/no, send, keep)."""
    if turn.state.flow != FLOW:
        sent = await feedback_store.just_sent(turn) if arg == "send" else None
        return sent or await start(turn)
    data = _data(turn)
    data.pop("discarding", None)
    step = data.get("step")
    if arg.startswith("cat:"):
        if arg[4:] not in {c.code for c in _offered(turn)}:
            return _repeat(turn)
        data["category"] = arg[4:]
        if step in ("offer", "offer_category") and data.get("draft"):
            data["description"] = data["draft"]
        return _next(turn)
    if arg == "ok" and step == "offer" and data.get("category"):
        return await _take_offer(turn)
    if arg == "cats" and step == "offer":
        data["step"] = "offer_category"
        return _reply("Bạn chọn nhóm cho phản ánh này:", _categories(turn))
    if arg == "skip" and step in ("photo", "place"):
        data.setdefault("media_url", None)
        if step == "place":
            data["area"] = None
        return _next(turn)
    if arg in ("phone-yes", "phone-no") and step in ("consent", "phone"):
        data["consent"] = arg == "phone-yes"
        return _next(turn)
    if arg == "send" and step == "confirm":
        return await _submit(turn)
    return _repeat(turn)


async def _take_offer(turn: Turn) -> Response:
    """The proposed report accepted. When the resident already settled the phone question
    while it was shown, the offer listed everything: it is sent at once."""
    data = _data(turn)
    data["description"] = data["draft"]
    if "consent" in data:
        data.setdefault("media_url", None)
        return await _submit(turn)
    return _next(turn)


def _asks(turn: Turn) -> bool:
    """True when the message is worded as a question ("?", "bao lâu", "... không")."""
    padded = f" {turn.folded} "
    return (
        "?" in turn.text
        or QUESTION_END.search(turn.folded) is not None
        or ASKS_A_NUMBER.search(turn.folded) is not None  # "gọi ai cho tôi liền"
        or any(f" {phrase} " in padded for phrase in turn.deps.lexicon.question_phrases)
    )


def _side(turn: Turn, step: str | None) -> bool:
    """True when the message is not an answer to the flow's question: small talk, a request
    of another kind, or a question the catalogue answers with confidence (any question worded
    as one, while the report is only our proposal: "tôi gửi qua Zalo hôm tháng trước" adds to
    the draft instead)."""
    reading = turn.reading
    if reading is None:
        return False
    if reading.act == "question" and step == "offer":
        # a statement telling more ("mã hồ sơ trên giấy hẹn là …, nộp ở bộ phận một cửa")
        # goes on with the report; a card named in a few words is a new subject
        short = len(turn.text.split()) <= NEW_SUBJECT_WORDS
        office = "office" in turn.deps.lexicon.aspects_in(turn.folded)  # "làm việc tới mấy giờ"
        asks = _asks(turn) or reading.correction or office
        return asks or (short and catalogue_is_sure(turn))
    return reading.act in SIDE_ACTS or (reading.act == "question" and catalogue_is_sure(turn))


def _when_handled(turn: Turn) -> str | None:
    """The answer to "bao lâu thì có người xuống sửa" asked of the report being filed: the
    ward's answer time, the report kept. Asked as a status check ("phản ánh của tôi sao rồi",
    "tui gửi rồi đó, chừng nào có người sửa"), the resident believes it went: say first that
    it has not been sent yet."""
    status = turn.reading is not None and turn.reading.act == "status"
    if status and find_code(turn.text) is not None:
        return None  # an earlier report asked by its code: looked up, then this flow resumes
    asks_time = "time" in turn.deps.lexicon.aspects_in(turn.folded)
    if not status and (not asks_time or catalogue_is_sure(turn)):
        return None
    days, due = feedback_store.due_if_filed_now(turn)
    unsent = "Phản ánh này chưa được gửi tới phường. " if status else ""
    return (
        f"{unsent}Phường trả lời phản ánh trong {days} ngày làm việc: gửi hôm "
        f"nay thì chậm nhất ngày {due}; việc sửa chữa, khắc phục cán bộ sẽ báo trong câu "
        "trả lời.\n\n"
    )


async def on_message(turn: Turn) -> Response | None:
    """A typed message (or a photo) while the flow waits; None hands it back (answered
    elsewhere, then this flow's question is asked again)."""
    data, text = _data(turn), turn.text.strip()
    folded = folded_phrase(text)
    step = data.get("step")
    phone = PHONE.search(re.sub(r"[\s.\-]", "", text))
    if step == "photo" and turn.msg.attachment and turn.msg.attachment.kind == "image":
        attachment = turn.msg.attachment
        if attachment.data is not None:  # uploaded from the website: kept with the draft
            data["media_url"] = await feedback_store.keep_photo(turn, attachment)
        else:
            data["media_url"] = attachment.url or f"{turn.msg.channel}:file:{attachment.file_id}"
        return _next(turn, "Đã nhận ảnh. ")
    shared = turn.msg.attachment
    if step == "place" and shared and shared.kind == "location" and shared.url:
        data["area"] = f"Vị trí trên bản đồ: {shared.url}"[:200]  # a place shared from the app
        return _next(turn, "Đã nhận vị trí. ")
    offered = step in ("offer", "offer_category") and bool(data.get("draft"))
    if phone and (offered or step in ("consent", "phone", "photo", "place", "confirm")):
        data.update(consent=True, phone=phone.group(0))
        if offered:  # the resident goes on with the report we proposed
            data["description"] = data["draft"]
        data.setdefault("media_url", None)
        data.setdefault("area", None)
        return _next(turn, "Đã ghi số điện thoại. ")
    if step == "confirm" and _agrees(turn, folded):
        return await _submit(turn)
    no_phone = NO_PHONE.search(folded) is not None and not phone
    if no_phone and (offered or step in ("consent", "phone")):
        data.update(consent=False, phone=None)
        if offered and SEND_NOW.search(folded) and data.get("category"):
            return await _take_offer(turn)  # "không có sđt đâu, gửi luôn được không"
        if offered:
            return _offer(turn, "Được ạ, không cần để lại số điện thoại. ")
        return _next(turn)
    if step in ("photo", "place") and _agrees(turn, folded):  # "ok", "xác nhận": nothing more
        data.setdefault("media_url", None)
        if step == "place":
            data["area"] = data.get("area")
        return _next(turn)
    if step == "consent" and (_agrees(turn, folded) or folded in NO):
        data["consent"] = folded not in NO
        return _next(turn)
    if step == "phone" and folded in NO:
        data["consent"] = False
        return _next(turn)
    if step == "offer" and _agrees(turn, folded) and data.get("category"):
        return await _take_offer(turn)
    if not text:
        return None
    when = _when_handled(turn) if step != "describe" else None
    if when is not None:
        return _repeat(turn, when)
    told = turn.reading is not None and turn.reading.act == "problem"
    fits = bool(places_in(text)) or (told and step in ("describe", "offer", "category"))
    if not fits and _side(turn, step):
        if step == "offer" and not data.get("added"):
            # the resident moved on from a report only we proposed (nothing added): drop it
            turn.state.flow = None
            turn.state.data.pop(KEY, None)
        return None
    return _typed_answer(turn, step, text)


def _typed_answer(turn: Turn, step: str | None, text: str) -> Response:
    """Free text at a step: used when it fits the question asked."""
    data = _data(turn)
    place = places_in(text)
    if step in ("offer", "offer_category"):  # the place, or more details for the draft
        data["added"] = True  # the resident took the report up: a side question keeps it
        if place and PLACE_CORRECTION.search(folded_phrase(text)):
            data["area"] = place  # "à nhầm, kiệt 17 chứ không phải 15"
        elif place and len(text.split()) <= len(place.split()) + PLACE_SLACK:
            data["area"] = text[:200]
        else:
            data["draft"] = f"{data['draft']} {text}"[:2000]
            data["area"] = data.get("area") or place
        data["category"] = data.get("category") or guess_category(turn, text)
        return _offer(turn)
    if step == "category":
        if len(text.split()) >= MIN_DRAFT_WORDS:
            data.update(draft=text[:2000], area=place, category=guess_category(turn, text))
            return _offer(turn)
        guessed = guess_category(turn, text)
        if guessed:
            data["category"] = guessed
            return _next(turn)
    if step == "describe" and len(text) >= MIN_DESCRIPTION:
        data["description"] = text[:2000]
        if place:
            data["area"] = place
        return _next(turn)
    if step == "photo" and place:
        data.update(media_url=None, area=text[:200])
        return _next(turn)
    if step == "place":
        data["area"] = text[:200]
        return _next(turn)
    if place and step in ("consent", "phone", "confirm"):  # the place, told late: kept
        data["area"] = text[:200]
        return _next(turn, "Đã ghi địa điểm. ")
    if step == "phone":
        no = Button("Không để lại số", Action("fb", "phone-no").pack())
        return _reply("Số điện thoại chưa đúng. Bạn gõ lại, ví dụ 0905 123 456.", [no])
    return _repeat(turn)


def _repeat(turn: Turn, prefix: str = "") -> Response:
    """The question of the current step, asked again (after `prefix`)."""
    data = _data(turn)
    step = data.get("step")
    if step == "offer":
        return _offer(turn, prefix)
    if step == "offer_category":
        return _reply(f"{prefix}Bạn chọn nhóm cho phản ánh này:", _categories(turn))
    if step == "describe" and turn.text.strip():
        return _reply(f"{prefix}Bạn mô tả rõ hơn một chút giúp mình (ít nhất vài từ) nhé.", [])
    if step == "category":
        return _reply(
            f"{prefix}Bạn chọn giúp mình nhóm phản ánh ở các nút bên dưới nhé.",
            [*_categories(turn), OTHER_WAYS],
        )
    return _next(turn, prefix)


async def on_cancel(turn: Turn) -> Response | None:
    """Dropping a draft the resident already wrote asks first; an empty start just ends."""
    data = _data(turn)
    if not (data.get("description") or data.get("draft")) or data.get("discarding"):
        return None
    data["discarding"] = True
    text = "Bạn muốn bỏ phản ánh này? Nội dung bạn đã viết sẽ không được gửi tới phường."
    return Response([with_buttons(text, [DISCARD, KEEP])], intent="feedback")


async def _submit(turn: Turn) -> Response:
    busy = await feedback_store.feedback_busy(turn)
    if busy is not None:
        return busy  # the draft stays: "Gửi phản ánh" later sends it
    data = _data(turn)
    feedback = await feedback_store.record(
        turn,
        data.get("category"),
        data.get("description", ""),
        media_url=data.get("media_url"),
        area=data.get("area"),
        phone=data.get("phone") if data.get("consent") else None,
        phone_consent=bool(data.get("consent") and data.get("phone")),
    )
    turn.state.flow = None
    turn.state.data.pop(KEY, None)
    return feedback_store.received(turn, feedback, "Đã nhận phản ánh của bạn.")


async def report(turn: Turn) -> Response:
    """A problem told in the chat ("đèn đường tổ 7 tắt cả tuần"): offered as a phản ánh."""
    return await start(turn, draft=turn.text)


async def _start(turn: Turn, _arg: str = "") -> Response:
    return await start(turn)


def _resume(turn: Turn) -> Reply:
    reply = _repeat(turn).replies[-1]
    return Reply(f"(Bạn đang gửi phản ánh dở.) {reply.text}", reply.buttons, reply.image_url)


FEATURE = Feature(
    "feedback",
    verbs={"fb": on_button},
    commands={"/phan_anh": _start, "/phananh": _start},
    acts={"problem": report},
    flows=frozenset({FLOW}),
    on_message=on_message,
    resume=_resume,
    on_cancel=on_cancel,
    section="feedback",
    start=start,
)
