"""Hello, thanks and goodbye: short, kind, and always a way forward."""

from __future__ import annotations

from handlers.cards import MENU_BUTTON
from handlers.menu import main_menu
from handlers.render import with_buttons
from handlers.satisfaction import maybe_ask
from handlers.turn import Turn
from handlers.types import Reply, Response


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


def _closing(turn: Turn, text: str) -> Response:
    """Thanks or goodbye; the rating question follows once per conversation."""
    question = maybe_ask(turn)
    if question is None:
        return Response([with_buttons(text, [MENU_BUTTON])], intent="greeting")
    return Response([Reply(text), question], intent="greeting")


def greets(turn: Turn) -> bool:
    """True when the message contains a greeting ("Xin chào phường ạ, ...")."""
    padded = f" {turn.folded} "
    return any(f" {phrase} " in padded for phrase in turn.deps.lexicon.greetings)


async def smalltalk(turn: Turn) -> Response | None:
    """Answer a message that is only a greeting, a thank-you, a goodbye or a menu request."""
    lexicon = turn.deps.lexicon
    folded, fillers = turn.folded, lexicon.stopwords
    if not folded:
        return None
    if _only(lexicon.thanks, folded, fillers):
        text = "Dạ, không có gì ạ. Bạn cần hỏi thêm điều gì cứ nhắn cho mình nhé."
        return _closing(turn, text)
    if _only(lexicon.goodbye, folded, fillers):
        text = "Chào bạn, chúc bạn một ngày tốt lành! Khi cần, bạn cứ nhắn lại cho mình."
        return _closing(turn, text)
    if _only(lexicon.menu, folded, fillers):
        return main_menu(turn, greet=False)
    nothing_asked = lexicon.is_filler(folded.split()) and not turn.query.features
    if _only(lexicon.greetings, folded, fillers) or nothing_asked:
        return main_menu(turn, greet=True)
    return None
