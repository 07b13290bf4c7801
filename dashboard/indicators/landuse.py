"""Land-use status (土地利用现状, 三调): area by summary group and by class, and a check of published figures.

Parcel areas are summed in the engine per county and class code (``dlbm``): the result has at most a few
hundred rows however many parcels there are, and the code → summary-group mapping
(``data/reference/landuse_classes.csv``, data rather than code) is applied to that small result.  Summing
first and mapping after is exactly the same as joining parcels to the mapping, without sending a table to
the engine.  Codes missing from the mapping are kept as their own group 未归类 (unclassified), so regional
totals always equal the sum of parcel areas.

Areas are the surveyed parcel areas (TBMJ, ``area_m2``), as in official 三调 statistics.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.indicators import Context, indicator
from dashboard.indicators.common import filter_region, m2_to_mu, mu_to_ha, regions_frame, safe_ratio

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
CLASSES_CSV = REFERENCE_DIR / "landuse_classes.csv"
PUBLISHED_CSV = REFERENCE_DIR / "yuxi_landuse_published.csv"
UNCLASSIFIED = ("未归类", "Unclassified")
#: Row of the published table that holds the total (国土面积).
TOTAL_GROUP = "合计"
WAN = 1e4


def load_classes(path: Path = CLASSES_CSV) -> pd.DataFrame:
    """The 三调 class table ``dlbm, dlmc, group_zh, group_en, color``, codes as text, in file order."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def area_columns(area_m2: pd.Series) -> pd.DataFrame:
    """``area_m2`` with its conversions: ``area_ha``, ``area_wan_ha``, ``area_mu``, ``area_wan_mu``, ``area_km2``."""
    mu = m2_to_mu(area_m2.to_numpy(dtype=float))
    ha = mu_to_ha(mu)
    return pd.DataFrame(
        {"area_m2": area_m2.to_numpy(dtype=float), "area_ha": ha, "area_wan_ha": ha / WAN, "area_mu": mu,
         "area_wan_mu": mu / WAN, "area_km2": ha / 100.0},
        index=area_m2.index,
    )


def class_areas(ctx: Context) -> pd.DataFrame:
    """Parcel area and count per county and class code, summed in the engine (memoised in ``ctx.cache``).

    Returns ``county_code, dlbm, dlmc, group_zh, group_en, area_m2, parcels``; ``dlmc`` and the group come from
    the class table, ``dlmc`` falling back to the parcels' own name for codes the table lacks.
    """
    key = "_landuse_class_areas"
    if key not in ctx.cache:
        t = ctx.engine.table("landuse")
        aggregates = {"area_m2": t.area_m2.sum(), "parcels": t.count()}
        if "dlmc" in t.columns:  # optional in the contract
            aggregates["dlmc_data"] = t.dlmc.max()
        sums = ctx.engine.execute(t.group_by(["county_code", "dlbm"]).aggregate(**aggregates))
        classes = load_classes()[["dlbm", "dlmc", "group_zh", "group_en"]]
        merged = sums.merge(classes, on="dlbm", how="left")
        if "dlmc_data" in merged.columns:
            merged["dlmc"] = merged["dlmc"].fillna(merged.pop("dlmc_data"))
        merged["group_zh"] = merged["group_zh"].fillna(UNCLASSIFIED[0])
        merged["group_en"] = merged["group_en"].fillna(UNCLASSIFIED[1])
        merged["area_m2"] = merged["area_m2"].astype(float)
        merged["parcels"] = merged["parcels"].astype("int64")
        ctx.cache[key] = merged
    return ctx.cache[key]


def _regional(ctx: Context, by_county: pd.DataFrame, key_rows: pd.DataFrame, sums: list[str]) -> pd.DataFrame:
    """Every region × every key row: county rows (zeros where a county has none) and city rows summed over counties.

    ``by_county`` has ``county_code``, the key columns of ``key_rows`` and additive ``sums``.  Rows come city
    first, then counties in code order; within a region, keys in the order of ``key_rows``.
    """
    keys = list(key_rows.columns)
    regions = regions_frame(ctx)
    counties = regions[regions["level"] == "county"].merge(key_rows, how="cross")
    counties = counties.merge(by_county.rename(columns={"county_code": "region_code"}), on=["region_code", *keys],
                              how="left")
    counties[sums] = counties[sums].fillna(0)
    city_sums = counties.groupby(keys, sort=False, dropna=False)[sums].sum().reset_index()
    city = regions[regions["level"] == "city"].merge(city_sums, how="cross")
    return pd.concat([city, counties], ignore_index=True)


def _with_areas_and_share(frame: pd.DataFrame) -> pd.DataFrame:
    """Area conversions, ``parcels`` and ``share_pct`` (of the region's total area) after the key columns."""
    total = frame.groupby("region_code")["area_m2"].transform("sum")
    out = pd.concat([frame.drop(columns=["area_m2", "parcels"]), area_columns(frame["area_m2"])], axis=1)
    out["parcels"] = frame["parcels"].astype("int64")
    out["share_pct"] = 100.0 * safe_ratio(out["area_m2"], total)
    return out


@indicator("landuse_structure")
def landuse_structure(ctx: Context) -> pd.DataFrame:
    """Area by 三调 summary group (耕地, 园地, 林地 …) per county and for the city.

    Formula: area of group g in region r = Σ TBMJ of parcels in r whose class code maps to g
    (``data/reference/landuse_classes.csv``); ``share_pct`` = area ÷ Σ area of all groups in r × 100.
    Every group of the class table appears for every region (zero where absent).

    Source: 第三次全国国土调查工作分类 and its summary groups; DOMAIN.md §1; seed 000 (玉溪 structure).

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, group_zh, group_en, area_m2, area_ha, area_wan_ha, area_mu,
        area_wan_mu, area_km2, parcels, share_pct``.
    """
    by_group = class_areas(ctx).groupby(["county_code", "group_zh", "group_en"], as_index=False)[
        ["area_m2", "parcels"]
    ].sum()
    # Every group of the class table in table order, then any unclassified codes.
    groups = load_classes()[["group_zh", "group_en"]].drop_duplicates()
    extra = by_group.loc[~by_group["group_zh"].isin(groups["group_zh"]), ["group_zh", "group_en"]].drop_duplicates()
    groups = pd.concat([groups, extra], ignore_index=True)
    frame = _regional(ctx, by_group, groups, ["area_m2", "parcels"])
    return filter_region(ctx, _with_areas_and_share(frame))


@indicator("landuse_by_class")
def landuse_by_class(ctx: Context) -> pd.DataFrame:
    """Area by 三调 class code (地类编码 dlbm, 地类名称 dlmc) per county and for the city.

    Formula: area of class c in region r = Σ TBMJ of parcels in r with ``dlbm`` = c; ``share_pct`` = area ÷ the
    region's total area × 100.  Codes found in any county appear for every region (zero where absent).

    Source: 第三次全国国土调查工作分类 (TD/T 1055-2019 附录); DOMAIN.md §1.

    Returns
    -------
    DataFrame
        ``region_code, region_name, level, dlbm, dlmc, group_zh, group_en, area_m2, area_ha, area_wan_ha,
        area_mu, area_wan_mu, area_km2, parcels, share_pct``, classes in code order.
    """
    areas = class_areas(ctx).sort_values(["dlbm", "county_code"])
    # One name per code (the class table's, or the parcels' for unknown codes) so the key is unique.
    names = areas.drop_duplicates("dlbm")[["dlbm", "dlmc", "group_zh", "group_en"]]
    by_class = areas[["county_code", "dlbm", "area_m2", "parcels"]].merge(names, on="dlbm")
    frame = _regional(ctx, by_class, names.reset_index(drop=True), ["area_m2", "parcels"])
    return filter_region(ctx, _with_areas_and_share(frame))


def _half_unit(text: str) -> float:
    """Half a unit of the last printed digit: the rounding error of a figure published as ``text``."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


def check_published_structure(published: pd.DataFrame) -> pd.DataFrame:
    """Check a published land-use structure against itself (pure function).

    Parameters
    ----------
    published
        Rows ``group_zh, group_en, area_wan_ha, share_pct`` as printed (strings, so the printed precision is
        known), one of them the total (``group_zh == "合计"``).

    Returns
    -------
    DataFrame
        ``group_zh, group_en, published_area_wan_ha, published_share_pct, implied_share_pct`` (area ÷ total ×
        100), ``remainder_area_wan_ha`` (total − all other groups, given for inconsistent rows), ``consistent``
        (the stated share agrees with area ÷ total within the rounding of both printed figures; for the total
        row: the groups add up to the total within their rounding).
    """
    area = published["area_wan_ha"].astype(float)
    share = published["share_pct"].astype(float)
    area_err = published["area_wan_ha"].map(_half_unit)
    share_err = published["share_pct"].map(_half_unit)
    is_total = published["group_zh"] == TOTAL_GROUP
    total = float(area[is_total].iloc[0])
    groups_sum = float(area[~is_total].sum())

    implied = 100.0 * area / total
    tolerance = share_err + 100.0 * area_err / total + 1e-9
    consistent = (implied - share).abs() <= tolerance
    sum_tolerance = float(area_err[~is_total].sum() + area_err[is_total].iloc[0]) + 1e-9
    consistent[is_total] = abs(groups_sum - total) <= sum_tolerance
    remainder = (total - (groups_sum - area)).where(~consistent & ~is_total)
    return pd.DataFrame(
        {
            "group_zh": published["group_zh"].to_numpy(),
            "group_en": published["group_en"].to_numpy(),
            "published_area_wan_ha": area.to_numpy(),
            "published_share_pct": share.to_numpy(),
            "implied_share_pct": implied.to_numpy(),
            "remainder_area_wan_ha": remainder.to_numpy(),
            "consistent": consistent.to_numpy(dtype=bool),
        }
    )


def _notes(row: pd.Series, groups_sum: float, total: float) -> tuple[str, str]:
    """Chinese and English explanation of one checked row."""
    if row["group_zh"] == TOTAL_GROUP:
        if row["consistent"]:
            return "各地类面积之和与总面积一致", "The groups add up to the total"
        gap = total - groups_sum
        return (f"各地类公布面积之和为{groups_sum:.2f}万公顷，与总面积相差{gap:.2f}万公顷",
                f"The published groups add up to {groups_sum:.2f} × 10,000 ha, {gap:.2f} × 10,000 ha short of the total")
    zh, en = "", ""
    if not row["consistent"]:
        area, share, implied = row["published_area_wan_ha"], row["published_share_pct"], row["implied_share_pct"]
        remainder = row["remainder_area_wan_ha"]
        remainder_share = 100.0 * remainder / total
        zh = f"公布面积{area:g}万公顷与占比{share:.2f}%不符（按面积应为{implied:.2f}%）"
        en = f"Published area {area:g} × 10,000 ha contradicts the stated {share:.2f}% (the area implies {implied:.2f}%)"
        if abs(remainder_share - share) < 0.01:
            zh += f"；总面积减其余地类为{remainder:.2f}万公顷（{remainder_share:.2f}%），与公布占比一致，{area:g}应为笔误"
            en += (f"; the total minus the other groups is {remainder:.2f} × 10,000 ha ({remainder_share:.2f}%), matching the "
                   f"stated share, so {area:g} is a misprint")
    if not row["matches_computed"] and not np.isnan(row["computed_area_wan_ha"]):
        zh += ("；" if zh else "") + f"数据计算面积为{row['computed_area_wan_ha']:.4f}万公顷"
        en += ("; " if en else "") + f"the data give {row['computed_area_wan_ha']:.4f} × 10,000 ha"
    return zh, en


@indicator("landuse_published_check")
def landuse_published_check(ctx: Context) -> pd.DataFrame:
    """Consistency of the published 玉溪 land-use structure with itself and with the computed structure.

    Formula: implied share = published area ÷ published total × 100, compared with the published share within
    the rounding of both printed figures; for an inconsistent group, the remainder = total − Σ other groups.
    ``computed_area_wan_ha`` is the city's area of the group from the parcels (:func:`landuse_structure`);
    ``matches_computed`` says whether it rounds to the published area.

    Source: seed 000 (玉溪 三调 structure; 其他土地 printed as "0.06万公顷, 4.29%"); DOMAIN.md §1;
    ``data/reference/yuxi_landuse_published.csv``.

    Returns
    -------
    DataFrame
        ``group, group_en, published_area_wan_ha, published_share_pct, implied_share_pct, remainder_area_wan_ha,
        computed_area_wan_ha, consistent, matches_computed, note_zh, note_en`` (city level; the last row is the
        total).
    """
    published = pd.read_csv(PUBLISHED_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    checked = check_published_structure(published)
    if ctx.engine.has("landuse"):
        # The published figures are the whole city's, whichever county is selected.
        areas = class_areas(ctx).groupby("group_zh")["area_m2"].sum()
        areas[TOTAL_GROUP] = areas.sum()
        checked["computed_area_wan_ha"] = checked["group_zh"].map(area_columns(areas)["area_wan_ha"])
    else:
        checked["computed_area_wan_ha"] = np.nan
    area_err = published["area_wan_ha"].map(_half_unit).to_numpy()
    checked["matches_computed"] = (
        (checked["computed_area_wan_ha"] - checked["published_area_wan_ha"]).abs() <= area_err + 1e-9
    )
    is_total = checked["group_zh"] == TOTAL_GROUP
    groups_sum = float(checked.loc[~is_total, "published_area_wan_ha"].sum())
    total = float(checked.loc[is_total, "published_area_wan_ha"].iloc[0])
    notes = [_notes(row, groups_sum, total) for _, row in checked.iterrows()]  # ten rows of a reference table
    checked["note_zh"] = [zh for zh, _ in notes]
    checked["note_en"] = [en for _, en in notes]
    checked = checked.rename(columns={"group_zh": "group"})
    columns = ["group", "group_en", "published_area_wan_ha", "published_share_pct", "implied_share_pct",
               "remainder_area_wan_ha", "computed_area_wan_ha", "consistent", "matches_computed", "note_zh",
               "note_en"]
    return checked[columns]
