"""Panel data of the 园区与亩均 page below the map: the enterprise table, the grade distribution, the grading
simulator, the 标准地 checks, the parks inside the urban development boundary and the published-figure check.

Pure (no Streamlit): functions take the engine's tables (``per_mu_enterprise``, ``enterprise_grades``,
``per_mu_park``, ``standard_land_checks``, ``park_ubg_share``) and return frames or Altair charts; texts come
from the ``parks_panel`` catalog in the language passed in.  Grades are ranked over the whole city, so the
simulator always regrades every enterprise unit and only then narrows to the county or park on screen.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from dashboard.citations import cite
from dashboard.i18n import t as _t
from dashboard.indicators.per_mu import GRADABLE_METRICS, METRIC_BY_KEY, grade_bands, grade_enterprises
from dashboard.parks_map import GRADE_COLOURS, metric_label
from dashboard.policy import Profile

KEYS = ["parcel_id", "year"]
#: Metric columns of the enterprise table (the two published standards first, then the weighted items).
TABLE_METRICS = ("invest_per_mu", "output_per_mu", "tax_per_mu", "value_added_per_mu", "energy_productivity",
                 "labour_productivity", "rd_intensity")
CHART_FONT = 14
#: Half the last published digit: a recomputed figure "matches" when it rounds to the published one.
MATCH_TOLERANCE = {"wan_per_mu": 0.05, "pct": 0.005, "ha": 0.005}


def _m(key: str, lang: str, **params) -> str:
    """A message of the ``parks_panel`` catalog (``key`` without the ``parks_panel.`` prefix)."""
    return _t(f"parks_panel.{key}", lang, **params)


def _scale(value, lang: str) -> str:
    return _t(f"parks_map.scale_value.{value}", lang) if value in ("above", "below") else "—"


def _county_names(frame: pd.DataFrame, names: Mapping[str, str] | None) -> np.ndarray:
    """The county of each row in the UI language: ``names`` (``{region_code: name}``, e.g. the regions' ``name_en``
    on an English page) where it has the code, else the indicator table's own (Chinese) ``region_name``."""
    own = frame["region_name"].astype(object).where(frame["region_name"].notna(), None)
    codes = frame["region_code"].astype(object).where(frame["region_code"].notna(), None)
    names = names or {}
    shown = [names.get(str(c), n) if c is not None else n for c, n in zip(codes, own, strict=True)]
    return np.array(["—" if n is None else str(n) for n in shown], dtype=object)


def in_view(frame: pd.DataFrame, county: str | None = None, parks: Collection[str] | None = None) -> pd.DataFrame:
    """Rows of ``county`` (``None``: every county) and of the ``parks`` shown (``None``: every park)."""
    keep = np.ones(len(frame), dtype=bool)
    if county is not None:
        keep &= (frame["region_code"].astype(str) == str(county)).to_numpy()
    if parks is not None:
        keep &= frame["park_id"].astype(str).isin({str(p) for p in parks}).to_numpy()
    return frame[keep]


def grade_order(profile: Profile) -> list[str]:
    """The profile's grades, best first (A, B, C, D)."""
    return [grade for grade, _ in grade_bands(profile)]


# ----------------------------------------------------------------------------------------------------------
# Enterprise table and grade distribution


def enterprise_table(grades: pd.DataFrame, metrics: pd.DataFrame, lang: str,
                     county_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per enterprise unit, best first: name, grade, city-wide rank and score first (what a meeting asks
    about, in view without scrolling sideways at 1366 px), then land and the per-mu metrics, then scale, park,
    county and parcel id; headers carry their units.  ``county_names`` (``{region_code: name}`` in ``lang``) names
    the counties; without it they keep the indicator table's Chinese names."""
    columns = [METRIC_BY_KEY[k].column for k in TABLE_METRICS]
    frame = grades.merge(metrics[[*KEYS, "area_mu", *columns]], on=KEYS, how="left", validate="one_to_one")
    out = pd.DataFrame({
        _m("col.enterprise", lang): frame["enterprise_name"].fillna("—").astype(str).to_numpy(),
        _m("col.grade", lang): frame["grade"].astype(str).to_numpy(),
        _m("col.rank", lang): frame["rank"].to_numpy(dtype=int),
        _m("col.score", lang): frame["score"].to_numpy(dtype=float),
        _m("col.area", lang): frame["area_mu"].to_numpy(dtype=float),
    })
    for key in TABLE_METRICS:
        out[metric_label(key, lang)] = frame[METRIC_BY_KEY[key].column].to_numpy(dtype=float)
    out[_m("col.scale", lang)] = [_scale(s, lang) for s in frame["scale"]]
    out[_m("col.park", lang)] = frame["park_name"].fillna("—").astype(str).to_numpy()
    out[_m("col.county", lang)] = _county_names(frame, county_names)
    out[_m("col.parcel", lang)] = frame["parcel_id"].astype(str).to_numpy()
    return out


def grade_distribution(grades: pd.DataFrame, metrics: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Enterprise units and land of each grade, per park and for all parks shown.

    Returns ``park_name, grade, enterprises, area_mu, share_pct`` (share of the group's units), every grade of
    ``order`` present in every group (zeros kept, so the bars and the table line up); the all-parks group
    (``park_name`` ``None``) last.
    """
    frame = grades[[*KEYS, "park_name", "grade"]].merge(metrics[[*KEYS, "area_mu"]], on=KEYS, how="left")
    frame["park_name"] = frame["park_name"].fillna("—").astype(str)
    groups = list(dict.fromkeys(sorted(frame["park_name"])))
    index = pd.MultiIndex.from_product([[*groups, None], order], names=["park_name", "grade"])
    per_park = frame.groupby(["park_name", "grade"]).agg(enterprises=("parcel_id", "size"), area_mu=("area_mu", "sum"))
    total = frame.groupby("grade").agg(enterprises=("parcel_id", "size"), area_mu=("area_mu", "sum"))
    total.index = pd.MultiIndex.from_product([[None], total.index], names=["park_name", "grade"])
    out = pd.concat([per_park, total]).reindex(index, fill_value=0).reset_index()
    out["enterprises"] = out["enterprises"].astype(int)
    sizes = out.groupby("park_name", dropna=False)["enterprises"].transform("sum")
    out["share_pct"] = np.where(sizes > 0, 100.0 * out["enterprises"] / sizes.where(sizes > 0, 1), np.nan)
    return out


def grade_distribution_chart(dist: pd.DataFrame, order: list[str], lang: str) -> alt.Chart:
    """Stacked horizontal bars: the share of each grade among each park's enterprise units (all parks first)."""
    frame = dist.copy()
    frame["group"] = frame["park_name"].astype(object).fillna(_m("all_parks", lang))
    frame["grade_label"] = [_t(f"parks_map.grade_label.{g}", lang) for g in frame["grade"]]
    labels = [_t(f"parks_map.grade_label.{g}", lang) for g in order]
    colours = ["#{:02x}{:02x}{:02x}".format(*GRADE_COLOURS.get(g, (150, 150, 150))) for g in order]
    groups = [_m("all_parks", lang), *[g for g in dict.fromkeys(frame["group"]) if g != _m("all_parks", lang)]]
    frame["order"] = frame["grade"].map({g: i for i, g in enumerate(order)})
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("group:N", sort=groups, title=None),
        x=alt.X("share_pct:Q", title=_m("chart.share", lang), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("grade_label:N", scale=alt.Scale(domain=labels, range=colours),
                        legend=alt.Legend(title=None, orient="top")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("group:N", title=_m("col.park", lang)),
                 alt.Tooltip("grade_label:N", title=_m("col.grade", lang)),
                 alt.Tooltip("enterprises:Q", title=_m("col.enterprises", lang)),
                 alt.Tooltip("area_mu:Q", title=_m("col.area", lang), format=",.2f"),
                 alt.Tooltip("share_pct:Q", title=_m("chart.share", lang), format=".1f")],
    ).properties(height=alt.Step(30), width=720)
    return (chart.configure_axis(labelFontSize=CHART_FONT, titleFontSize=CHART_FONT, labelLimit=260)
            .configure_legend(labelFontSize=CHART_FONT).configure_view(strokeWidth=0))


def distribution_table(dist: pd.DataFrame, order: list[str], lang: str) -> pd.DataFrame:
    """The distribution wide: one row per park (all parks last), units and share of each grade."""
    frame = dist.copy()
    frame["park_name"] = frame["park_name"].astype(object).fillna(_m("all_parks", lang))
    units = frame.pivot(index="park_name", columns="grade", values="enterprises")[order]
    shares = frame.pivot(index="park_name", columns="grade", values="share_pct")[order]
    rows = list(dict.fromkeys(frame["park_name"]))
    out = pd.DataFrame({_m("col.park", lang): rows})
    for grade in order:
        out[_m("col.grade_units", lang, grade=grade)] = units.loc[rows, grade].to_numpy(dtype=int)
        out[_m("col.grade_share", lang, grade=grade)] = shares.loc[rows, grade].to_numpy(dtype=float)
    return out


# ----------------------------------------------------------------------------------------------------------
# Grading simulator


@dataclass(frozen=True)
class GradingRules:
    """What the grading simulator lets the user change: weights (规上 / 规下), the benchmarks of the weighted
    metrics (profile key → value in the profile's unit), the score cap and the bands (grade → upper rank share).
    """

    weights_above: Mapping[str, float]
    weights_below: Mapping[str, float]
    benchmarks: Mapping[str, float]
    cap: float
    bands: Mapping[str, float]

    @classmethod
    def of(cls, profile: Profile) -> GradingRules:
        """The rules of a profile as they stand (every gradable metric listed, weight 0 where it has none)."""
        above, below = profile["grade_weights_above"], profile["grade_weights_below"]
        return cls(
            weights_above={m.key: float(above.get(m.key, 0.0)) for m in GRADABLE_METRICS},
            weights_below={m.key: float(below.get(m.key, 0.0)) for m in GRADABLE_METRICS},
            benchmarks={m.benchmark: float(profile[m.benchmark]) for m in GRADABLE_METRICS},
            cap=float(profile["grade_score_cap"]),
            bands={grade: float(bound) for grade, bound in grade_bands(profile)},
        )

    def problems(self) -> list[tuple[str, dict]]:
        """Why these rules cannot grade: ``(catalog key, params)`` pairs; empty when they can."""
        found = []
        for scale, weights in (("above", self.weights_above), ("below", self.weights_below)):
            if any(w < 0 for w in weights.values()):
                found.append(("sim.problem.negative_weight", {"scale": scale}))
            elif sum(weights.values()) <= 0:
                found.append(("sim.problem.no_weight", {"scale": scale}))
        if any(v <= 0 for v in self.benchmarks.values()):
            found.append(("sim.problem.benchmark", {}))
        if self.cap <= 0:
            found.append(("sim.problem.cap", {}))
        bounds = list(self.bands.values())
        if any(b <= a for a, b in itertools.pairwise(bounds)) or bounds[0] <= 0 or abs(bounds[-1] - 1.0) > 1e-9:
            found.append(("sim.problem.bands", {}))
        return found

    def profile(self, base: Profile, note: str) -> Profile:
        """``base`` with these rules in place (provenance marked with ``note``); weights of 0 are dropped."""
        return base.with_overrides({
            "grade_weights_above": {k: w for k, w in self.weights_above.items() if w > 0},
            "grade_weights_below": {k: w for k, w in self.weights_below.items() if w > 0},
            "grade_score_cap": self.cap,
            "grade_bands": dict(self.bands),
            **self.benchmarks,
        }, note=note)

    def changed_from(self, other: GradingRules) -> list[str]:
        """Names of the rule groups that differ from ``other`` (``weights_above``, ``benchmarks`` …)."""
        return [name for name in ("weights_above", "weights_below", "benchmarks", "cap", "bands")
                if getattr(self, name) != getattr(other, name)]


@dataclass(frozen=True)
class GradingComparison:
    """Every enterprise unit graded under the current rules (``_before``) and the simulated ones (``_after``)."""

    rows: pd.DataFrame  # ids, score/rank/grade _before and _after, change (-1 worse, 0, +1 better)
    order: list[str]

    @property
    def changed(self) -> pd.DataFrame:
        return self.rows[self.rows["change"] != 0]

    def transitions(self) -> pd.DataFrame:
        """Units by grade before (rows) × grade after (columns), every grade shown."""
        table = pd.crosstab(self.rows["grade_before"], self.rows["grade_after"])
        return table.reindex(index=self.order, columns=self.order, fill_value=0)


def simulate_grading(metrics: pd.DataFrame, current: Profile, simulated: Profile) -> GradingComparison:
    """Grade every enterprise unit of ``metrics`` (a whole-city ``per_mu_enterprise`` table) under both profiles.

    Both gradings are :func:`dashboard.indicators.per_mu.grade_enterprises`, the function behind the
    ``enterprise_grades`` indicator, so "before" is exactly the grade the rest of the dashboard shows.
    ``change`` is +1 when a unit moves to a better grade, −1 to a worse one.
    """
    keep = ["parcel_id", "enterprise_name", "park_id", "park_name", "region_code", "region_name", "scale", "year"]
    before = grade_enterprises(metrics, current)
    after = grade_enterprises(metrics, simulated)
    rows = before[[*keep, "score", "rank", "grade"]].merge(
        after[[*KEYS, "score", "rank", "grade"]], on=KEYS, suffixes=("_before", "_after"), validate="one_to_one")
    order = grade_order(simulated)
    position = {g: i for i, g in enumerate(order)}
    rows["change"] = np.sign(rows["grade_before"].map(position) - rows["grade_after"].map(position)).astype(int)
    return GradingComparison(rows, order)


def changes_display(comparison: GradingComparison, lang: str, county: str | None = None,
                    parks: Collection[str] | None = None) -> pd.DataFrame:
    """The units whose grade changes (in view), upgrades first, then by the size of the score change: name, park,
    grade and score before and after, city-wide rank before and after."""
    changed = in_view(comparison.changed, county, parks)
    changed = changed.assign(size=(changed["score_after"] - changed["score_before"]).abs())
    changed = changed.sort_values(["change", "size", "parcel_id"], ascending=[False, False, True])
    arrow = {1: "↑", -1: "↓"}
    return pd.DataFrame({
        _m("col.enterprise", lang): changed["enterprise_name"].fillna("—").astype(str).to_numpy(),
        _m("col.parcel", lang): changed["parcel_id"].astype(str).to_numpy(),
        _m("col.park", lang): changed["park_name"].fillna("—").astype(str).to_numpy(),
        _m("col.scale", lang): [_scale(s, lang) for s in changed["scale"]],
        _m("col.grade_before", lang): changed["grade_before"].to_numpy(),
        _m("col.grade_after", lang): [f"{g} {arrow[c]}" for g, c in zip(changed["grade_after"], changed["change"])],
        _m("col.score_before", lang): changed["score_before"].to_numpy(dtype=float),
        _m("col.score_after", lang): changed["score_after"].to_numpy(dtype=float),
        _m("col.rank_before", lang): changed["rank_before"].to_numpy(dtype=int),
        _m("col.rank_after", lang): changed["rank_after"].to_numpy(dtype=int),
    })


def transitions_display(comparison: GradingComparison, lang: str) -> pd.DataFrame:
    """The before × after matrix with readable headers (rows: current grade; columns: simulated grade)."""
    table = comparison.transitions()
    out = pd.DataFrame({_m("col.transition_row", lang): [_m("grade_now", lang, grade=g) for g in table.index]})
    for grade in table.columns:
        out[_m("grade_sim", lang, grade=grade)] = table[grade].to_numpy(dtype=int)
    return out


# ----------------------------------------------------------------------------------------------------------
# 标准地 checks


def standard_land_summary(checks: pd.DataFrame) -> dict[str, int]:
    """Counts for the 标准地 cards: ``units``, ``admin_land_over`` (> 7%), ``admin_floor_over`` (> 15%),
    ``unjudged`` (a share undefined and the other within its limit) and ``scale_review`` (≥ 100 亩)."""
    return {
        "units": len(checks),
        "admin_land_over": int(checks["admin_land_ok"].eq(False).sum()),
        "admin_floor_over": int(checks["admin_floor_ok"].eq(False).sum()),
        "unjudged": int(checks["passes"].isna().sum()),
        "scale_review": int(checks["scale_review"].sum()),
    }


def _check_text(ok, lang: str) -> str:
    return _m("check.unknown", lang) if pd.isna(ok) else _m("check.ok" if ok else "check.over", lang)


def standard_land_display(checks: pd.DataFrame, lang: str, problems_only: bool = True) -> pd.DataFrame:
    """The 标准地 table: each unit's admin land and floor shares against their limits and the scale review.

    ``problems_only`` keeps the units that exceed a limit, cannot be judged or need the ≥ 100 亩 review.
    """
    frame = checks
    if problems_only:
        frame = frame[~frame["passes"].fillna(False).astype(bool) | frame["scale_review"].astype(bool)]
    frame = frame.sort_values(["park_id", "parcel_id"])
    return pd.DataFrame({
        _m("col.enterprise", lang): frame["enterprise_name"].fillna("—").astype(str).to_numpy(),
        _m("col.parcel", lang): frame["parcel_id"].astype(str).to_numpy(),
        _m("col.park", lang): frame["park_name"].fillna("—").astype(str).to_numpy(),
        _m("col.area", lang): frame["area_mu"].to_numpy(dtype=float),
        _m("col.admin_land", lang): frame["admin_land_share_pct"].to_numpy(dtype=float),
        _m("col.admin_land_check", lang): [_check_text(v, lang) for v in frame["admin_land_ok"]],
        _m("col.admin_floor", lang): frame["admin_floor_share_pct"].to_numpy(dtype=float),
        _m("col.admin_floor_check", lang): [_check_text(v, lang) for v in frame["admin_floor_ok"]],
        _m("col.scale_review", lang): [_m("check.review" if r else "check.no_review", lang)
                                       for r in frame["scale_review"]],
    })


# ----------------------------------------------------------------------------------------------------------
# Parks in the urban development boundary, and the published figures


def ubg_display(ubg: pd.DataFrame, lang: str, county: str | None = None,
                county_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each park's area, its part inside the 城镇开发边界 and the share; the all-parks total row last (only for the
    whole city: a county view shows its parks).  ``county_names`` (``{region_code: name}`` in ``lang``) names
    the counties (and the city on the total row)."""
    parks = ubg[ubg["level"] == "park"]
    if county is not None:
        parks = parks[parks["region_code"].astype(str) == str(county)]
    rows = parks if county is not None else pd.concat([parks, ubg[ubg["level"] == "city"]])
    names = [_m("all_parks", lang) if lvl == "city" else str(n) for n, lvl in zip(rows["park_name"], rows["level"])]
    return pd.DataFrame({
        _m("col.park", lang): names,
        _m("col.county", lang): _county_names(rows, county_names),
        _m("col.park_area_ha", lang): rows["area_ha"].to_numpy(dtype=float),
        _m("col.in_ubg_ha", lang): rows["in_ubg_ha"].to_numpy(dtype=float),
        _m("col.ubg_share", lang): rows["ubg_share_pct"].to_numpy(dtype=float),
    })


def published_park_check(per_mu_park: pd.DataFrame, ubg: pd.DataFrame, figures: Mapping) -> pd.DataFrame:
    """The published park figures recomputed: each park's investment (and, where published, output) per mu,
    and the share of park area inside the urban development boundary.

    Parameters
    ----------
    per_mu_park, ubg
        The ``per_mu_park`` and ``park_ubg_share`` tables.
    figures
        The reference file (:func:`dashboard.reference.published_figures`): ``[[parks.park]]`` matched by name,
        then by county code; ``[parks_ubg]``.

    Returns
    -------
    DataFrame
        ``figure, metric, unit, computed, published, difference, matches, source``; a figure whose park is not
        in the data has ``computed`` NaN and ``matches`` False.
    """
    parks_cfg = figures.get("parks", {})
    year = parks_cfg.get("year")
    table = per_mu_park if year is None else per_mu_park[per_mu_park["year"] == year]
    by_name = table.set_index(table["park_name"].astype(str))
    first = table.drop_duplicates("region_code")
    by_county = first.set_index(first["region_code"].astype(str))
    rows = []
    for park in parks_cfg.get("park", []):
        found = (by_name.loc[park["name"]] if park["name"] in by_name.index
                 else by_county.loc[park["county_code"]] if park["county_code"] in by_county.index else None)
        checks = [("invest_per_mu", "invest_per_mu_wan", park["invest_source"])]
        if park.get("output_published", True):
            checks.append(("output_per_mu", "output_per_mu_wan", park["output_source"]))
        for metric, column, source in checks:
            computed = float(found[column]) if found is not None else np.nan
            rows.append(("park:" + park["name"], metric, "wan_per_mu", computed, float(park[column]), source))
    total = figures.get("parks_ubg")
    if total:
        city = ubg[ubg["level"] == "city"]
        computed = float(city["ubg_share_pct"].iloc[0]) if len(city) else np.nan
        rows.append(("parks_ubg", "ubg_share", "pct", computed, float(total["ubg_share_pct"]), total["source"]))
    out = pd.DataFrame(rows, columns=["figure", "metric", "unit", "computed", "published", "source"])
    out.insert(5, "difference", out["computed"] - out["published"])
    tolerance = out["unit"].map(MATCH_TOLERANCE)
    out.insert(6, "matches", (out["difference"].abs() <= tolerance).to_numpy(dtype=bool))
    return out


def published_display(check: pd.DataFrame, lang: str) -> pd.DataFrame:
    """:func:`published_park_check` for display."""
    figure = [_m("figure.ubg", lang) if f == "parks_ubg" else f.removeprefix("park:") for f in check["figure"]]
    metric = [_m("figure.ubg_share", lang) if m == "ubg_share" else metric_label(m, lang, with_unit=False)
              for m in check["metric"]]
    unit = [_t(f"parks_map.unit.{u}", lang) for u in check["unit"]]
    return pd.DataFrame({
        _m("col.figure", lang): figure,
        _m("col.metric", lang): metric,
        _m("col.unit", lang): unit,
        _m("col.computed", lang): check["computed"].to_numpy(dtype=float),
        _m("col.published", lang): check["published"].to_numpy(dtype=float),
        # to the shown precision, so a difference within rounding never reads "-0.00"
        _m("col.difference", lang): np.round(check["difference"].to_numpy(dtype=float), 2) + 0.0,
        _m("col.matches", lang): check["matches"].to_numpy(dtype=bool),
        _m("col.source", lang): check["source"].map(cite).to_numpy(),
    })

