"""The app's pages, declared as data: file, title key, icon, section, URL path and the datasets each reads.

``app.py`` registers exactly these with ``st.navigation`` (pages the visitor's role may not open are registered
hidden and answered with the login prompt: see ``dashboard.auth.can_view``); tests iterate the same list, so a
page cannot be added without being smoke-tested in AppTest and in the browser.

Every ``url_path`` equals its file's stem.  Streamlit treats an app with a ``pages/`` folder as a legacy app
until ``st.navigation`` first runs, so the very first request a new server sees is routed by file stem; a deep
link whose path differs from the stem would show "Page not found" before the frame takes over.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    """One registered page."""

    file: str  # path relative to the project root
    title_key: str  # i18n key of the page title
    icon: str  # Material icon name, rendered by Streamlit as ``:material/<icon>:``
    section_key: str  # i18n key of the navigation section
    url_path: str  # stable URL segment: the file's stem (see below)
    datasets: tuple[str, ...]  # datasets the page reads
    public: bool = False  # readable without a role (public summary pages); same as ``audience="public"``
    audience: str = ""  # who may open it: public / internal / analyst (see dashboard.auth); default from ``public``

    def __post_init__(self):
        audience = self.audience or ("public" if self.public else "internal")
        if audience not in ("public", "internal", "analyst"):
            raise ValueError(f"{self.file}: unknown audience {audience!r}")
        object.__setattr__(self, "audience", audience)
        object.__setattr__(self, "public", audience == "public")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "page.overview", "dashboard", "section.overview", "overview",
             ("regions", "arable_ledger", "approvals", "supplies", "idle_land", "park_parcels", "economy")),
    PageSpec("pages/meeting.py", "meeting.page_title", "co_present", "section.overview", "meeting",
             ("regions", "arable_ledger", "approvals", "supplies", "idle_land", "park_parcels", "economy", "control_lines")),
    PageSpec("pages/landuse.py", "page.landuse", "map", "section.landuse", "landuse",
             ("regions", "landuse", "control_lines")),
    PageSpec("pages/parks.py", "page.parks", "factory", "section.parks", "parks",
             ("parks", "park_parcels", "control_lines", "regions")),
    PageSpec("pages/arable.py", "page.arable", "agriculture", "section.arable", "arable",
             ("arable_ledger", "indicator_trades", "plan_quotas", "projects")),
    PageSpec("pages/stock_land.py", "page.stock_land", "hourglass_empty", "section.stock_land", "stock_land",
             ("approvals", "supplies", "idle_land")),
    PageSpec("pages/evaluation.py", "page.evaluation", "trending_up", "section.evaluation", "evaluation",
             ("economy", "supplies", "landuse", "regions")),
    PageSpec("pages/projects.py", "page.projects", "checklist", "section.projects", "projects",
             ("projects", "regions", "approvals", "supplies", "park_parcels", "parks", "idle_land", "arable_ledger")),
    PageSpec("pages/site_check.py", "page.site_check", "pin_drop", "section.projects", "site_check",
             ("control_lines", "landuse", "regions", "arable_ledger", "indicator_trades", "plan_quotas", "parks",
              "approvals", "supplies", "idle_land")),
    PageSpec("pages/data_manager.py", "page.data_manager", "database", "section.data", "data_manager",
             (), audience="analyst"),
    PageSpec("pages/data_contracts.py", "page.data_contracts", "schema", "section.data", "data_contracts",
             ()),
    PageSpec("pages/public_summary.py", "page.public_summary", "public", "section.public", "public_summary",
             ("regions", "landuse", "arable_ledger", "approvals", "supplies"), public=True),
)

SECTION_ORDER = (
    "section.overview",
    "section.landuse",
    "section.parks",
    "section.arable",
    "section.stock_land",
    "section.evaluation",
    "section.projects",
    "section.data",
    "section.public",
)


def page_spec(url_path: str) -> PageSpec:
    """The registered page whose URL segment is ``url_path``."""
    for spec in PAGES:
        if spec.url_path == url_path:
            return spec
    raise KeyError(url_path)


def page_link(spec: PageSpec) -> str:
    """The URL path that opens ``spec``: Streamlit serves the default (first) page at the root, not at its url_path."""
    return "" if spec == PAGES[0] else spec.url_path
