"""The report's charts as PNG pictures (matplotlib, Agg backend, object-oriented API only).

Readers are ward staff, many of them elderly, who see the charts printed in the Word report,
in the workbook and on the console page: large type, a few clear colours (Okabe-Ito, safe for
colour-blind readers), the value written on every bar, Vietnamese with full diacritics
(DejaVu Sans, bundled with matplotlib, has them). A chart without data draws "Chưa có số liệu"
instead of failing, so the documents always have every picture.
"""

from __future__ import annotations

import io
import logging
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on the server; set before anything draws

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot.report.model import Report
from bot.report.text import decimal, number  # 1.234 and 4,5, as the documents write them
from handlers.domain.vocabulary import rating_label

log = logging.getLogger(__name__)

SIZE = (8.0, 4.5)  # inches: 1600×900 px at DPI
DPI = 200
FONT = "DejaVu Sans"
TITLE, LABEL, TICK, VALUE = 15, 12, 11, 10  # point sizes, large enough when printed
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
STATUS_COLOURS = {
    "new": "#D55E00",
    "in_progress": "#E69F00",
    "answered": "#0072B2",
    "resolved": "#009E73",
}
ON_TIME, LATE = "#009E73", "#D55E00"
GOOD_RATE = 0.8  # below it the percentage is written in the "late" colour, to catch the eye
EMPTY = "Chưa có số liệu"
TITLE_WIDTH = 62  # characters of a title line at TITLE points across the picture
TOP = 10  # entries on the topics chart
LABEL_DAYS = 35  # up to a month and a bit, each day's total is written above its bar

# Figures are separate objects, but the font cache and text layout are shared: one picture
# at a time keeps concurrent requests (each in its own thread) from tripping over each other.
_LOCK = threading.Lock()


# --- small helpers ---------------------------------------------------------------------------


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.tick_params(labelsize=TICK)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _title(figure: Figure, text: str) -> None:
    """Over the whole picture (not the axes), so long bar labels cannot push it off the edge;
    wrapped onto a second line rather than cut."""
    figure.suptitle(
        "\n".join(textwrap.wrap(text, TITLE_WIDTH)),
        x=0.02,
        ha="left",
        fontsize=TITLE,
        fontweight="bold",
        family=FONT,
    )


def _legend(figure: Figure, columns: int) -> None:
    """Under the chart, where it cannot cover a bar."""
    figure.legend(loc="outside lower center", ncols=columns, fontsize=TICK, frameon=False)


def _placeholder(title: str) -> Figure:
    """The chart's title and a large "no figures yet" in the middle."""
    figure, axes = _figure()
    _title(figure, title)
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        EMPTY,
        ha="center",
        va="center",
        fontsize=26,
        color="#6b6b6b",
        family=FONT,
        transform=axes.transAxes,
        bbox={"boxstyle": "round,pad=0.8", "facecolor": "#f2f2f2", "edgecolor": "#bbbbbb"},
    )
    return figure


def _wrap(text: str, width: int = 34, lines: int = 2) -> str:
    """Long procedure titles on at most two lines, so the bars keep most of the width."""
    return "\n".join(textwrap.wrap(text, width, max_lines=lines, placeholder="…")) or text


def _rows(axes: Axes, count: int, minimum: int = 5) -> None:
    """Horizontal bars top-down; a short list keeps bars of normal thickness at the top
    instead of one bar filling the whole picture."""
    axes.set_ylim(max(count, minimum) - 0.5, -0.5)


def _ink(colour: str) -> str:
    """Black on light fills, white on dark ones: numbers written inside bars stay legible."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else "white"


def _integer_axis(axes: Axes, axis: str = "y") -> None:
    """Counts have no halves."""
    target = axes.yaxis if axis == "y" else axes.xaxis
    target.get_major_locator().set_params(integer=True)


# --- the charts ------------------------------------------------------------------------------


def daily_volume(report: Report) -> Figure:
    title = "Tin nhắn người dân gửi theo ngày"
    days = report.days_so_far  # a period not over yet stops today, not at its empty end
    by_day = report.usage.by_day
    channels = _channel_order(report)
    if not days or not any(by_day.get(day, {}).get(c, 0) for day in days for c in channels):
        return _placeholder(title)
    figure, axes = _figure()
    total = sum(sum(by_day.get(day, {}).values()) for day in days)
    _title(figure, f"{title}: {number(total)} tin nhắn, {report.period.label}")
    positions = range(len(days))
    bottom = [0] * len(days)
    for index, channel in enumerate(channels):
        values = [by_day.get(day, {}).get(channel, 0) for day in days]
        axes.bar(
            positions,
            values,
            bottom=bottom,
            color=PALETTE[index % len(PALETTE)],
            label=report.channel_labels.get(channel, channel),
            width=0.8,
        )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if len(days) <= LABEL_DAYS:
        for x, total in zip(positions, bottom, strict=True):
            if total:
                axes.annotate(
                    number(total),
                    (x, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=VALUE if len(days) <= 16 else VALUE - 3,
                )
    step = max(1, -(-len(days) // 16))  # at most ~16 dates under the axis
    axes.set_xticks(list(positions)[::step], [f"{d:%d/%m}" for d in days][::step])
    axes.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0)
    axes.set_ylabel("Số tin nhắn", fontsize=LABEL)
    axes.set_xlim(-0.7, len(days) - 0.3)
    _integer_axis(axes)
    axes.set_ylim(0, max(bottom) * 1.12 + 1)  # room for the totals above the bars
    _legend(figure, min(len(channels), 5))
    return figure


def _channel_order(report: Report) -> list[str]:
    """Busiest channel first (at the bottom of the stack), then any other seen on a day."""
    order = [use.channel for use in report.usage.by_channel]
    for values in report.usage.by_day.values():
        order += [c for c in values if c not in order]
    return order


def top_topics(report: Report) -> Figure:
    title = f"{TOP} thủ tục, hướng dẫn được hỏi nhiều nhất"
    entries = [e for e in report.top_entries if e.count > 0][:TOP]
    if not entries:
        return _placeholder(title)
    figure, axes = _figure()
    _title(figure, f"{title}, {report.period.label}")
    labels = [_wrap(e.title) for e in entries]
    bars = axes.barh(range(len(entries)), [e.count for e in entries], color=PALETTE[0])
    axes.set_yticks(range(len(entries)), labels, fontsize=TICK - (1 if len(entries) > 6 else 0))
    _rows(axes, len(entries))  # the most asked on top
    axes.bar_label(bars, [number(e.count) for e in entries], padding=4, fontsize=VALUE + 1)
    axes.set_xlabel("Số lượt hỏi", fontsize=LABEL)
    _integer_axis(axes, "x")
    axes.margins(x=0.12)
    return figure


def feedback_categories(report: Report) -> Figure:
    title = "Phản ánh, kiến nghị theo lĩnh vực và tình trạng"
    categories = [c for c in report.feedback.by_category if c.count > 0]
    if not categories:
        return _placeholder(title)
    figure, axes = _figure()
    _title(figure, f"{title}: {number(sum(c.count for c in categories))} phản ánh")
    statuses = list(report.status_labels)
    statuses += [s for c in categories for s in c.by_status if s not in statuses]
    positions = range(len(categories))
    left = [0] * len(categories)
    for index, status in enumerate(dict.fromkeys(statuses)):
        values = [c.by_status.get(status, 0) for c in categories]
        if not any(values):
            continue  # no legend entry for a status nobody is in
        colour = STATUS_COLOURS.get(status, PALETTE[(index + 3) % len(PALETTE)])
        bars = axes.barh(
            positions,
            values,
            left=left,
            color=colour,
            label=report.status_labels.get(status, status),
        )
        # The number inside each piece big enough to hold it; the total goes at the end.
        axes.bar_label(
            bars,
            [number(v) if v else "" for v in values],
            label_type="center",
            color=_ink(colour),
            fontsize=VALUE,
            fontweight="bold",
        )
        left = [a + v for a, v in zip(left, values, strict=True)]
    for y, category in zip(positions, categories, strict=True):
        axes.annotate(
            number(category.count),
            (max(left[y], category.count), y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=VALUE + 1,
            fontweight="bold",
        )
    axes.set_yticks(list(positions), [_wrap(c.title, 28) for c in categories])
    _rows(axes, len(categories), 4)
    axes.set_xlabel("Số phản ánh", fontsize=LABEL)
    _integer_axis(axes, "x")
    axes.margins(x=0.1)
    _legend(figure, 4)
    return figure


def on_time(report: Report) -> Figure:
    title = "Phản ánh được trả lời đúng hạn"
    figures = report.feedback
    if not figures.due_in_period:
        return _placeholder(title)
    timely = figures.on_time
    late = max(figures.due_in_period - timely, 0)
    figure, axes = _figure()
    _title(figure, f"{title}: {number(timely)}/{number(figures.due_in_period)} phản ánh")
    wedges, _texts = axes.pie(
        [timely, late],
        colors=[ON_TIME, LATE],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 2},
    )
    rate = figures.on_time_rate or 0.0
    axes.text(
        0,
        0.08,
        f"{decimal(rate * 100)}%",
        ha="center",
        va="center",
        fontsize=28,
        fontweight="bold",
        color=ON_TIME if rate >= GOOD_RATE else LATE,
    )
    axes.text(0, -0.22, "đúng hạn", ha="center", va="center", fontsize=LABEL)
    axes.set_aspect("equal")
    axes.legend(
        wedges,
        [f"Đúng hạn: {number(timely)}", f"Trễ hạn: {number(late)}"],
        fontsize=LABEL,
        frameon=False,
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
    )
    return figure


def satisfaction(report: Report) -> Figure:
    title = "Mức độ hài lòng của người dân"
    figures = report.satisfaction
    counts = [figures.distribution.get(score, 0) for score in range(1, 6)]
    if not figures.count and not any(counts):
        return _placeholder(title)
    figure, axes = _figure()
    average = f"điểm trung bình {decimal(figures.average)}/5, " if figures.average else ""
    _title(figure, f"Mức độ hài lòng: {average}{number(sum(counts))} lượt đánh giá")
    colours = ("#D55E00", "#E69F00", "#999999", "#56B4E9", "#009E73")  # bad to good
    bars = axes.bar(range(1, 6), counts, color=colours, width=0.65)
    axes.bar_label(bars, [number(c) for c in counts], padding=3, fontsize=VALUE + 2)
    # The chat's rating buttons' words, on two lines under each bar.
    axes.set_xticks(range(1, 6), [_wrap(rating_label(s), 14) for s in range(1, 6)], fontsize=TICK)
    axes.set_xlabel("Điểm đánh giá", fontsize=LABEL)
    axes.set_ylabel("Số lượt", fontsize=LABEL)
    _integer_axis(axes)
    axes.margins(y=0.15)
    return figure


def subscribers(report: Report) -> Figure:
    title = "Người dân đăng ký nhận thông báo"
    figures = report.subscribers
    days = sorted(day for day in figures.by_day if day <= report.last_day)
    values = [figures.by_day[d] for d in days]
    if not days or not (any(values) or figures.gained or figures.lost):
        return _placeholder(title)
    figure, axes = _figure()
    _title(
        figure,
        f"{title}: {number(figures.at_end)} người "
        f"(+{number(figures.gained)} mới, −{number(figures.lost)} hủy)",
    )
    axes.plot(days, values, color=PALETTE[0], linewidth=3, marker="o" if len(days) <= 31 else "")
    axes.fill_between(days, values, color=PALETTE[0], alpha=0.12)
    for day, value in ((days[0], values[0]), (days[-1], values[-1])):
        axes.annotate(
            number(value),
            (day, value),
            xytext=(0, 8),
            textcoords="offset points",
            ha="center",
            fontsize=VALUE + 2,
            fontweight="bold",
        )
    step = max(1, -(-len(days) // 12))
    axes.set_xticks(days[::step], [f"{d:%d/%m}" for d in days[::step]])
    axes.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0)
    axes.set_ylabel("Số người đăng ký", fontsize=LABEL)
    axes.set_ylim(bottom=0, top=max(values) * 1.2 + 1)
    _integer_axis(axes)
    return figure


CHARTS: dict[str, Callable[[Report], Figure]] = {
    "daily_volume": daily_volume,
    "top_topics": top_topics,
    "feedback_categories": feedback_categories,
    "on_time": on_time,
    "satisfaction": satisfaction,
    "subscribers": subscribers,
}


# --- writing ---------------------------------------------------------------------------------


def _save(name: str, report: Report, target: Path | io.BytesIO) -> None:
    with _LOCK:
        figure = CHARTS[name](report)
        try:
            figure.savefig(target, format="png", dpi=DPI, facecolor="white")
        finally:
            figure.clear()  # free the artists now rather than whenever the GC runs


def png(name: str, report: Report) -> bytes:
    """One chart in memory (the console page shows them inline). KeyError: no such chart."""
    if name not in CHARTS:
        raise KeyError(name)
    buffer = io.BytesIO()
    _save(name, report, buffer)
    return buffer.getvalue()


def render_all(report: Report, folder: Path) -> dict[str, Path]:
    """Every chart as folder/<name>.png. A chart that fails is logged and left out (the
    documents then skip that picture) rather than costing the whole report."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name in CHARTS:
        path = folder / f"{name}.png"
        try:
            _save(name, report, path)
        except Exception:
            log.exception("report chart %s failed", name)
            path.unlink(missing_ok=True)
            continue
        written[name] = path
    return written
