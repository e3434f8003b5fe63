"""A small server-rendered SVG line chart of a patient's scores over time (no scripts, no CDN).
The same numbers are always given in a table beside it, so the chart is never the only source."""

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 320, 140, 24


@dataclass
class Series:
    key: str
    name: str
    points: list  # (date, value)
    polyline: str = ""
    dots: list = None


def build(series: list[Series], max_value: float = 10) -> list[Series]:
    dates = sorted({d for s in series for d, _ in s.points})
    if not dates:
        return series
    first, last = dates[0], dates[-1]
    span = max((last - first).days, 1)

    def x(day):
        return PAD + (WIDTH - 2 * PAD) * ((day - first).days / span if len(dates) > 1 else 0.5)

    def y(value):
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * (min(value, max_value) / max_value)

    for s in series:
        coords = [(round(x(d), 1), round(y(v), 1), d, v) for d, v in s.points if v is not None]
        s.polyline = " ".join(f"{cx},{cy}" for cx, cy, _, _ in coords)
        s.dots = coords
    return series
