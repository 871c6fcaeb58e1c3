"""The pure planner: the cross-township rule and capacity always hold; balance and whole
villages hold whenever every team may serve every household; plans are deterministic."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from povcensus.assignment.planner import (
    Plan,
    TeamSpec,
    VillageSpec,
    plan_assignment,
    round_robin,
)

COUNTY = "431299"
TOWNSHIPS = [f"{COUNTY}{n:03d}000" for n in (101, 102, 103, 104)]


def _villages(sizes_by_township: list[list[int]]) -> list[VillageSpec]:
    villages, next_id = [], 1
    for township, sizes in zip(TOWNSHIPS, sizes_by_township, strict=False):
        for index, size in enumerate(sizes):
            villages.append(
                VillageSpec(
                    code=f"{township[:9]}{201 + index:03d}",
                    township=township,
                    units=list(range(next_id, next_id + size)),
                    needs_village_unit=True,
                )
            )
            next_id += size
    return villages


def _check_invariants(plan: Plan, villages: list[VillageSpec], teams: list[TeamSpec]) -> None:
    by_id = {t.id: t for t in teams}
    township_of = {u: v.township for v in villages for u in v.units}
    placed = Counter(unit for unit, _team in plan.unit_teams())
    # Every unit planned at most once; planned + unplaced = all.
    assert all(n == 1 for n in placed.values())
    assert len(placed) + plan.unplaced_count == sum(len(v.units) for v in villages)
    for unit, team_id in plan.unit_teams():
        assert by_id[team_id].may_serve(township_of[unit]), "cross-township rule broken"
    for code, team_id in plan.village_team.items():
        assert by_id[team_id].may_serve(code[:9] + "000")
    for team in teams:
        assert plan.loads[team.id] <= max(team.capacity, team.load), "capacity exceeded"
        assert plan.loads[team.id] == team.load + sum(
            1 for _unit, t in plan.unit_teams() if t == team.id
        )
    # Households are left unplaced only when no team that may serve them has room.
    for index, count in plan.unplaced.items():
        township = villages[index].township
        assert count > 0
        for team in teams:
            if team.may_serve(township):
                assert plan.loads[team.id] >= team.capacity


team_strategy = st.builds(
    lambda posted, forbidden, capacity, load: (posted, forbidden, capacity, load),
    st.sampled_from(["county", "county", "township"]),
    st.sets(st.sampled_from(TOWNSHIPS[:3]), max_size=2),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=10),
)


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(
        st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=5),
        min_size=1,
        max_size=3,
    ),
    team_specs=st.lists(team_strategy, min_size=1, max_size=7),
)
def test_rule_and_capacity_always_hold(sizes: list[list[int]], team_specs: list[tuple]) -> None:
    villages = _villages(sizes)
    teams = [
        TeamSpec(
            id=index + 1,
            posted_prefix=COUNTY if posted == "county" else TOWNSHIPS[index % 3][:9],
            forbidden=frozenset(forbidden),
            capacity=capacity,
            load=load,
        )
        for index, (posted, forbidden, capacity, load) in enumerate(team_specs)
    ]
    plan = plan_assignment(villages, teams)
    _check_invariants(plan, villages, teams)
    again = plan_assignment(villages, teams)
    assert list(again.unit_teams()) == list(plan.unit_teams()), "plans must be deterministic"
    assert again.village_team == plan.village_team


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(
        st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=6),
        min_size=1,
        max_size=3,
    ),
    team_count=st.integers(min_value=1, max_value=9),
)
def test_balance_and_whole_villages_when_every_team_may_serve_everything(
    sizes: list[list[int]], team_count: int
) -> None:
    villages = _villages(sizes)
    teams = [
        TeamSpec(id=i + 1, posted_prefix=COUNTY, forbidden=frozenset(), capacity=10_000)
        for i in range(team_count)
    ]
    plan = plan_assignment(villages, teams)
    _check_invariants(plan, villages, teams)
    assert plan.unplaced_count == 0
    total = sum(len(v.units) for v in villages)
    level = total / team_count
    for team in teams:
        low = min(math.floor(level), math.ceil(0.9 * level - 1e-9))
        high = max(math.ceil(level), math.floor(1.1 * level + 1e-9))
        assert low <= plan.loads[team.id] <= high, (plan.loads, level)
        assert plan.within_bounds(team.id)
    split = sum(1 for holders in plan.village_team_counts() if holders > 1)
    assert split <= team_count - 1


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(
        st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5),
        min_size=1,
        max_size=3,
    ),
    team_count=st.integers(min_value=1, max_value=7),
    shift=st.integers(min_value=0, max_value=40),
)
def test_replan_moves_only_the_excess(sizes: list[list[int]], team_count: int, shift: int) -> None:
    """A plan fed back as movable is stable; an unbalanced one is brought back within bounds."""
    villages = _villages(sizes)
    teams = [
        TeamSpec(id=i + 1, posted_prefix=COUNTY, forbidden=frozenset(), capacity=10_000)
        for i in range(team_count)
    ]
    first = plan_assignment(villages, teams)
    holdings: dict[int, dict[int, list[int]]] = {}
    for index, (units, parts) in enumerate(zip(first.units, first.parts, strict=True)):
        start, holdings[index] = 0, {}
        for team, count in parts.items():
            holdings[index][team] = list(units[start : start + count])
            start += count
    # Optionally hand ``shift`` households of team 1 to team 2 to unbalance the plan.
    if team_count > 1:
        for index in holdings:
            moving = holdings[index].get(1, [])[:shift]
            holdings[index][1] = holdings[index].get(1, [])[len(moving) :]
            holdings[index].setdefault(2, []).extend(moving)
            shift -= len(moving)
    loads = Counter(t for per in holdings.values() for t, units in per.items() for _ in units)
    again = plan_assignment(
        [
            VillageSpec(
                code=v.code,
                township=v.township,
                kept={t: len(units) for t, units in holdings[i].items()},
                movable=holdings[i],
            )
            for i, v in enumerate(villages)
        ],
        [TeamSpec(t.id, t.posted_prefix, t.forbidden, t.capacity, loads[t.id]) for t in teams],
    )
    moved = list(again.unit_teams())
    excess = sum(max(0, loads[t.id] - again.targets[t.id]) for t in teams)
    assert len(moved) == excess  # only the excess over the targets is released
    assert all(again.within_bounds(t.id) for t in teams)
    if excess == 0:
        assert moved == []


def test_villages_that_fit_stay_whole_and_loads_are_equal() -> None:
    villages = _villages([[10, 10, 10, 10], [10, 10, 10, 10]])
    teams = [
        TeamSpec(id=i, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100)
        for i in (1, 2, 3, 4)
    ]
    plan = plan_assignment(villages, teams)
    assert all(holders == 1 for holders in plan.village_team_counts())
    assert sorted(plan.loads.values()) == [20, 20, 20, 20]
    assert plan.max_deviation() == 0.0
    # Each village questionnaire goes to the team holding the village's households.
    for index, village in enumerate(villages):
        (team,) = plan.parts[index]
        assert plan.village_team[village.code] == team


def test_team_never_gets_its_home_township_even_when_it_alone_has_room() -> None:
    villages = _villages([[20], [5]])
    home_a = TeamSpec(id=1, posted_prefix=COUNTY, forbidden=frozenset({TOWNSHIPS[0]}), capacity=100)
    small = TeamSpec(id=2, posted_prefix=COUNTY, forbidden=frozenset(), capacity=10)
    plan = plan_assignment(villages, [home_a, small])
    assert all(team != 1 for unit, team in plan.unit_teams() if unit <= 20)
    assert plan.loads[2] == 10
    assert plan.unplaced_count == 10  # township A's households beyond team 2's capacity
    assert plan.village_team[villages[0].code] == 2


def test_capacity_shortfall_is_reported_not_forced() -> None:
    villages = _villages([[50, 50]])
    teams = [
        TeamSpec(id=i, posted_prefix=COUNTY, forbidden=frozenset(), capacity=30) for i in (1, 2)
    ]
    plan = plan_assignment(villages, teams)
    assert plan.loads == {1: 30, 2: 30}
    assert plan.unplaced_count == 40


def test_kept_load_counts_towards_balance() -> None:
    """A team already holding 30 households gets none of 30 new ones; the others share them."""
    villages = _villages([[10, 10, 10]])
    teams = [
        TeamSpec(id=1, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100, load=30),
        TeamSpec(id=2, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100),
        TeamSpec(id=3, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100),
    ]
    plan = plan_assignment(villages, teams)
    assert plan.loads[1] == 30
    assert plan.loads[2] == plan.loads[3] == 15  # level 15: team 1 stays at its 30


def test_kept_households_draw_the_rest_of_their_village() -> None:
    """Team 2 already surveys 4 households of village A: A's 3 others go to it, not team 1."""
    a = VillageSpec(
        code=f"{TOWNSHIPS[0][:9]}201", township=TOWNSHIPS[0], units=[1, 2, 3], kept={2: 4}
    )
    b = VillageSpec(code=f"{TOWNSHIPS[0][:9]}202", township=TOWNSHIPS[0], units=[4, 5, 6])
    teams = [
        TeamSpec(id=1, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100, load=4),
        TeamSpec(id=2, posted_prefix=COUNTY, forbidden=frozenset(), capacity=100, load=4),
    ]
    plan = plan_assignment([a, b], teams)
    assert plan.parts == [{2: 3}, {1: 3}]


def test_team_posted_to_a_township_stays_there() -> None:
    villages = _villages([[6], [6]])
    teams = [
        TeamSpec(id=1, posted_prefix=TOWNSHIPS[0][:9], forbidden=frozenset(), capacity=100),
        TeamSpec(id=2, posted_prefix=TOWNSHIPS[1][:9], forbidden=frozenset(), capacity=100),
    ]
    plan = plan_assignment(villages, teams)
    assert plan.parts == [{1: 6}, {2: 6}]


def test_round_robin_baseline_respects_the_rule() -> None:
    villages = _villages([[4], [4]])
    teams = [
        TeamSpec(id=1, posted_prefix=COUNTY, forbidden=frozenset({TOWNSHIPS[0]}), capacity=9),
        TeamSpec(id=2, posted_prefix=COUNTY, forbidden=frozenset(), capacity=9),
    ]
    assert round_robin(villages, teams) == [2, 2, 2, 2, 1, 2, 1, 2]
