"""The 园区与亩均 map: enterprise parcels coloured by grade or by a classed per-mu metric, and the enterprise card.
Pure (never imports Streamlit).

Inputs are the engine's tables (``per_mu_enterprise``, ``enterprise_grades``, ``per_mu_park``) and the
``park_parcels`` geometry; nothing here recomputes an indicator, so the card shows exactly the engine's numbers.

Classes come from mapclassify (:func:`classify`): natural breaks are Fisher–Jenks (optimal and deterministic:
mapclassify's ``NaturalBreaks`` is k-means with random starts, so its breaks, and the legend, would change on
every rerun), quantiles and equal intervals.  Every feature carries the shared tooltip properties ``name``
(the enterprise) and ``id`` (the parcel); names are data and are only ever shown as text.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import mapclassify
import numpy as np
import pandas as pd

from dashboard.geo import WGS84
from dashboard.i18n import t
from dashboard.indicators.per_mu import METRIC_BY_KEY, METRICS, Metric, benchmark_value
from dashboard.layout import column_width
from dashboard.legend import LegendGroup, LegendItem
from dashboard.maps import feature_collection
from dashboard.overlays import PARK_FILL, PARK_LINE
from dashboard.policy import Profile

#: Classification schemes offered, each a mapclassify classifier (see :func:`classify`).
SCHEMES = ("natural_breaks", "quantiles", "equal_interval")
DEFAULT_SCHEME = "natural_breaks"
DEFAULT_CLASSES = 5
CLASS_RANGE = (3, 7)
#: Fisher–Jenks is O(k·n²) without numba: above this many values the breaks are computed on an evenly spaced
#: quantile sample of this size (deterministic), then every value is binned with mapclassify's ``UserDefined``.
JENKS_SAMPLE = 500
#: "Colour by" value meaning the A/B/C/D grade instead of a metric.
GRADE = "grade"

#: The map beside its legend and card: ``st.columns(MAP_COLUMNS, gap=MAP_GAP)``.  The view is fitted to the map's
#: column at the smallest screen (:mod:`dashboard.layout`; fitted as if 900 px wide, parks at the edge were cut).
MAP_COLUMNS, MAP_GAP = (3, 2), "medium"
MAP_WIDTH_PX = column_width(MAP_COLUMNS, 0, MAP_GAP)
#: The controls, two rows on one grid (``st.columns(CONTROL_COLUMNS)``): colour-by, scheme and class count, then
#: the park and the fit button.  In one row of five the scheme and the button got 140 px and were cut.
CONTROL_COLUMNS = (3.4, 2.6, 2)
#: Room (px) a select box or a button needs besides its text: padding, border, the arrow or the icon.
CONTROL_CHROME_PX = {"select": 64, "button": 72}

#: Unit (catalog key ``parks_map.unit.<unit>``) of each metric column; ``None``: dimensionless (plot ratio).
METRIC_UNITS: dict[str, str | None] = {
    "invest_per_mu": "wan_per_mu",
    "output_per_mu": "wan_per_mu",
    "tax_per_mu": "wan_per_mu",
    "value_added_per_mu": "wan_per_mu",
    "revenue_per_mu": "wan_per_mu",
    "floor_area_ratio": None,
    "building_density": "pct",
    "energy_productivity": "wan_per_tce",
    "emission_productivity": "wan_per_t",
    "labour_productivity": "wan_per_person",
    "rd_intensity": "pct",
}

#: Grade colours (RGB): green, blue, orange, red, as the 亩均 A/B/C/D maps are usually drawn.
GRADE_COLOURS = {"A": (26, 150, 65), "B": (43, 131, 186), "C": (253, 174, 97), "D": (215, 25, 28)}
#: Parcels with no value (or no grade): a quiet grey, drawn lighter.
MISSING_COLOUR = (189, 189, 189)
#: ColorBrewer YlGnBu, 9 classes: the sequential ramp classes are sampled from (the palest step is skipped so
#: the lowest class still shows against a blank map).
RAMP_ANCHORS = ("#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
FILL_ALPHA = 220
MISSING_ALPHA = 140
#: Parcel outline: a darker shade of the fill (this share of the fill's brightness).
LINE_SHADE = 0.55
PARK_FEATURE_FILL = [*PARK_FILL[:3], 18]
DASH = "—"
#: Decimals of the card's values and benchmarks (as the seeds publish them: 276.8 万元/亩, 44.85%).
CARD_DECIMALS = 2


# ----------------------------------------------------------------------------------------------------------
# Labels and units


def control_texts(lang: str = "zh") -> dict[str, tuple[int, str, list[str]]]:
    """What the scheme selector and the fit button show: ``{control: (column in CONTROL_COLUMNS, kind, texts)}``,
    kind ``select`` or ``button``.  (The colour-by selector has the widest column; the park selector shows data.)"""
    return {
        "scheme": (1, "select", [t(f"parks_map.scheme_name.{s}", lang) for s in SCHEMES]),
        "fit": (1, "button", [t("parks_map.fit", lang)]),
    }


def unit_label(metric: Metric | str, lang: str = "zh") -> str:
    """The metric's unit as shown (``万元/亩``), or ``""`` for a dimensionless metric."""
    key = metric if isinstance(metric, str) else metric.key
    unit = METRIC_UNITS.get(key)
    return t(f"parks_map.unit.{unit}", lang) if unit else ""


def metric_label(metric: Metric | str, lang: str = "zh", with_unit: bool = True) -> str:
    """``亩均投资强度（万元/亩）``: the metric's name, with its unit when it has one."""
    key = metric if isinstance(metric, str) else metric.key
    name = t(f"parks_map.metric.{key}", lang)
    unit = unit_label(key, lang)
    return t("parks_map.metric_with_unit", lang, metric=name, unit=unit) if with_unit and unit else name


def _decimals(values: Sequence[float]) -> int:
    """Decimals that keep ``values`` apart when printed: by magnitude, more when neighbours would merge."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    top = max(finite, default=0.0)
    start = 0 if top >= 100 else 1 if top >= 10 else 2
    for decimals in range(start, 5):
        printed = [f"{v:,.{decimals}f}" for v in values]
        if len(set(printed)) == len(set(values)):
            return decimals
    return 4


def format_value(value, unit: str = "", decimals: int | None = None) -> str:
    """``487.45 万元/亩``; ``—`` for a missing value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)) or pd.isna(value):
        return DASH
    value = float(value)
    decimals = _decimals([value]) if decimals is None else decimals
    text = f"{value:,.{decimals}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


# ----------------------------------------------------------------------------------------------------------
# Classification


@dataclass(frozen=True)
class Classification:
    """Classes of a value column, as mapclassify computed them.

    ``bins`` are the classes' upper bounds, ascending (class ``i`` holds ``bins[i-1] < v ≤ bins[i]``; the
    first class starts at ``lower``, the smallest value).  ``classes`` gives each input value's class, ``-1``
    where the value is missing.  ``labels`` are the legend texts with the unit; ``counts`` the values per class
    and ``missing`` the values without one.
    """

    scheme: str
    bins: tuple[float, ...]
    lower: float
    classes: np.ndarray
    counts: tuple[int, ...]
    labels: tuple[str, ...]
    missing: int

    @property
    def k(self) -> int:
        return len(self.bins)


def _class_labels(lower: float, bins: Sequence[float], unit: str) -> tuple[str, ...]:
    if not bins:
        return ()
    edges = [lower, *bins]
    decimals = _decimals(edges)
    if len(bins) == 1 and lower == bins[0]:
        return (format_value(lower, unit, decimals),)
    labels = []
    for low, high in itertools.pairwise(edges):
        labels.append(f"{format_value(low, '', decimals)} – {format_value(high, unit, decimals)}")
    return tuple(labels)


def _breaks(values: np.ndarray, k: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """``(bins, class of each value)`` for finite ``values`` with at least two distinct values."""
    with warnings.catch_warnings():
        # "Numba not installed" and "not enough unique values, setting k to …": both handled here.
        warnings.simplefilter("ignore", UserWarning)
        if scheme == "natural_breaks":
            if values.size > JENKS_SAMPLE:
                sample = np.quantile(values, np.linspace(0.0, 1.0, JENKS_SAMPLE))
                k = min(k, np.unique(sample).size)
                bins = mapclassify.FisherJenks(sample, k=k).bins
                binned = mapclassify.UserDefined(values, bins=list(bins))
                return np.asarray(binned.bins, dtype=float), np.asarray(binned.yb)
            classifier = mapclassify.FisherJenks(values, k=k)
        elif scheme == "quantiles":
            classifier = mapclassify.Quantiles(values, k=k)
        elif scheme == "equal_interval":
            classifier = mapclassify.EqualInterval(values, k=k)
        else:
            raise ValueError(f"unknown classification scheme {scheme!r}; expected one of {SCHEMES}")
    return np.asarray(classifier.bins, dtype=float), np.asarray(classifier.yb)


def classify(values, k: int = DEFAULT_CLASSES, scheme: str = DEFAULT_SCHEME, unit: str = "") -> Classification:
    """Class ``values`` into at most ``k`` classes with a mapclassify scheme (see :data:`SCHEMES`).

    Missing and infinite values get class ``-1``.  Fewer distinct values than ``k`` give one class per value;
    a constant column gives one class; no value at all gives no class.  ``unit`` (display text, e.g.
    ``万元/亩``) ends every label.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown classification scheme {scheme!r}; expected one of {SCHEMES}")
    array = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(array)
    classes = np.full(array.shape, -1, dtype=int)
    found = array[finite]
    if found.size == 0:
        return Classification(scheme, (), math.nan, classes, (), (), int(array.size))
    distinct = np.unique(found)
    if distinct.size == 1:
        bins, yb = np.array([distinct[0]]), np.zeros(found.size, dtype=int)
    else:
        bins, yb = _breaks(found, max(1, min(int(k), distinct.size)), scheme)
    classes[finite] = yb
    counts = tuple(int(n) for n in np.bincount(yb, minlength=len(bins)))
    lower = float(found.min())
    labels = _class_labels(lower, [float(b) for b in bins], unit)
    return Classification(scheme, tuple(float(b) for b in bins), lower, classes, counts, labels,
                          int((~finite).sum()))


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def ramp(k: int) -> list[tuple[int, int, int]]:
    """``k`` colours, light to dark, evenly sampled from the YlGnBu ramp (:data:`RAMP_ANCHORS`)."""
    anchors = np.array([_hex(c) for c in RAMP_ANCHORS], dtype=float)
    if k <= 0:
        return []
    positions = [4.5] if k == 1 else np.linspace(1.0, len(anchors) - 1.0, k)
    steps = np.arange(len(anchors))
    return [tuple(int(np.rint(np.interp(p, steps, anchors[:, c]))) for c in range(3)) for p in positions]


# ----------------------------------------------------------------------------------------------------------
# Data


def _keyed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``frame`` with plain text parcel ids and integer years (join keys of different dtypes)."""
    out = pd.DataFrame(frame[columns]).copy()
    out["parcel_id"] = out["parcel_id"].astype(str)
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    return out


def enterprise_parcels(parcels: pd.DataFrame, metrics: pd.DataFrame, grades: pd.DataFrame) -> gpd.GeoDataFrame:
    """Each enterprise unit of the evaluation year: its per-mu metrics, score, rank and grade, and its geometry.

    Parameters
    ----------
    parcels
        The ``park_parcels`` dataset (lon-lat geometry; one row per parcel and year).
    metrics
        The ``per_mu_enterprise`` indicator (the rows to keep: one evaluation year, maybe one county).
    grades
        The ``enterprise_grades`` indicator (``parcel_id, year, score, rank, rank_share, grade``).

    Returns
    -------
    GeoDataFrame
        ``metrics``' rows and columns plus ``score, rank, rank_share, grade`` and ``geometry`` (``None`` when
        the parcel has no geometry), in the order of ``metrics``.  The inputs are not modified.
    """
    keys = ["parcel_id", "year"]
    grade_columns = [c for c in ("score", "rank", "rank_share", "grade") if c in grades.columns]
    graded = _keyed(grades, [*keys, *grade_columns]).drop_duplicates(keys)
    shapes = _keyed(parcels, [*keys, "geometry"]).drop_duplicates(keys)
    # Join on text / integer copies of the keys: the tables' own key dtypes differ (engine vs. dataset).
    joined = _keyed(metrics, keys).rename(columns={"parcel_id": "_parcel", "year": "_year"})
    for right in (graded, shapes):
        joined = joined.merge(right.rename(columns={"parcel_id": "_parcel", "year": "_year"}),
                              on=["_parcel", "_year"], how="left")
    merged = pd.DataFrame(metrics).reset_index(drop=True)
    merged = pd.concat([merged, joined.drop(columns=["_parcel", "_year"])], axis=1)
    crs = getattr(parcels, "crs", None) or WGS84
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=crs)


def drawable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows with a non-empty geometry."""
    geoms = frame.geometry
    return frame[geoms.notna() & ~geoms.is_empty]


def focus_bounds(parks: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """What the map fits: the parts of ``parks`` that hold enterprise parcels, and the parcels themselves.

    A park is often several separate areas (a multipolygon) kilometres apart, with the enterprises in one of
    them; fitting every part would shrink the parcels to a few pixels.  Parks without any parcel are fitted
    whole; no parcel at all fits the parks.
    """
    parts = parks.geometry.explode(index_parts=False)
    parts = parts[parts.notna() & ~parts.is_empty]
    shapes = parcels.geometry[parcels.geometry.notna() & ~parcels.geometry.is_empty]
    if len(shapes):
        hit = parts.intersects(shapes.union_all())
        # Parks whose parcels lie elsewhere keep all their parts (e.g. an outdated outline).
        holders = hit.groupby(level=0).transform("any")
        parts = pd.concat([parts[hit], parts[~holders]])
        frames = [parts.total_bounds, shapes.total_bounds] if len(parts) else [shapes.total_bounds]
    else:
        frames = [parts.total_bounds]
    stacked = np.vstack(frames)
    return (float(stacked[:, 0].min()), float(stacked[:, 1].min()), float(stacked[:, 2].max()),
            float(stacked[:, 3].max()))


# ----------------------------------------------------------------------------------------------------------
# Colours, features and legends


def _shade(rgb: Sequence[int], factor: float = LINE_SHADE) -> list[int]:
    return [int(np.rint(v * factor)) for v in rgb[:3]]


def parcel_colours(frame: pd.DataFrame, colour_by: str = GRADE,
                   classification: Classification | None = None) -> list[tuple[int, int, int] | None]:
    """One RGB per row: the grade's colour, or the class's ramp colour; ``None`` when the value is missing."""
    if colour_by == GRADE:
        grades = frame["grade"] if "grade" in frame.columns else pd.Series([None] * len(frame))
        return [GRADE_COLOURS.get(str(g)) if isinstance(g, str) else None for g in grades]
    if classification is None:
        raise ValueError("colouring by a metric needs its classification")
    if len(classification.classes) != len(frame):
        raise ValueError("the classification does not match the rows")
    colours = ramp(classification.k)
    return [colours[c] if c >= 0 else None for c in classification.classes]


def parcel_features(frame: gpd.GeoDataFrame, colour_by: str = GRADE, classification: Classification | None = None,
                    datum: str = "wgs84") -> dict:
    """The enterprise parcels as GeoJSON for the deck.

    Each feature has ``name`` (the enterprise, as plain text), ``id`` (the parcel), ``fill``, ``line`` and
    ``width``; parcels without a value are grey and lighter.  ``classification`` (of ``frame``'s rows, in
    order) is required when ``colour_by`` is a metric key.  Rows without geometry are left out.
    """
    colours = parcel_colours(frame, colour_by, classification)
    keep = (frame.geometry.notna() & ~frame.geometry.is_empty).to_numpy()
    names = frame["enterprise_name"] if "enterprise_name" in frame.columns else pd.Series([None] * len(frame))
    ids = frame["enterprise_id"] if "enterprise_id" in frame.columns else pd.Series([None] * len(frame))
    props = []
    for parcel_id, name, enterprise_id, colour in zip(frame["parcel_id"], names, ids, colours, strict=True):
        label = name if isinstance(name, str) and name else enterprise_id if isinstance(enterprise_id, str) else DASH
        rgb = colour or MISSING_COLOUR
        props.append(
            {
                "id": str(parcel_id),
                "name": str(label),
                "fill": [*rgb, FILL_ALPHA if colour else MISSING_ALPHA],
                "line": [*_shade(rgb), 255],
                "width": 1,
            }
        )
    geoms = frame.geometry.values[keep]
    return feature_collection(geoms, [p for p, k in zip(props, keep, strict=True) if k], datum)


def park_outline_features(parks: pd.DataFrame, datum: str = "wgs84") -> dict:
    """Park boundaries (``name`` and ``id`` of the park), lightly filled so a click on empty park land picks it."""
    props = [
        {"id": str(park_id), "name": str(name), "line": PARK_LINE, "fill": PARK_FEATURE_FILL, "width": 2.5}
        for park_id, name in zip(parks["park_id"], parks["name"], strict=True)
    ]
    return feature_collection(parks.geometry.values, props, datum)


def grade_legend(frame: pd.DataFrame, lang: str = "zh") -> LegendGroup:
    """A/B/C/D with their colours and the number of parcels of each on the map (and "no data" if any)."""
    grades = frame["grade"] if "grade" in frame.columns else pd.Series([], dtype=object)
    counts = grades.value_counts()
    items = [
        LegendItem(t("parks_map.legend_count", lang, label=t(f"parks_map.grade_label.{g}", lang),
                     count=int(counts.get(g, 0))), rgb)
        for g, rgb in GRADE_COLOURS.items()
    ]
    missing = int(grades.isna().sum()) + int(len(frame) - len(grades))
    if missing:
        items.append(LegendItem(t("parks_map.legend_count", lang, label=t("parks_map.missing", lang), count=missing),
                                MISSING_COLOUR))
    return LegendGroup(t("parks_map.legend_grade", lang), tuple(items))


def metric_legend(classification: Classification, metric: Metric | str, lang: str = "zh") -> LegendGroup:
    """The classes of ``classification`` with their ramp colours, labels (with units) and counts."""
    title = t("parks_map.legend_metric", lang, metric=metric_label(metric, lang, with_unit=False),
              scheme=t(f"parks_map.scheme_name.{classification.scheme}", lang))
    items = [
        LegendItem(t("parks_map.legend_count", lang, label=label, count=count), rgb)
        for label, count, rgb in zip(classification.labels, classification.counts, ramp(classification.k),
                                     strict=True)
    ]
    if classification.missing:
        items.append(LegendItem(t("parks_map.legend_count", lang, label=t("parks_map.missing", lang),
                                  count=classification.missing), MISSING_COLOUR))
    return LegendGroup(title, tuple(items))


def park_legend(lang: str = "zh") -> LegendGroup:
    return LegendGroup(t("parks_map.legend_parks", lang),
                       (LegendItem(t("parks_map.legend_park_outline", lang), tuple(PARK_LINE[:3]), outline=True),))


# ----------------------------------------------------------------------------------------------------------
# The enterprise card


@dataclass(frozen=True)
class CardRow:
    """One metric of the card: the enterprise's value against its benchmark (``None``: missing / no benchmark).

    ``ratio`` is the engine's ``<key>_to_benchmark``; ``below`` is ``value < benchmark`` (``None`` when either
    is missing).
    """

    key: str
    column: str
    unit: str | None
    value: float | None
    benchmark: float | None
    ratio: float | None
    below: bool | None


@dataclass(frozen=True)
class EnterpriseCard:
    """What the card shows for one enterprise unit (a ``per_mu_enterprise`` row) and its grade."""

    parcel_id: str
    enterprise_id: str | None
    enterprise_name: str | None
    park_id: str | None
    park_name: str | None
    region_code: str | None
    region_name: str | None
    industry: str | None
    scale: str | None
    status: str | None
    year: int
    area_mu: float | None
    score: float | None
    rank: int | None
    ranked: int
    grade: str | None
    rows: tuple[CardRow, ...]


def _number(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _text(value) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def enterprise_card(parcel_id: str, metrics: pd.DataFrame, grades: pd.DataFrame,
                    profile: Profile) -> EnterpriseCard | None:
    """The card of parcel ``parcel_id``: each metric of :data:`METRICS` against the profile's benchmark, and
    the enterprise's score, city-wide rank and grade.

    ``metrics`` and ``grades`` are the ``per_mu_enterprise`` and ``enterprise_grades`` tables computed with
    ``profile``.  Returns ``None`` when no enterprise unit has that parcel id (e.g. a stale link).
    """
    match = metrics[metrics["parcel_id"].astype(str) == str(parcel_id)]
    if match.empty:
        return None
    row = match.iloc[0]
    year = int(row["year"])
    graded = grades[pd.to_numeric(grades["year"]) == year]
    mine = graded[graded["parcel_id"].astype(str) == str(parcel_id)]
    grade = mine.iloc[0] if not mine.empty else None
    rows = []
    for metric in METRICS:
        value = _number(row.get(metric.column))
        bench = benchmark_value(metric, profile)
        ratio_column = f"{metric.key}_to_benchmark"
        if bench is None:
            ratio = None
        elif ratio_column in row.index:
            ratio = _number(row[ratio_column])
        else:
            ratio = value / bench if value is not None and bench else None
        below = None if value is None or bench is None else bool(value < bench)
        rows.append(CardRow(metric.key, metric.column, METRIC_UNITS.get(metric.key), value, bench, ratio, below))
    return EnterpriseCard(
        parcel_id=str(row["parcel_id"]),
        enterprise_id=_text(row.get("enterprise_id")),
        enterprise_name=_text(row.get("enterprise_name")),
        park_id=_text(row.get("park_id")),
        park_name=_text(row.get("park_name")),
        region_code=_text(row.get("region_code")),
        region_name=_text(row.get("region_name")),
        industry=_text(row.get("industry")),
        scale=_text(row.get("scale")),
        status=_text(row.get("status")),
        year=year,
        area_mu=_number(row.get("area_mu")),
        score=None if grade is None else _number(grade["score"]),
        rank=None if grade is None or pd.isna(grade["rank"]) else int(grade["rank"]),
        ranked=len(graded),
        grade=None if grade is None else _text(grade["grade"]),
        rows=tuple(rows),
    )


def supply_link(parcel_id: str, parcels: pd.DataFrame, supplies: pd.DataFrame | None) -> tuple[str | None, str | None]:
    """The supply a park parcel was granted on (``park_parcels.supply_id``) and that supply's approval: the card's
    hops to the chain 批 → 供 → 用.  ``(None, None)`` when the parcel carries no supply id; the approval is
    ``None`` when the supply is not in ``supplies``."""
    if "supply_id" not in parcels.columns:
        return None, None
    ids = parcels.loc[parcels["parcel_id"].astype(str) == str(parcel_id), "supply_id"].dropna().astype(str)
    ids = ids[ids.str.strip() != ""]
    if ids.empty:
        return None, None
    supply = ids.iloc[-1]
    if supplies is None:
        return supply, None
    approval = supplies.loc[supplies["supply_id"].astype(str) == supply, "approval_id"]
    return supply, (str(approval.iloc[0]) if len(approval) else None)


def card_table(card: EnterpriseCard, lang: str = "zh") -> pd.DataFrame:
    """The card's metrics as text: indicator, value, benchmark, ratio and verdict, units on every number and
    ``—`` where a value is missing."""
    records = []
    for row in card.rows:
        unit = unit_label(row.key, lang)
        if row.below is None:
            verdict = t("parks_map.card.no_benchmark", lang) if row.benchmark is None else DASH
        else:
            verdict = t("parks_map.card.below" if row.below else "parks_map.card.above", lang)
        records.append(
            {
                "metric": t(f"parks_map.metric.{row.key}", lang),
                "value": format_value(row.value, unit, CARD_DECIMALS),
                "benchmark": format_value(row.benchmark, unit, CARD_DECIMALS),
                "ratio": DASH if row.ratio is None else t("parks_map.card.ratio_value", lang, ratio=f"{row.ratio:.2f}"),
                "compare": verdict,
            }
        )
    return pd.DataFrame(records, columns=["metric", "value", "benchmark", "ratio", "compare"])


# ----------------------------------------------------------------------------------------------------------
# Parks against the two published standards


#: Per-mu metrics the park comparison shows against the profile's benchmarks besides the two published standards.
OTHER_PARK_BENCHMARKS = ("tax_per_mu", "value_added_per_mu")


def park_comparison(per_mu_park: pd.DataFrame, profile: Profile, county: str | None = None) -> pd.DataFrame:
    """Each park's investment and output intensity against the profile's standards (280 / 400 万元/亩 in Yuxi).

    Returns ``park_id, park_name, region_code, region_name, year, enterprises_count, area_mu,
    invest_per_mu_wan, invest_benchmark, invest_below_benchmark, output_per_mu_wan, output_benchmark,
    output_below_benchmark`` and, for the profile's other per-mu benchmarks (:data:`OTHER_PARK_BENCHMARKS`),
    each metric column and its ``<key>_to_benchmark`` ratio, for the parks of ``county`` (every park when
    ``None``), by park id.
    """
    frame = pd.DataFrame(per_mu_park)
    if county is not None:
        frame = frame[frame["region_code"].astype(str) == str(county)]
    columns = ["park_id", "park_name", "region_code", "region_name", "year", "enterprises_count", "area_mu",
               "invest_per_mu_wan", "invest_below_benchmark", "output_per_mu_wan", "output_below_benchmark",
               *[c for key in OTHER_PARK_BENCHMARKS for c in (METRIC_BY_KEY[key].column, f"{key}_to_benchmark")]]
    out = frame[columns].sort_values("park_id").reset_index(drop=True)
    out.insert(out.columns.get_loc("invest_below_benchmark"), "invest_benchmark",
               benchmark_value(METRIC_BY_KEY["invest_per_mu"], profile))
    out.insert(out.columns.get_loc("output_below_benchmark"), "output_benchmark",
               benchmark_value(METRIC_BY_KEY["output_per_mu"], profile))
    return out
