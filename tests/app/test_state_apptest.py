"""``components.state.hold_choice`` and ``hold_choices``: a select box or multiselect gets its choice through its
state on every run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _box_app():
    import streamlit as st

    from components.state import hold_choice

    options = st.session_state.get("options", ["a", "b", "c"])
    label = st.session_state.get("label", str.upper)
    kept = st.session_state.get("kept")  # a choice kept elsewhere (like the region)
    hold_choice("box", options, choice=kept, default="b")
    st.selectbox("box", options, key="box", format_func=label)


def test_default_first_then_the_users_choice_is_kept():
    at = AppTest.from_function(_box_app).run()
    assert at.selectbox(key="box").value == "b"  # no value yet: the default
    at.selectbox(key="box").set_value("c").run()
    at.session_state["label"] = str.title  # another language: new labels, same choice
    at.run()
    assert at.selectbox(key="box").value == "c" and at.selectbox(key="box").options == ["A", "B", "C"]
    assert not at.exception and not at.warning


def test_a_choice_no_longer_offered_falls_back_and_a_kept_choice_wins():
    at = AppTest.from_function(_box_app).run()
    at.selectbox(key="box").set_value("c").run()
    at.session_state["options"] = ["a", "b"]
    at.run()
    assert at.selectbox(key="box").value == "b"
    at.session_state["options"] = ["x", "y"]
    at.run()
    assert at.selectbox(key="box").value == "x"  # neither the value nor the default: the first option
    at.session_state["kept"] = "y"
    at.run()
    assert at.selectbox(key="box").value == "y"
    assert not at.exception


def _chips_app():
    import streamlit as st

    from components.state import hold_choices

    options = st.session_state.get("options", ["a", "b", "c"])
    hold_choices("chips", options, default=["b"])
    st.multiselect("chips", options, key="chips", format_func=st.session_state.get("label", str.upper))


def test_multiselect_keeps_its_values_still_offered_across_relabelling():
    at = AppTest.from_function(_chips_app).run()
    assert at.multiselect(key="chips").value == ["b"]  # the default first
    at.multiselect(key="chips").set_value(["a", "c"]).run()
    at.session_state["label"] = str.title
    at.run()
    assert at.multiselect(key="chips").value == ["a", "c"]
    at.session_state["options"] = ["c", "d"]
    at.run()
    assert at.multiselect(key="chips").value == ["c"]  # a value no longer offered is dropped
    assert not at.exception and not at.warning
