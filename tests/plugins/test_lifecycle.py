"""Lifecycle state machine, fault policy and event bus order: the rules themselves."""

from __future__ import annotations

import pytest

from gui.hostapi.scope import EventRegistration
from gui.plugins import EventBus, FaultPolicy, IllegalTransition, PluginState
from gui.plugins.lifecycle import Lifecycle

S = PluginState


def test_normal_path_and_listeners():
    seen = []
    life = Lifecycle("p")
    life.subscribe(lambda name, old, new: seen.append((name, old, new)))
    for state in (S.LOADING, S.RUNNING, S.TRAPPED, S.RESTARTING, S.RUNNING, S.DISABLED):
        life.move(state)
    assert life.state is S.DISABLED
    assert seen[0] == ("p", S.INSTALLED, S.LOADING)
    assert len(seen) == 6


@pytest.mark.parametrize(("start", "bad"), [
    (S.INSTALLED, S.RUNNING),
    (S.RUNNING, S.QUARANTINED),
    (S.QUARANTINED, S.RUNNING),
    (S.DECLINED, S.RUNNING),
    (S.REMOVED, S.LOADING),
])
def test_illegal_transitions_raise_with_plugin_name(start, bad):
    life = Lifecycle("weather", start)
    with pytest.raises(IllegalTransition, match=r"plugin 'weather' cannot go from"):
        life.move(bad)
    assert life.state is start


def test_any_state_can_be_removed():
    for state in S:
        if state is not S.REMOVED:
            life = Lifecycle("p", state)
            heard = []
            life.subscribe(lambda name, old, new, heard=heard: heard.append((name, old, new)))
            life.move(S.REMOVED)
            assert life.state is S.REMOVED
            assert heard == [("p", state, S.REMOVED)]
            with pytest.raises(IllegalTransition):  # removed is the end
                life.move(S.LOADING)


def test_fault_policy_backoff_then_quarantine():
    policy = FaultPolicy()
    assert policy.decide([0.0], 0.0).restart_after == 1.0
    assert policy.decide([0.0, 10.0], 10.0).restart_after == 2.0
    third = policy.decide([0.0, 10.0, 20.0], 20.0)
    assert third.quarantine and third.restart_after is None
    # Traps older than five minutes no longer count.
    late = policy.decide([0.0, 10.0, 400.0], 400.0)
    assert not late.quarantine and late.restart_after == 1.0


def test_bus_runs_blocking_first_then_by_priority():
    bus = EventBus()
    regs = [
        EventRegistration("a", 1, "player-chat-event", "lowest", True),
        EventRegistration("b", 2, "player-chat-event", "highest", False),
        EventRegistration("c", 3, "player-chat-event", "highest", True),
        EventRegistration("d", 4, "player-chat-event", "normal", True),
        EventRegistration("e", 5, "player-join-event", "normal", True),
    ]
    for reg in regs:
        bus.add(reg)
    order = [r.plugin for r in bus.handlers("player-chat-event")]
    assert order == ["c", "d", "a", "b"]
    assert bus.remove_plugin("c") == 1
    assert [r.plugin for r in bus.handlers("player-chat-event")] == ["d", "a", "b"]
    assert [r.plugin for r in bus.handlers("player-join-event")] == ["e"]
