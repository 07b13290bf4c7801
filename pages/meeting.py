"""Page: 会议模式 — the overview's indicators one per screen in large type for a meeting, the region fixed, paging by
buttons or ← →, and the county briefing PDF."""

from components.frame import render_page_header
from components.meeting import SPEC, render_meeting

render_page_header(SPEC.title_key, SPEC.datasets)
render_meeting()
