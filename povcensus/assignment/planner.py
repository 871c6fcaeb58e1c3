"""Automatic assignment of survey units to enumerator teams (pure: no ORM, no HTTP).

Input: villages (each with the households still to place, and the households of it
already assigned and kept, per team) and teams (the area they are posted to, the home
townships of their enumerators, their capacity over the fieldwork period and the
households they already hold).  Output: which team gets how many of each village's
households, the team of each village questionnaire, and the households nobody can take.

Invariants of every plan :func:`plan_assignment` returns:

* Cross-township rule (乡级交叉): no unit goes to a team one of whose enumerators has the
  unit's township as home township, and no unit goes outside the area its team is posted
  to.  There is no exception and no fallback that could break it.
* Capacity: no team's household load (kept + planned) exceeds its capacity.  Households no
  eligible team can take are reported as unplaced, never forced on a team.
* Balance: teams are grouped by the townships they may serve (connected groups); each
  group's *level* L is found by water-filling (every team is filled to L, or to its
  capacity if lower, or stays at its kept load if higher), targets are L rounded to whole
  households.  Each team's bounds are [⌈0.9·L⌉, ⌊1.1·L⌋] widened to include its target.
  When every team of a group may take every household of it and capacity suffices, every
  load ends within its bounds (the fill below reaches the targets exactly, and later moves
  keep both ends of every move inside the bounds).
* Villages whole where possible: a village goes to one team when it fits in a team's
  remaining room; otherwise it is split by filling teams one after the other, so that
  (in the case above) at most ``teams - 1`` villages are split by the fill; a second pass
  reunites split villages whenever a move keeps both teams within bounds.
* Determinism: the same input yields the same plan (ties are broken by codes and ids).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

TOLERANCE = 0.10


@dataclass(frozen=True)
class TeamSpec:
    id: int
    posted_prefix: str  # the code prefix of the township or county the team is posted to
    forbidden: frozenset[str]  # home townships of its enumerators (乡级交叉)
    capacity: int  # households over the fieldwork period (daily capacity × days)
    load: int = 0  # households assigned to it now (kept and movable)

    def may_serve(self, township: str) -> bool:
        return township.startswith(self.posted_prefix) and township not in self.forbidden


@dataclass(frozen=True)
class VillageSpec:
    code: str
    township: str
    units: Sequence[int] = ()  # households to place (ids), in the order they are handed out
    # team id → households of the village assigned to it now (kept and movable)
    kept: Mapping[int, int] = field(default_factory=dict)
    # team id → those of its households here it may give up to rebalance (a replan)
    movable: Mapping[int, Sequence[int]] = field(default_factory=dict)
    needs_village_unit: bool = False  # the village questionnaire is to be placed too


@dataclass
class Plan:
    villages: Sequence[VillageSpec]
    # Per village (same index as ``villages``): the households placed by the plan (its
    # ``units`` and any movable ones released to rebalance), and team id → how many of
    # them each team gets, in that order.
    units: list[list[int]]
    parts: list[dict[int, int]]
    kept: list[dict[int, int]]  # per village: team id → households staying where they are
    village_team: dict[str, int]  # village code → team of its village questionnaire
    unplaced: dict[int, int]  # village index → households nobody could take
    unplaced_villages: list[str]  # village questionnaires nobody could take
    loads: dict[int, int]  # team id → households (kept + planned)
    targets: dict[int, int]
    bounds: dict[int, tuple[int, int]]
    level: dict[int, float]  # team id → its group's level L (inf when capacity is short)

    def unit_teams(self) -> Iterator[tuple[int, int]]:
        """Yield (unit id, team id) for every planned household."""
        for units, parts in zip(self.units, self.parts, strict=True):
            start = 0
            for team_id, count in parts.items():
                for unit in units[start : start + count]:
                    yield unit, team_id
                start += count

    @property
    def unplaced_count(self) -> int:
        return sum(self.unplaced.values())

    def within_bounds(self, team_id: int) -> bool:
        low, high = self.bounds[team_id]
        return low <= self.loads[team_id] <= high

    def balanced_teams(self) -> list[int]:
        """Teams whose target is the level itself (not held down by capacity or up by kept load)."""
        return [
            t
            for t, target in self.targets.items()
            if math.isfinite(self.level[t]) and abs(target - self.level[t]) < 1
        ]

    def max_deviation(self) -> float:
        """Largest |load − L| / L over balanced teams (0.0 when there are none)."""
        worst = 0.0
        for t in self.balanced_teams():
            if self.level[t] > 0:
                worst = max(worst, abs(self.loads[t] - self.level[t]) / self.level[t])
        return worst

    def village_team_counts(self) -> list[int]:
        """Number of teams holding each village's households (kept and planned)."""
        counts = []
        for kept, parts in zip(self.kept, self.parts, strict=True):
            holders = {t for t, c in parts.items() if c} | {t for t, c in kept.items() if c}
            counts.append(len(holders))
        return counts


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _water_level(total: int, floors: list[int], ceilings: list[int]) -> float:
    """The level L with Σ clamp(L, floor_i, ceiling_i) = total (inf if even the ceilings fall short)."""
    if total >= sum(ceilings):
        return math.inf
    low, high = 0.0, float(max(ceilings) if ceilings else 0)
    for _ in range(64):
        middle = (low + high) / 2
        filled = sum(min(max(middle, f), c) for f, c in zip(floors, ceilings, strict=True))
        if filled < total:
            low = middle
        else:
            high = middle
    return high


def _targets(
    total: int, teams: list[TeamSpec], fixed: dict[int, int], tolerance: float
) -> tuple[float, dict[int, int], dict[int, tuple[int, int]]]:
    floors = [fixed[t.id] for t in teams]
    ceilings = [max(t.capacity, fixed[t.id]) for t in teams]
    level = _water_level(total, floors, ceilings)
    if math.isinf(level):
        targets = {t.id: c for t, c in zip(teams, ceilings, strict=True)}
        return level, targets, {t: (v, v) for t, v in targets.items()}
    base = math.floor(level + 1e-9)
    targets = {t.id: min(max(base, f), c) for t, f, c in zip(teams, floors, ceilings, strict=True)}
    remainder = total - sum(targets.values())
    ceiling_of = {t.id: c for t, c in zip(teams, ceilings, strict=True)}
    while remainder > 0:
        grew = False
        for t in sorted(teams, key=lambda s: (targets[s.id], s.id)):
            if remainder == 0:
                break
            if targets[t.id] < ceiling_of[t.id]:
                targets[t.id] += 1
                remainder -= 1
                grew = True
        if not grew:  # pragma: no cover - impossible: total < Σ ceilings here
            break
    low = math.ceil((1 - tolerance) * level - 1e-9)
    high = math.floor((1 + tolerance) * level + 1e-9)
    bounds = {
        t.id: (min(targets[t.id], low), max(targets[t.id], min(ceiling_of[t.id], high)))
        for t in teams
    }
    return level, targets, bounds


class _Planner:
    def __init__(
        self, villages: Sequence[VillageSpec], teams: Sequence[TeamSpec], tolerance: float
    ) -> None:
        self.villages = villages
        self.teams = {t.id: t for t in teams}
        self.tolerance = tolerance
        self.parts: list[dict[int, int]] = [{} for _ in villages]
        self.units: list[list[int]] = [list(v.units) for v in villages]
        self.kept: list[dict[int, int]] = [dict(v.kept) for v in villages]
        self.movable: list[dict[int, list[int]]] = [
            {t: list(units) for t, units in v.movable.items() if t in self.teams} for v in villages
        ]
        movable_count: dict[int, int] = defaultdict(int)
        for spare in self.movable:
            for t, units in spare.items():
                movable_count[t] += len(units)
        # What a team keeps whatever happens; its load at the start of the fill.
        self.fixed = {t.id: t.load - movable_count[t.id] for t in teams}
        self.start_load = {t.id: t.load for t in teams}
        self.loads = {t.id: t.load for t in teams}
        self.targets: dict[int, int] = {t.id: t.load for t in teams}
        self.bounds: dict[int, tuple[int, int]] = {t.id: (t.load, t.load) for t in teams}
        self.level: dict[int, float] = {t.id: math.inf for t in teams}
        self.unplaced: dict[int, int] = {}
        # team id → village index → households planned (for moves)
        self.holdings: dict[int, dict[int, int]] = defaultdict(dict)
        # Teams given an even share of one large village: they take nothing more in the fill.
        self.closed: set[int] = set()
        self.drift = 0  # Σ (load − target) of the closed teams of the current group

    # --- bookkeeping ---------------------------------------------------------------------

    def give(self, village: int, team: int, count: int) -> None:
        if count <= 0:
            return
        parts = self.parts[village]
        parts[team] = parts.get(team, 0) + count
        self.loads[team] += count
        held = self.holdings[team]
        held[village] = held.get(village, 0) + count

    def take(self, village: int, team: int, count: int) -> None:
        parts = self.parts[village]
        parts[team] -= count
        if parts[team] == 0:
            del parts[team]
        self.loads[team] -= count
        held = self.holdings[team]
        held[village] -= count
        if held[village] == 0:
            del held[village]

    def room(self, team: int) -> int:
        return 0 if team in self.closed else self.targets[team] - self.loads[team]

    # --- the plan --------------------------------------------------------------------------

    def run(self) -> Plan:
        by_township: dict[str, list[int]] = defaultdict(list)
        for index, village in enumerate(self.villages):
            by_township[village.township].append(index)
        townships = sorted(by_township)
        eligible = self._eligibility(townships)
        groups = self._groups(townships, eligible)
        for group_townships, group_teams in groups:
            self._plan_group(group_townships, group_teams, by_township, eligible)
        village_team, unplaced_villages = self._village_units(by_township, eligible)
        return Plan(
            villages=self.villages,
            units=self.units,
            parts=self.parts,
            kept=self.kept,
            village_team=village_team,
            unplaced=self.unplaced,
            unplaced_villages=unplaced_villages,
            loads=self.loads,
            targets=self.targets,
            bounds=self.bounds,
            level=self.level,
        )

    def _eligibility(self, townships: list[str]) -> dict[int, list[str]]:
        """Team id → townships (with units) it may serve, in code order."""
        by_prefix: dict[str, list[str]] = {}
        eligible: dict[int, list[str]] = {}
        for team in self.teams.values():
            prefix = team.posted_prefix
            if prefix not in by_prefix:
                start = bisect.bisect_left(townships, prefix)
                stop = start
                while stop < len(townships) and townships[stop].startswith(prefix):
                    stop += 1
                by_prefix[prefix] = townships[start:stop]
            eligible[team.id] = [x for x in by_prefix[prefix] if x not in team.forbidden]
        return eligible

    def _groups(
        self, townships: list[str], eligible: dict[int, list[str]]
    ) -> list[tuple[list[str], list[int]]]:
        links = _UnionFind()
        for township in townships:
            links.find(township)
        for served in eligible.values():
            for township in served[1:]:
                links.union(served[0], township)
        group_townships: dict[str, list[str]] = defaultdict(list)
        for township in townships:
            group_townships[links.find(township)].append(township)
        group_teams: dict[str, list[int]] = defaultdict(list)
        for team_id in sorted(eligible):
            if eligible[team_id]:
                group_teams[links.find(eligible[team_id][0])].append(team_id)
        return [(group_townships[root], group_teams[root]) for root in sorted(group_townships)]

    def _plan_group(
        self,
        townships: list[str],
        team_ids: list[int],
        by_township: dict[str, list[int]],
        eligible: dict[int, list[str]],
    ) -> None:
        if not team_ids:
            for township in townships:
                for v in by_township[township]:
                    if self.units[v]:
                        self.unplaced[v] = len(self.units[v])
            return
        teams = [self.teams[t] for t in team_ids]
        total = sum(len(self.units[v]) for x in townships for v in by_township[x]) + sum(
            t.load for t in teams
        )
        level, targets, bounds = _targets(total, teams, self.fixed, self.tolerance)
        for t in team_ids:
            self.targets[t], self.bounds[t], self.level[t] = targets[t], bounds[t], level
        self.drift = 0
        serves = {t: set(eligible[t]) for t in team_ids}
        self._shed(team_ids, townships, by_township)
        free = {x: sum(len(self.units[v]) for v in by_township[x]) for x in townships}

        # Most constrained townships first: least eligible room per household to place.
        def scarcity(township: str) -> tuple[float, str]:
            room = sum(self.room(t) for t in team_ids if township in serves[t])
            return (room / free[township] if free[township] else math.inf, township)

        order = sorted(townships, key=scarcity)
        remaining_choices = {t: len(serves[t]) for t in team_ids}
        leftovers: list[tuple[int, int]] = []
        for township in order:
            candidates = sorted(
                (t for t in team_ids if township in serves[t]),
                key=lambda t: (remaining_choices[t], t),
            )
            leftovers.extend(self._fill_township(by_township[township], candidates))
            for t in candidates:
                remaining_choices[t] -= 1
        for village, count in leftovers:
            self._place_leftover(village, count, team_ids, serves)
        self._make_room(team_ids, serves)
        self._lift_underfilled(team_ids, serves)
        self._reunite_villages(townships, by_township, serves)
        # Moves above may have freed room where households are still unplaced.
        group_villages = {v for township in townships for v in by_township[township]}
        for village in sorted(set(self.unplaced) & group_villages):
            self._place_leftover(village, self.unplaced.pop(village), team_ids, serves)
        self._make_room(team_ids, serves)

    def _shed(
        self, team_ids: list[int], townships: list[str], by_township: dict[str, list[int]]
    ) -> None:
        """Release movable households of teams above target (a replan), fewest-held villages first.

        Only the excess is released, so a replan of a balanced plan moves nothing.
        """
        group = [v for township in townships for v in by_township[township]]
        for t in team_ids:
            excess = self.loads[t] - self.targets[t]
            if excess <= 0:
                continue
            spare = sorted(
                (v for v in group if self.movable[v].get(t)),
                key=lambda v: (self.kept[v].get(t, 0), self.villages[v].code),
            )
            for v in spare:
                units = self.movable[v][t]
                count = min(excess, len(units))
                released = units[len(units) - count :]
                del units[len(units) - count :]
                self.units[v].extend(released)
                self.kept[v][t] -= count
                self.loads[t] -= count
                excess -= count
                if excess == 0:
                    break
            self.start_load[t] = self.loads[t]

    def _fill_township(self, villages: list[int], candidates: list[int]) -> list[tuple[int, int]]:
        """Place a township's villages: whole where they fit, then split next-fit."""
        rank = {t: i for i, t in enumerate(candidates)}
        open_rooms = sorted((self.room(t), rank[t], t) for t in candidates if self.room(t) > 0)
        deferred: list[int] = []
        for v in sorted(villages, key=lambda v: (-len(self.units[v]), self.villages[v].code)):
            size = len(self.units[v])
            if size == 0:
                continue
            chosen = None
            for team, _count in sorted(self.kept[v].items(), key=lambda kv: (-kv[1], kv[0])):
                if team in rank and self.room(team) >= size:
                    chosen = team
                    break
            if chosen is None and open_rooms and open_rooms[-1][0] >= size:
                chosen = open_rooms[bisect.bisect_left(open_rooms, (size, -1, -1))][2]
            if chosen is None:
                deferred.append(v)
                continue
            entry = (self.room(chosen), rank[chosen], chosen)
            open_rooms.pop(bisect.bisect_left(open_rooms, entry))
            self.give(v, chosen, size)
            if self.room(chosen) > 0:
                bisect.insort(open_rooms, (self.room(chosen), rank[chosen], chosen))
        deferred = self._split_evenly(deferred, candidates)
        # Next-fit: teams already started (smallest room first) then fresh ones by rank.
        fresh_room = {t: self.targets[t] - self.start_load[t] for t in candidates}
        order = sorted(
            (t for t in candidates if self.room(t) > 0),
            key=lambda t: (
                self.room(t) == fresh_room[t],
                self.room(t) if self.room(t) < fresh_room[t] else 0,
                rank[t],
            ),
        )
        leftovers = []
        cursor = 0
        for v in deferred:
            left = len(self.units[v])
            while left and cursor < len(order):
                team = order[cursor]
                take = min(self.room(team), left)
                self.give(v, team, take)
                left -= take
                if self.room(team) == 0:
                    cursor += 1
            if left:
                leftovers.append((v, left))
        return leftovers

    def _split_evenly(self, villages: list[int], candidates: list[int]) -> list[int]:
        """Give a village larger than a team to k fresh teams in near-equal whole shares.

        Each share keeps its team within bounds, and the team is then closed, so it works
        in that one village.  Shares differ from targets; the running difference
        (``drift``) stays within one team's slack so that the teams filled afterwards still
        end within bounds.  Returns the villages left for the next-fit.
        """
        fresh = [
            t
            for t in candidates
            if t not in self.closed and self.loads[t] == self.start_load[t] and self.room(t) > 0
        ]
        level = self.level[candidates[0]] if candidates else math.inf
        if not fresh or not math.isfinite(level) or level < 1:
            return villages
        limit = max(0, math.floor(0.1 * level))

        def split(v: int) -> tuple[int, list[int]] | None:
            size = len(self.units[v])
            guess = max(1, round(size / level))
            for k in (guess, guess + 1, guess - 1):
                if k < 1 or k > len(fresh):
                    continue
                base, extra = divmod(size, k)
                shares = [base + 1] * extra + [base] * (k - extra)
                if all(
                    self.bounds[t][0] <= self.loads[t] + share <= self.bounds[t][1]
                    for t, share in zip(fresh[:k], shares, strict=True)
                ):
                    return size - sum(self.room(t) for t in fresh[:k]), shares
            return None

        rest = list(villages)
        while rest and fresh:
            options = [(v, split(v)) for v in rest]
            scored = [
                (abs(self.drift + found[0]), v, found)
                for v, found in options
                if found is not None and abs(self.drift + found[0]) <= limit
            ]
            if not scored:
                break
            _score, v, (delta, shares) = min(scored, key=lambda item: (item[0], item[1]))
            for t, share in zip(fresh[: len(shares)], shares, strict=True):
                self.give(v, t, share)
                self.closed.add(t)
            del fresh[: len(shares)]
            self.drift += delta
            rest.remove(v)
        return rest

    def _place_leftover(
        self, village: int, count: int, team_ids: list[int], serves: dict[int, set[str]]
    ) -> None:
        township = self.villages[village].township
        able = [t for t in team_ids if township in serves[t]]
        for limit in (
            lambda t: self.bounds[t][1],
            lambda t: max(self.teams[t].capacity, self.fixed[t]),
        ):
            while count:
                spare = [(limit(t) - self.loads[t], -t) for t in able if limit(t) > self.loads[t]]
                if not spare:
                    break
                room, negative_id = max(spare)
                take = min(room, count)
                self.give(village, -negative_id, take)
                count -= take
        if count:
            self.unplaced[village] = self.unplaced.get(village, 0) + count

    def _make_room(self, team_ids: list[int], serves: dict[int, set[str]]) -> None:
        """Place unplaced households through a one-step exchange.

        A team that may take them hands households of another township to a team with
        spare capacity that may take those.
        """
        for village in sorted(self.unplaced):
            township = self.villages[village].township
            count = self.unplaced[village]
            progress = True
            while count and progress:
                progress = False
                for taker in team_ids:
                    if township not in serves[taker]:
                        continue
                    for held_village, held in sorted(self.holdings[taker].items()):
                        other = self.villages[held_village].township
                        if other == township:
                            continue
                        helper = next(
                            (
                                t
                                for t in team_ids
                                if t != taker
                                and other in serves[t]
                                and self.loads[t] < max(self.teams[t].capacity, self.fixed[t])
                            ),
                            None,
                        )
                        if helper is None:
                            continue
                        spare = max(self.teams[helper].capacity, self.fixed[helper])
                        move = min(count, held, spare - self.loads[helper])
                        self.take(held_village, taker, move)
                        self.give(held_village, helper, move)
                        self.give(village, taker, move)
                        count -= move
                        progress = True
                        break
                    if progress:
                        break
            if count:
                self.unplaced[village] = count
            else:
                del self.unplaced[village]

    def _lift_underfilled(self, team_ids: list[int], serves: dict[int, set[str]]) -> None:
        """Move households from teams above target to teams below their lower bound."""
        for under in team_ids:
            need = self.targets[under] - self.loads[under]
            if self.loads[under] >= self.bounds[under][0] or need <= 0:
                continue
            donors = sorted(
                (t for t in team_ids if self.loads[t] > self.targets[t]),
                key=lambda t: (self.targets[t] - self.loads[t], t),
            )
            for donor in donors:
                for village, held in sorted(self.holdings[donor].items()):
                    if need == 0 or self.loads[donor] <= self.targets[donor]:
                        break
                    if self.villages[village].township not in serves[under]:
                        continue
                    move = min(need, held, self.loads[donor] - self.targets[donor])
                    self.take(village, donor, move)
                    self.give(village, under, move)
                    need -= move

    def _reunite_villages(
        self, townships: list[str], by_township: dict[str, list[int]], serves: dict[int, set[str]]
    ) -> None:
        """Give a split village's smaller parts to its main team where bounds allow."""
        split = [
            v
            for township in townships
            for v in by_township[township]
            if len(set(self.parts[v]) | {t for t, c in self.kept[v].items() if c}) > 1
        ]
        split.sort(key=lambda v: (min(self.parts[v].values(), default=0), self.villages[v].code))
        for v in split:
            township = self.villages[v].township
            holding: dict[int, int] = defaultdict(int)
            for t, c in self.kept[v].items():
                holding[t] += c
            for t, c in self.parts[v].items():
                holding[t] += c
            main_candidates = [t for t in holding if t in serves and township in serves[t]]
            if not main_candidates:
                continue
            main = min(main_candidates, key=lambda t: (-holding[t], self.loads[t], t))
            for other, count in sorted(self.parts[v].items(), key=lambda kv: (kv[1], kv[0])):
                if other == main:
                    continue
                if (
                    self.loads[main] + count <= self.bounds[main][1]
                    and self.loads[other] - count >= self.bounds[other][0]
                ):
                    self.take(v, other, count)
                    self.give(v, main, count)

    def _village_units(
        self, by_township: dict[str, list[int]], eligible: dict[int, list[str]]
    ) -> tuple[dict[str, int], list[str]]:
        village_team: dict[str, int] = {}
        unplaced: list[str] = []
        village_units: dict[int, int] = defaultdict(int)
        serving: dict[str, list[int]] = defaultdict(list)
        for team_id, townships in eligible.items():
            for township in townships:
                serving[township].append(team_id)
        for township in sorted(by_township):
            for v in by_township[township]:
                village = self.villages[v]
                if not village.needs_village_unit:
                    continue
                holding: dict[int, int] = defaultdict(int)
                for t, c in self.kept[v].items():
                    holding[t] += c
                for t, c in self.parts[v].items():
                    holding[t] += c
                able = [t for t in holding if holding[t] and t in self.teams]
                able = [t for t in able if self.teams[t].may_serve(township)]
                if able:
                    team = min(able, key=lambda t: (-holding[t], self.loads[t], t))
                elif serving[township]:
                    team = min(
                        serving[township], key=lambda t: (village_units[t], self.loads[t], t)
                    )
                else:
                    unplaced.append(village.code)
                    continue
                village_team[village.code] = team
                village_units[team] += 1
        return village_team, unplaced


def plan_assignment(
    villages: Sequence[VillageSpec], teams: Sequence[TeamSpec], *, tolerance: float = TOLERANCE
) -> Plan:
    """Plan who surveys what; see the module docstring for the guarantees."""
    return _Planner(villages, teams, tolerance).run()


def round_robin(villages: Sequence[VillageSpec], teams: Sequence[TeamSpec]) -> list[int]:
    """Baseline for benchmarks: deal households to eligible teams in turn (no balance, no villages).

    Returns the team id of each household in village order (-1 when no team may take it).
    """
    by_prefix: dict[str, list[TeamSpec]] = defaultdict(list)
    for team in teams:
        by_prefix[team.posted_prefix].append(team)
    serving: dict[str, list[int]] = {}
    turn: dict[str, int] = defaultdict(int)
    result: list[int] = []
    for village in villages:
        able = serving.get(village.township)
        if able is None:
            able = serving[village.township] = sorted(
                t.id
                for length in range(1, len(village.township) + 1)
                for t in by_prefix.get(village.township[:length], ())
                if t.may_serve(village.township)
            )
        for _unit in village.units:
            if not able:
                result.append(-1)
                continue
            result.append(able[turn[village.township] % len(able)])
            turn[village.township] += 1
    return result
