"""The feature table: every conversation feature, in the order the dispatcher consults them.

Order matters where two features could take the same message: a pending confirmation and
typed phrases first, small talk before the catalogue, and the catalogue last, since it
answers every question (with a fallback when nothing fits).
"""

from __future__ import annotations

from handlers.feature import Feature
from handlers.features import (
    announcement_replies,
    catalogue,
    contest,
    control,
    courses,
    feedback,
    handover,
    menu,
    privacy,
    satisfaction,
    smalltalk,
    subscriptions,
    taught,
    tracking,
)

FEATURES: tuple[Feature, ...] = (
    privacy.FEATURE,
    control.FEATURE,
    subscriptions.FEATURE,
    menu.FEATURE,
    contest.FEATURE,
    courses.FEATURE,
    announcement_replies.FEATURE,
    tracking.FEATURE,
    feedback.FEATURE,
    satisfaction.FEATURE,
    smalltalk.FEATURE,
    taught.FEATURE,
    handover.FEATURE,
    catalogue.FEATURE,
)
