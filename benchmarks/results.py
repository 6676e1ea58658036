"""The result table, the ratios and the targets the benchmark checks."""

from __future__ import annotations

from dataclasses import dataclass

from timing import Measurement

COLD = "doctor cold"
WARM = "doctor warm"
CHANGED = "doctor one env changed"
PEERS = "peer chain"
FLOOR = "I/O floor (warm page cache)"
DOCTOR_ROWS = (COLD, "doctor cold --no-cache", WARM, CHANGED)


@dataclass(frozen=True)
class Target:
    """One goal: a measured value, the limit, and whether the value must stay below it."""

    name: str
    value: float | None
    limit: float
    at_most: bool = True

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.limit if self.at_most else self.value >= self.limit

    def to_json(self) -> dict:
        return {"name": self.name, "value": self.value, "limit": self.limit,
                "at_most": self.at_most, "met": self.met}


def medians(measurements: list[Measurement]) -> dict[str, float]:
    return {m.name: m.summary()["median_s"] for m in measurements if m.runs}


def ratios(measurements: list[Measurement]) -> dict[str, float | None]:
    median = medians(measurements)
    cold = median.get(COLD)
    return {
        "peer_chain_over_doctor_cold": _divide(median.get(PEERS), cold),
        "doctor_cold_over_io_floor": _divide(cold, median.get(FLOOR)),
    }


def _divide(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(measurements: list[Measurement]) -> list[Target]:
    median = medians(measurements)
    ratio = ratios(measurements)
    peak = [m.summary()["peak_rss_mb"] for m in measurements if m.name in DOCTOR_ROWS and m.runs]
    return [
        Target("cold full report (s)", median.get(COLD), 1.5),
        Target("warm (s)", median.get(WARM), 0.15),
        Target("one env changed (s)", median.get(CHANGED), 0.3),
        Target("peak RSS of doctor commands (MB)", max(peak) if peak else None, 200),
        Target("peer chain / doctor cold", ratio["peer_chain_over_doctor_cold"], 20, at_most=False),
        Target("doctor cold / I/O floor", ratio["doctor_cold_over_io_floor"], 3),
    ]


def render_table(measurements: list[Measurement]) -> str:
    lines = [f"{'measurement':<38} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} {'peak RSS MB':>12}"]
    for measurement in measurements:
        row = measurement.summary()
        if not measurement.runs:
            lines.append(f"{row['name']:<38} {'-':>4}  skipped: {row['note']}")
            continue
        rss = f"{row['peak_rss_mb']:.0f}" if row["peak_rss_mb"] else "-"
        lines.append(f"{row['name']:<38} {row['runs']:>4} {row['median_s']:>9.3f} "
                     f"{row['min_s']:>8.3f} {row['max_s']:>8.3f} {rss:>12}")
    return "\n".join(lines)


def render_targets(measurements: list[Measurement]) -> str:
    lines = []
    for name, value in ratios(measurements).items():
        lines.append(f"{name}: {value:.1f}" if value is not None else f"{name}: not measured")
    for target in targets(measurements):
        sign = "<=" if target.at_most else ">="
        value = "not measured" if target.value is None else f"{target.value:.3f}"
        verdict = {True: "met", False: "NOT met", None: "not measured"}[target.met]
        lines.append(f"target {target.name} {sign} {target.limit}: {value} -> {verdict}")
    return "\n".join(lines)
