"""Placeholders in canned replies ("{ma}", "{han}"...): filled with the record's values when a
reply is inserted in the reply box and again when it is sent, so a placeholder typed by hand
reaches the resident filled too. An unknown one is left as written."""

from __future__ import annotations

import re
from collections.abc import Mapping

from db.models import VIETNAM, Feedback

PLACEHOLDERS = {
    "ma": "mã phản ánh",
    "han": "hạn trả lời",
    "ten_phuong": "tên phường",
    "nhom": "nhóm phản ánh",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def values_of(feedback: Feedback, ward_name: str, category: str) -> dict[str, str]:
    """What each placeholder stands for on this record."""
    return {
        "ma": feedback.service_request_id,
        "han": feedback.expected_datetime.astimezone(VIETNAM).strftime("%d/%m/%Y"),
        "ten_phuong": ward_name,
        "nhom": category,
    }


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with its known placeholders replaced."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
