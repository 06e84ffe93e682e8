"""Column helpers shared by the model modules."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Timezone-aware now in UTC (SQLite returns naive values: compare via as_utc)."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def localized(texts: dict | None, language: str, fallback: str = "en") -> str:
    """Pick the text for a language from a {language: text} mapping, falling back sensibly."""
    if not texts:
        return ""
    return texts.get(language) or texts.get(fallback) or next(iter(texts.values()), "")
