"""Drawing the contest certificate: a landscape PNG (1600×1130) in DejaVu (its fonts carry
every Vietnamese letter, and come with matplotlib), with the name, contest and score also
written into PNG text chunks ("Name", "Contest", "Score"), so a picture can be checked
without reading its pixels. Imported only when a picture is drawn: Pillow and matplotlib
stay out of a process that never draws one."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import matplotlib
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from bot.report import text

SIZE = WIDTH, HEIGHT = 1600, 1130
TEXT_WIDTH = 1300  # the widest a line may be, inside the borders
PAPER, RED, GOLD, INK, NAVY = "#fffdf6", "#b3261e", "#c9a227", "#262626", "#1f3a7a"
REGULAR, BOLD, ITALIC = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"


# --- fonts and lines -------------------------------------------------------------------------


def _font_path(name: str) -> Path:
    """DejaVu from matplotlib's own data (always installed with it); findfont as a fallback."""
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    if path.is_file():
        return path
    from matplotlib import font_manager  # slower, and only needed on unusual installs

    wanted = font_manager.FontProperties(
        family="DejaVu Sans",
        weight="bold" if "Bold" in name else "normal",
        style="oblique" if "Oblique" in name else "normal",
    )
    return Path(font_manager.findfont(wanted))


@lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_path(name)), size)


def _tidy(value: str, limit: int) -> str:
    """NFC (precomposed letters draw best), single spaces, at most `limit` characters."""
    tidy = " ".join(unicodedata.normalize("NFC", value).split())
    return tidy if len(tidy) <= limit else tidy[: limit - 1] + "…"


def _longest_prefix(word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many characters of an over-long word fit on one line (at least one)."""
    fits = [i for i in range(1, len(word) + 1) if font.getlength(word[:i]) <= width]
    return fits[-1] if fits else 1


def _wrap(words: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrapping by measured width; a word wider than a line is cut by characters."""
    lines: list[str] = []
    line = ""
    for word in words.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while font.getlength(line) > width and len(line) > 1:
            cut = _longest_prefix(line, font, width)
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines or [""]


@dataclass(frozen=True)
class Block:
    """Lines drawn centred in one font and colour, after `gap` pixels."""

    lines: list[str]
    font: ImageFont.FreeTypeFont
    color: str
    gap: int

    @property
    def line_height(self) -> int:
        return round(self.font.size * 1.3)

    @property
    def height(self) -> int:
        return self.gap + self.line_height * len(self.lines)


def _fitted(
    value: str, name: str, size: int, smallest: int, max_lines: int, color: str, gap: int
) -> Block:
    """The largest size from `size` down to `smallest` that fits in `max_lines`; at the
    smallest size, the last line ends with "…"."""
    for step in range(size, smallest - 1, -4):
        font = _font(name, step)
        lines = _wrap(value, font, TEXT_WIDTH)
        if len(lines) <= max_lines:
            return Block(lines, font, color, gap)
    font = _font(name, smallest)
    lines = _wrap(value, font, TEXT_WIDTH)[:max_lines]
    while font.getlength(lines[-1] + "…") > TEXT_WIDTH and " " in lines[-1]:
        lines[-1] = lines[-1].rsplit(" ", 1)[0]
    lines[-1] += "…"
    return Block(lines, font, color, gap)


def _line(value: str, name: str, size: int, color: str, gap: int) -> Block:
    return _fitted(value, name, size, max(16, size - 12), 1, color, gap)


# --- the picture -----------------------------------------------------------------------------


def _frame(draw: ImageDraw.ImageDraw) -> None:
    """A thick red border, a thin gold one inside, gold diamonds in the corners."""
    draw.rectangle((28, 28, WIDTH - 29, HEIGHT - 29), outline=RED, width=14)
    draw.rectangle((58, 58, WIDTH - 59, HEIGHT - 59), outline=GOLD, width=3)
    for x, y in ((58, 58), (WIDTH - 59, 58), (58, HEIGHT - 59), (WIDTH - 59, HEIGHT - 59)):
        draw.polygon(((x, y - 16), (x + 16, y), (x, y + 16), (x - 16, y)), fill=GOLD)


def _blocks(name: str, contest_title: str, score: int, total: int, ward_name: str) -> list[Block]:
    return [
        _line(_tidy(ward_name, 80).upper(), BOLD, 34, RED, 0),
        _line("GIẤY CHỨNG NHẬN", BOLD, 96, RED, 40),
        _line("Chứng nhận", REGULAR, 38, INK, 44),
        _fitted(_tidy(name, 100), BOLD, 84, 48, 2, NAVY, 18),
        _line("đã hoàn thành cuộc thi", REGULAR, 38, INK, 30),
        _fitted(f"“{_tidy(contest_title, 200)}”", BOLD, 48, 30, 3, INK, 16),
        _line(f"Kết quả: {score}/{total} câu đúng", BOLD, 40, RED, 40),
    ]


def _draw_blocks(draw: ImageDraw.ImageDraw, blocks: list[Block], top: int) -> None:
    """The blocks from `top` down, a short gold rule under the first (the ward's name)."""
    y = top
    for index, block in enumerate(blocks):
        y += block.gap
        for line in block.lines:
            draw.text((WIDTH // 2, y), line, font=block.font, fill=block.color, anchor="ma")
            y += block.line_height
        if index == 0:
            draw.line((WIDTH // 2 - 160, y + 4, WIDTH // 2 + 160, y + 4), fill=GOLD, width=3)


def _date_line(finished_at: datetime, ward_name: str) -> str:
    """ "Đăk Bla, ngày 05 tháng 12 năm 2026" in the ward's time (Nghị định 30/2020 style)."""
    return f"{text.place_name(ward_name)}, {text.dated(text.local(finished_at).date())}"


def render(
    name: str,
    contest_title: str,
    score: int,
    total: int,
    finished_at: datetime,
    ward_name: str,
) -> bytes:
    """The certificate as PNG bytes (1600×1130), with Name/Contest/Score text chunks."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    _frame(draw)
    blocks = _blocks(name, contest_title, score, total, ward_name)
    room = HEIGHT - 200 - 110  # between the top margin and the date line
    _draw_blocks(draw, blocks, 110 + max(0, (room - sum(b.height for b in blocks)) // 3))
    date_font = _font(ITALIC, 32)
    place_and_date = _date_line(finished_at, ward_name)
    draw.text((WIDTH - 150, HEIGHT - 170), place_and_date, font=date_font, fill=INK, anchor="ra")
    info = PngInfo()
    info.add_text("Name", _tidy(name, 100))  # Pillow stores non-Latin-1 text as iTXt (UTF-8)
    info.add_text("Contest", _tidy(contest_title, 200))
    info.add_text("Score", f"{score}/{total}")
    buffer = BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()
