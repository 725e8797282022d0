"""Dialogue acts: what a message does before what it is about.

A message is read once per turn: a choice among the buttons just shown (a digit, "số 2",
"hai", "cái đầu", or a button's own words), a request to cancel or see the menu, small talk,
or something to understand: a question, a problem report, a status check, a request for a
person, or chatter outside the ward's work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from content.acts import ActGuess
from content.clauses import readings
from content.normalize import folded_phrase
from handlers.focus import OFFICE, explains_message
from handlers.lead import asked_of
from handlers.turn import Turn

Act = Literal[
    "empty",
    "choice",
    "cancel",
    "menu",
    "greeting",
    "thanks",
    "goodbye",
    "deny",
    "handover",
    "status",
    "problem",
    "question",
]

NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "dau": 1,
    "dau tien": 1,
    "nhat": 1,
}
_CHOICE = re.compile(
    r"(?:(?:toi|em|minh|chau|bac|anh|chi|cho)\s+)*"
    r"(?:(?:chon|lay|bam|so|muc|cai|lua chon|phuong an|y|thu)\s+)*"
    r"(?P<n>\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
    r"(?:\s+(?:a|nhe|nha|di|ah|ak|ha|vay|roi|do|nay|luon))*"
)
LAST_WORDS = {"cuoi", "cai cuoi", "cuoi cung", "cai cuoi cung", "muc cuoi"}
# "Không phải": the answer or the choice just shown missed what the resident meant.
DENIALS = frozenset(
    {
        "khong phai",
        "khong phai a",
        "khong phai roi",
        "khong dung",
        "sai roi",
        "sai",
        "nham roi",
        "khong phai cai nay",
        "khong phai cai do",
        "khong phai y toi",
        "khong phai y em",
        "cai khac",
        "khong co cai nao",
        "khong phai cac muc tren",
        "khong cai nao dung",
    }
)


SURE_ACT = 0.5  # the classifier's probability for an act other than a question
OVERRIDE_ACT = 0.8  # ...and when the catalogue also has a confident answer
SURE_SMALLTALK = 0.6
LEARNED = {"problem", "status", "handover", "learn"}
# A yes/no question about a rule ("có phải báo phường không", "có cần xin phép không", "phải
# đổi thẻ không"): whatever the story around it, the resident asks what they must do.
OBLIGATION = re.compile(
    r"\b(?:co phai|co can|co bat buoc|bat buoc|co duoc phep|can phai|phai)\b"
    r"(?:\s+\w+){1,6}\s+(?:khong|khong a|chua)\s*$"
)
# Asking whether there is help ("bão tốc mái, phường có hỗ trợ tiền sửa nhà không", "nhà nước
# có trợ cấp gì không"): a question about a benefit, however bad the story before it.
ASKS_FOR_HELP = re.compile(
    r"\b(?:co|duoc|co duoc)\s+(?:ho tro|tro cap|boi thuong|den bu|cho tien|cap tien|chi tra"
    r"|tien ho tro|nhan ho tro)\b(?:\s+\w+){0,6}\s+(?:khong|chua)\b"
    # "nghe nói nhà nước có hỗ trợ tiền sửa nhà, đăng ký ở đâu": how to apply for it
    r"|\b(?:ho tro|tro cap|boi thuong|den bu)\b.{0,50}\b(?:dang ky|xin|nop|lam|nhan)\s+"
    r"(?:o dau|the nao|sao|nhu the nao|cho nao)\b"
)
# A status check names what was sent: a report, a dossier, a request, or its code. Without one,
# "tin nhắn báo duyệt rồi mà chưa vô được" is a question about the app, not a report's status.
SENT_THING = re.compile(
    r"\b(?:phan anh|kien nghi|gop y|khieu nai|to cao|ho so|don|yeu cau|cau hoi|ma tra cuu"
    r"|ma ho so|ma so|pa|bao cao)\b|\d{4}"
)
# A trouble with one's own papers or registrations ("sổ đỏ nhà tôi bị cháy", "tạm trú của
# mấy đứa thuê trọ vẫn còn", "bị đưa ra khỏi danh sách hộ cận nghèo") asks for a procedure:
# it is not a problem in the street for the ward to fix.
OWN_PAPERS = re.compile(
    r"\b(?:so do|so hong|giay chung nhan|giay to|can cuoc|cccd|ho khau|tam tru|thuong tru"
    r"|bang lai|giay phep lai xe|ho chieu|giay khai sinh|giay chung tu|giay ket hon|the bhyt"
    r"|ho ngheo|ho can ngheo|danh sach ngheo|tro cap|luong huu|dung ten"
    # one's own plot ("lô đất 400 mét muốn cắt ra cho 2 đứa con") and one's business papers
    r"|lo dat|manh dat|thua dat|mieng dat|giay phep kinh doanh|giay dang ky kinh doanh"
    # a name to take off a register ("bỏ tên nó ra khỏi chỗ tôi")
    r"|bo ten|xoa ten|gach ten|cat ten|rut ten"
    # one's own bill or meter ("hóa đơn nước tháng này cao gấp 3"): the company that bills
    r"|hoa don|tien nuoc|tien dien|dong ho nuoc|dong ho dien|cong to|chi so nuoc|chi so dien)\b"
)
# A dossier past its promised date is a complaint, whatever procedure it names ("hồ sơ tách thửa
# nộp từ tháng trước, hẹn 15 ngày mà giờ vẫn chưa có").
LATE_DOSSIER = re.compile(
    r"\b(?:tre hen|qua hen|cham tra|chua tra ket qua|chua co ket qua|chua nhan duoc ket qua"
    r"|cho hoai|cho mai ma|cu bao cho|bat cho hoai|hoi thi (?:bao|noi|bat) cho)\b"
    # weeks or months without a result ("nộp hồ sơ gần 1 tháng chưa có"): days are the norm
    r"|\b(?:nop|gui)\s+(?:ho so|don)\b.{0,60}\b(?:\d+|mot|hai|ba|may|nua)\s+(?:thang|tuan)\s+"
    r"(?:roi\s+)?(?:ma\s+)?(?:van\s+)?chua\b"
    r"|\bhen\b.{0,40}\b(?:ma|nhung)\s+(?:gio\s+)?(?:\w+\s+){0,4}?chua\b"
)
# How something sent stands: "chưa", "sao rồi", "tới đâu rồi", "tới mô rồi", "răng rồi".
HOW_IT_STANDS = r".*\b(?:chua|sao roi|toi dau|toi mo|den dau|den mo|the nao roi|ra sao|rang roi)\b"
# "Hôm trước tôi có báo vụ cống nghẹt, có ai xuống coi chưa": a report made before, asked about.
REPORTED_BEFORE = re.compile(
    r"\b(?:da|co|hom truoc|hom bua|hom qua|hom kia|tuan truoc|tuan roi|lan truoc|thang truoc"
    r"|bua truoc|(?:hom\s+)?thu (?:hai|ba|tu|nam|sau|bay)|chu nhat)\s+(?:\w+\s+){0,3}"
    r"(?:bao|phan anh|gui phan anh|gui kien nghi|khieu nai|nho phuong xem|nho phuong)"
    r"\s+(?:\w+\s+)?(?:vu|viec|ve|chuyen|cai)\b"
    + HOW_IT_STANDS
    # "... bác muốn hỏi thử đã có ai xuống chưa": someone sent for, asked about
    + r"|\b(?:da\s+)?co\s+(?:ai|nguoi|can bo)\s+(?:\w+\s+){0,2}?(?:xuong|den|toi)\b"
    r"(?:\s+\w+){0,3}\s+chua\s*(?:a|vay|z|nhi)?$"
    # "cái vụ tui báo rác hôm thứ hai, phường xử lý tới đâu rồi": one's report, followed up
    r"|\b(?:vu|viec|chuyen|cai)\s+(?:toi|tui|em|minh|chau|bac)\s+(?:da\s+)?"
    r"(?:bao|phan anh|gui|khieu nai)\b.*\b(?:xu ly|giai quyet|lam)\s+(?:toi|den)\s+(?:dau|mo)\b"
    # "cái vụ cống nghẹt e báo tuần trước sao rồi": reported when, then how it stands
    r"|\b(?:toi|tui|em|e|minh|chau|bac)\s+(?:da\s+)?(?:bao|phan anh|nhan|gui)\s+(?:\w+\s+){0,2}?"
    r"(?:hom|bua|tuan|thang|lan)\s+(?:truoc|roi|qua|kia)\b" + HOW_IT_STANDS
)
# Asking permission or how to file a request ("dựng rạp trong hẻm thì xin phép ai", "muốn xin
# chặt cây thì làm đơn gửi đâu") asks for a procedure, however the matter sounds like a problem.
ASKS_PERMISSION = re.compile(
    r"\bxin\s+(?:phep|giay phep|cap phep|chat|dao|sua|dung|xay)\b"
    r"|\blam don\b(?:\s+\w+){0,4}?\s+(?:gui|nop)\s+(?:o\s+)?(?:dau|ai|cho ai)\b"
)
# A quarrel with a neighbour over one's own land (a fence half a metre over the line, a
# boundary, a path) is settled by the ward's mediation, not filed as a street problem.
LAND_DISPUTE = re.compile(
    r"\btranh chap\b|\bhoa giai\b"
    # "nhà bên cạnh nói cái ranh đất phía sau là của họ, cãi nhau hoài": a claimed boundary
    r"|\b(?:ranh|ranh dat|ranh gioi|moc gioi|bo rao)\b.{0,40}\b(?:la cua|cua ho|gianh|doi lai"
    r"|cai nhau|lan)\b"
    r"|\b(?:lan|xam lan|lan chiem|rao|tuong|coc|cot|moc|ranh)"
    r"(?:\s+\w+){0,2}?\s+(?:(?:qua|sang|vao)\s+)?(?:phan\s+)?"
    r"(?:dat|ray|vuon|ruong|ranh(?:\s+gioi)?(?:\s+dat)?|moc gioi)(?:\s+\w+){0,2}?\s+"
    r"(?:nha\s+|cua\s+)?(?:toi|em|minh|chau|bac|tui|ong|ba)\b"
)
# A wish to do something with one's own affairs ("tôi muốn cắt một phần đất cho con", "em
# định mở tiệm"): a request for the procedure, not a report (reporting verbs excepted).
WISH = re.compile(
    r"\b(?:toi|em|minh|tui|chau|bac|nha toi|vo chong toi|gia dinh toi)\s+(?:muon|dinh|tinh)\s+"
    r"(?!(?:phan anh|bao|gui|khieu nai|to cao|kien nghi|gop y|nho|hoi|goi|gap|noi)\b)\w+"
)
# A request for a lesson names one ("có bài học nào dạy kích hoạt VNeID không").
LESSON = re.compile(
    r"\b(?:bai hoc|khoa hoc|bai giang|lop hoc|binh dan hoc vu|hoc vu so|muon hoc|hoc cach"
    r"|bai nao huong dan|co bai nao)\b(?!\s+(?:\w+\s+)?nghe\b)"  # not a trade ("lớp học nghề")
)
# Asking which number to call ("gọi số mấy", "số nào để hỏi") is a question for the hotlines,
# however alarming the story around it ("nhà bên cạnh bốc khói, gọi số mấy").
ASKS_A_NUMBER = re.compile(
    r"\bgoi\s+so\s+(?:may|nao|mo)\b|\bgoi\s+(?:cho\s+)?(?:ai|dau)\b"
    r"|\b(?:lien he|lien lac)\s+(?:so\s+)?(?:may|nao|dau|ai)\b"
    r"|\bso\s+(?:dien thoai\s+)?(?:may|nao|bao nhieu)\s*(?:vay|a|z|ha|nhi|the|ad|ban)?\s*$"
    r"|\bso dien thoai\s+(?:nao|gi|bao nhieu|la gi)\b|\b(?:tong dai|hotline|duong day nong)\b"
)
# A request to be put through to a person, whatever the matter around it ("... chuyển giúp
# tôi cho cán bộ địa chính", "có ai trực page không", "cho gặp người thật"): the resident
# asked for staff, so the matter goes to them with the message. Asking about staff ("khi đi
# gặp cán bộ chính sách cần mang gì", "thứ 7 có cán bộ trực một cửa không") is not one.
_STAFF = r"(?:can bo|nguoi that|nguoi truc|nhan vien|admin|tong dai vien|tu van vien|lanh dao)"
_WHOM = r"(?:(?:mot|cac|co chu|co cau|co|chu|anh chi|anh|chi|bac)\s+)?"
_ASKING = r"\b(?:cho|muon|mun|can|xin|nho|lam on|de nghi)\s+(?:\w+\s+){0,3}?"
_PERSON_REQUESTS = (
    # put through: "chuyển giúp tôi cho cán bộ địa chính", "kết nối với tổng đài viên"
    r"\b(?:chuyen|ket noi)\b(?:\s+\w+){0,6}?\s+(?:cho|toi|den|sang|len|voi)\s+"
    + _WHOM
    + f"(?:{_STAFF}|nguoi (?:phu trach|tra loi)|bo phan)\\b",
    r"\bgui\s+(?:cau hoi|tin nhan|cau nay)\b(?:\s+\w+){0,3}?\s+(?:cho|toi|den|len)\s+"
    + _WHOM
    + _STAFF,
    # meet, talk to, ask directly: "cho gặp người thật", "bác muốn hỏi thẳng cán bộ"
    _ASKING + r"(?:gap|noi chuyen voi|chat voi)\s+" + _WHOM + f"(?:{_STAFF}|nguoi)\\b",
    _ASKING + r"(?:hoi thang|hoi truc tiep|hoi|keu|goi)\s+" + _WHOM + _STAFF,
    r"\b(?:muon|can)\s+(?:mot\s+)?(?:can bo|nguoi)\s+(?:\w+\s+){0,2}?"
    r"(?:xem|tra loi|giai thich|tu van)\b",
    # someone there: "có ai trực page không", "có cán bộ nào đang trực thì trả lời tôi"
    r"\bco\s+(?:ai|nguoi|nguoi that|(?:anh chi|can bo|nhan vien|co chu|co cau)\s+nao)"
    r"(?:\s+\w+){0,6}?\s+(?:online|doc tin nhan|dang truc|truc page|truc tuyen|tra loi"
    r"|noi chuyen)\b",
    r"\bco\s+nguoi(?:\s+that)?\s+(?:khong|ko)\b",
    # a person to answer: "cán bộ ơi trả lời em với", "nhờ cán bộ xem giúp"
    r"\b(?:can bo|nguoi|nhan vien|ai do|co chu|anh chi|ad)\s+(?:oi\s+)?(?:\w+\s+){0,2}?"
    r"(?:tra loi|phan hoi|xem)\s+(?:giup|gium|truc tiep|(?:em|toi|chau|bac|minh)\s+"
    r"(?:voi|di|nhe|nha))\b",
    r"\bnguoi (?:that|thiet)\b(?!\s+viec that)",  # "thiệt": thật in the Centre
    r"\bcan nguoi\s+(?:that|tu van|giai thich|tra loi|ho tro)\b|\bkhong can bot\b",
    r"^(?:cho\s+)?hoi\s+can bo(?:\s+(?:phuong|a|voi|nhe|nha))*$",
)
PERSON_REQUEST = re.compile("|".join(f"(?:{p})" for p in _PERSON_REQUESTS))
# "Cán bộ trả lời câu hỏi của tôi chưa", "bao lâu mới có trả lời": about an answer awaited.
AWAITS_ANSWER = re.compile(
    r"\b(?:tra loi|phan hoi)\b(?:\s+\w+){0,6}\s+chua\b|\bbao lau\b(?:\s+\w+){0,3}\s+"
    r"(?:tra loi|phan hoi)\b"
)
# "Tui gửi rồi đó, chừng nào mới có người xuống sửa?": when someone comes to deal with what
# was reported; it names the report as surely as its code does.
AWAITS_REPAIR = re.compile(
    r"\b(?:bao lau|khi nao|chung nao|chung mo|bao gio|may ngay|may bua|luc nao)\b"
    r"(?:\s+\w+){0,4}?\s+(?:co nguoi|co ai|can bo|phuong|ben phuong|nguoi|ai)\s+(?:\w+\s+)?"
    r"(?:xuong|den|toi|ra|vo|lai)\s+(?:sua|xu ly|coi|xem|kiem tra|giai quyet|don|lam|thong)\b"
)
# Who a greeting is addressed to: "Dạ con chào cô chú cán bộ phường ạ" only greets.
ADDRESSEES = frozenset(
    {"co", "chu", "can", "bo", "phuong", "anh", "chi", "ad", "admin", "ban", "em", "chau"}
    | {"bac", "ong", "ba", "moi", "nguoi", "ca", "nha", "con"}
)
# A question however it is spelt: "... được không", "... chưa", "sao", "ở đâu".
ASKS_SOMETHING = re.compile(r"\b(?:khong|ko|k|hong|chua|sao|gi|nao|dau|mo|ha|hok|hk)\b")
# Closing particles of the Centre and the South ("cảm ơn con nghe", "cám ơn nghen"): after
# thanks or a goodbye they ask nothing ("nghe" is "hear" elsewhere, so only there).
PARTICLES = frozenset({"nghe", "nghen", "hen", "hi", "ne", "nhen"})


@dataclass(frozen=True)
class Reading:
    """The act of one message, the option chosen for a choice (counted from 1), and the
    classifier's guess, when it was asked."""

    act: Act
    choice: int | None = None
    guess: ActGuess | None = None
    chatter: bool = False  # a question unrelated to the ward's work
    correction: bool = False  # "không phải, ...": the last answer missed, this says what


def catalogue_is_sure(turn: Turn) -> bool:
    """True when the catalogue has a confident answer of its own (not a conversational
    intent such as "phản ánh")."""
    best = turn.result.best
    if best is None or best.doc.kind in ("feedback", "offtopic"):
        return False
    return best.confident


def _only(phrases: frozenset[str], folded: str, fillers: frozenset[str]) -> bool:
    """True when the message is one of the phrases, give or take filler words around it."""
    if folded in phrases:
        return True
    padded = f" {folded} "
    for phrase in phrases:
        if f" {phrase} " in padded:
            rest = padded.replace(f" {phrase} ", " ").split()
            if all(word in fillers or word in phrase.split() for word in rest):
                return True
    return False


CORRECTION = re.compile(
    r"^(?:khong\s+(?:cai|y|toi hoi|em hoi)\b|(?:khong phai|sai roi|nham roi)\s+(?:\w+\s+){2})"
)


def _corrects(folded: str) -> bool:
    """True for a denial followed by what was meant ("không, cái chấm dứt", "ko phải, ý
    tôi là tạm trú")."""
    return CORRECTION.match(folded) is not None


def chosen_number(folded: str, options: int, words: bool) -> int | None:
    """The option a typed choice names: "2", "số 2", "chọn số hai", "cái cuối"; number
    words only count while choices are shown (`words`), since "ba" is also a father."""
    if options and folded in LAST_WORDS:
        return options
    match = _CHOICE.fullmatch(folded)
    if match is None:
        return None
    n = match.group("n")
    if n.isdigit():
        return int(n)
    return NUMBER_WORDS[n] if words and options else None


def _by_label(turn: Turn) -> int | None:
    """A button's own words typed instead of pressing it ("bỏ qua", "gửi phản ánh")."""
    labels = turn.state.data.get("labels") or []
    phrase = folded_phrase(turn.text)
    if phrase and phrase in labels:
        return labels.index(phrase) + 1
    return None


def greets(turn: Turn) -> bool:
    """True when the message contains a greeting ("Xin chào phường ạ, ...")."""
    padded = f" {turn.folded} "
    return any(f" {phrase} " in padded for phrase in turn.deps.lexicon.greetings)


def _thanks_then_leaves(turn: Turn, closing: frozenset[str]) -> bool:
    """ "Cảm ơn cán bộ nhiều nghe, tui đi nấu cơm cho tụi nhỏ đây": thanks first, then words
    that ask nothing (no facet, no question word, nothing the catalogue is sure of)."""
    first, _, said = turn.text.partition(",")
    rest = folded_phrase(said)
    if not rest or not _only(turn.deps.lexicon.thanks, folded_phrase(first), closing):
        return False
    asks = "?" in said or ASKS_SOMETHING.search(rest) is not None
    asks = asks or asked_of(rest, turn.deps.lexicon).anything
    return not asks and not catalogue_is_sure(turn)


def read(turn: Turn) -> Reading:
    """The act of this turn's message (buttons and slash commands are read before this)."""
    lexicon = turn.deps.lexicon
    folded, fillers = turn.folded, lexicon.stopwords
    if not folded:
        return Reading("empty")
    if folded in lexicon.cancel:
        return Reading("cancel")
    options = len(turn.state.options)
    number = chosen_number(folded, options, words=True)
    if number is None and options:
        number = _by_label(turn)
    if number is not None:
        return Reading("choice", number)
    if _only(DENIALS, folded, fillers):
        return Reading("deny")
    if _corrects(folded):  # "không, cái chấm dứt ạ": a correction names what was meant
        guess = turn.deps.acts.guess(turn.text)
        if guess.act == "problem" and guess.probability >= OVERRIDE_ACT:
            # "không phải mất nước, tôi nói nước dơ chảy ra đường": the meaning is a report
            return Reading("problem", guess=guess)
        return Reading("question", guess=guess, correction=True)
    # Addressees and closing particles count as filler only where nothing is asked ("cảm ơn,
    # còn làm thẻ cho con thì sao" asks about a child, "con" being no addressee there).
    closing = fillers | ADDRESSEES | PARTICLES
    plain = ASKS_SOMETHING.search(folded) is None
    if (
        _only(lexicon.thanks, folded, fillers)
        or (plain and _only(lexicon.thanks, folded, closing))
        or _thanks_then_leaves(turn, closing)
    ):
        return Reading("thanks")
    if _only(lexicon.goodbye, folded, fillers) or (
        plain and _only(lexicon.goodbye, folded, closing)
    ):
        return Reading("goodbye")
    if _only(lexicon.menu, folded, fillers):
        return Reading("menu")
    nothing_asked = (
        lexicon.is_filler(folded.split())
        and not turn.query.features
        and not lexicon.aspects_in(folded)  # "ở đâu?" asks where the focused thing is done
    )
    if _only(lexicon.greetings, folded, fillers | ADDRESSEES) or nothing_asked:
        return Reading("greeting")
    return _learned(turn)


def _learned(turn: Turn) -> Reading:
    """The classifier's act, weighed against what the catalogue found."""
    # A long message is read without its greeting and self-introduction ("Dạ em chào
    # phường, em ở tổ 3."): they do not say what the message does.
    guess = turn.deps.acts.guess(readings(turn.text)[-1])
    sure = catalogue_is_sure(turn)
    if guess.act in ("greeting", "thanks") and guess.probability >= SURE_SMALLTALK and not sure:
        return Reading(guess.act, guess=guess)  # type: ignore[arg-type]
    asks_a_rule = (OBLIGATION.search(turn.folded) or ASKS_FOR_HELP.search(turn.folded)) is not None
    # A facet or situation asked while an entry is in focus is a follow-up question ("ông
    # nội nó đi làm thay được không, tôi đi rẫy"), not a report.
    # ...unless it is surely a report the focused card does not explain ("tiện thể báo luôn,
    # đèn đường hư mấy hôm nay"); a report the card explains is said about it ("tôi lỡ đọc
    # mã cho nó rồi" after the scam warning).
    asked = asked_of(turn.folded, turn.deps.lexicon)
    explained = guess.act == "problem" and explains_message(turn)
    sure_report = guess.act == "problem" and guess.probability >= OVERRIDE_ACT and not explained
    follows_up = bool(turn.state.data.get("focus")) and asked.anything and not sure_report
    asks_a_number = ASKS_A_NUMBER.search(turn.folded) is not None
    # A power or water cut told as a problem is answered with the office that restores it;
    # a trouble with one's own papers, with the procedure that mends it.
    best_kind = turn.result.best.doc.kind if turn.result.best is not None else None
    for_another_office = sure and best_kind == "redirect"
    about_own_papers = (
        (OWN_PAPERS.search(turn.folded) or LAND_DISPUTE.search(turn.folded)) is not None
        and best_kind in ("procedure", "howto", "topic", "redirect")
        and not LATE_DOSSIER.search(turn.folded)
    )
    asks_permission = ASKS_PERMISSION.search(turn.folded) is not None
    wishes = (
        WISH.search(turn.folded) is not None
        and best_kind in ("procedure", "howto", "topic")
        and guess.probability < OVERRIDE_ACT + 0.1
    )
    # "giấy đó xài được bao lâu", "làm online được không": how long or whether online is a
    # question about a paper, when the report is only a weak guess
    asks_a_facet = bool({"time", "online"} & set(asked.facets)) and guess.probability < (
        SURE_ACT + 0.1
    )
    overrides = (
        asks_a_rule
        or follows_up
        or asks_a_number
        or for_another_office
        or about_own_papers
        or asks_permission
        or wishes
        or asks_a_facet
        or explained
    )
    if overrides and guess.act in ("problem", "chatter"):
        return Reading("question", guess=guess)  # "có phải báo phường không?": a question
    # "Lỡ có chuyện gấp thì gọi số mấy" asks for a number, not to be put through to staff;
    # "nó phải đi trực tiếp hay tôi đi thay được" asks about the procedure being discussed.
    # "trang này cuối tuần có trả lời không" asks the office's hours, not for a person.
    if (
        (asks_a_number or follows_up or OFFICE in asked.facets)
        and guess.act == "handover"
        and not PERSON_REQUEST.search(turn.folded)
    ):
        return Reading("question", guess=guess)
    if REPORTED_BEFORE.search(turn.folded) or AWAITS_ANSWER.search(turn.folded):
        return Reading("status", guess=guess)
    if AWAITS_REPAIR.search(turn.folded) and guess.act in ("status", "problem"):
        return Reading("status", guess=guess)
    if PERSON_REQUEST.search(turn.folded):
        return Reading("handover", guess=guess)
    if LATE_DOSSIER.search(turn.folded) and not asks_a_rule and guess.act != "status":
        return Reading("problem", guess=guess)
    if guess.act == "status" and SENT_THING.search(turn.folded) is None:
        return Reading("question", guess=guess)
    if LESSON.search(turn.folded) and guess.act in ("learn", "question"):
        return Reading("learn", guess=guess)
    if guess.act == "learn" and turn.state.data.get("focus"):
        # "em đang học lớp 12 mà" while military service is discussed: a situation told
        # about the card in focus; a lesson is asked by name (above)
        return Reading("question", guess=guess)
    if guess.act in LEARNED and guess.probability >= (OVERRIDE_ACT if sure else SURE_ACT):
        return Reading(guess.act, guess=guess)  # type: ignore[arg-type]
    chatter = guess.act == "chatter" and guess.probability >= SURE_ACT
    return Reading("question", guess=guess, chatter=chatter)
