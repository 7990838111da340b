//! Gantt rules (B2): the critical path, and automatic scheduling along finish-to-start
//! dependencies — when a task moves later, the tasks waiting for it move after it, keeping
//! their length in working days; nothing is ever moved earlier. Pure, like `risk`.
//!
//! Dependencies are acyclic (the API refuses cycles), but these functions must not loop or
//! panic on bad input: a task inside a cycle is left where it is and never on the path.

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::NaiveDate;
use uuid::Uuid;

use crate::risk::WorkCalendar;

/// A task as the Gantt sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub id: Uuid,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    /// Tasks it waits for (finish-to-start).
    pub predecessors: Vec<Uuid>,
}

impl Bar {
    /// Working days from start to due (both counted), at least one; one without dates.
    pub fn length(&self, cal: &WorkCalendar) -> i64 {
        match (self.start, self.due) {
            (Some(s), Some(d)) if s <= d => cal.working_days(s, d).max(1),
            _ => 1,
        }
    }
}

/// The tasks in an order where every task comes after its predecessors (those in `bars`);
/// tasks in a cycle are left out. Ties keep the order of `bars`.
fn topological(bars: &[Bar]) -> Vec<usize> {
    let index: HashMap<Uuid, usize> = bars.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
    let mut waiting = vec![0usize; bars.len()];
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); bars.len()];
    for (i, b) in bars.iter().enumerate() {
        let mut seen = Vec::new();
        for p in &b.predecessors {
            if let Some(&j) = index.get(p)
                && j != i
                && !seen.contains(&j)
            {
                seen.push(j);
                waiting[i] += 1;
                successors[j].push(i);
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..bars.len()).filter(|i| waiting[*i] == 0).collect();
    let mut order = Vec::with_capacity(bars.len());
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &s in &successors[i] {
            waiting[s] -= 1;
            if waiting[s] == 0 {
                ready.push_back(s);
            }
        }
    }
    order
}

/// The critical path: the chain of dependent tasks whose lengths in working days add up to the
/// most, first task first. Of equally long chains, the one ending earliest in `bars` wins.
pub fn critical_path(bars: &[Bar], cal: &WorkCalendar) -> Vec<Uuid> {
    let order = topological(bars);
    let index: HashMap<Uuid, usize> = bars.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
    // Longest chain ending at each task, and where it came from.
    let mut best: Vec<Option<(i64, Option<usize>)>> = vec![None; bars.len()];
    for &i in &order {
        let mut from = None;
        let mut length = 0;
        for p in &bars[i].predecessors {
            if let Some(&j) = index.get(p)
                && let Some((l, _)) = best[j]
                && (l > length || (l == length && from.is_some_and(|f| j < f)))
            {
                length = l;
                from = Some(j);
            }
        }
        best[i] = Some((length + bars[i].length(cal), from));
    }
    let mut end = None;
    for (i, b) in best.iter().enumerate() {
        if let Some((l, _)) = b
            && end.is_none_or(|(el, _)| *l > el)
        {
            end = Some((*l, i));
        }
    }
    let mut path = Vec::new();
    let mut at = end.map(|(_, i)| i);
    while let Some(i) = at {
        path.push(bars[i].id);
        at = best[i].and_then(|(_, from)| from);
    }
    path.reverse();
    path
}

/// A task moved by automatic scheduling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub id: Uuid,
    pub start: NaiveDate,
    pub due: NaiveDate,
}

/// Moves `moved` to `start..=due` and every task that waits for it, directly or not, to start
/// on the first working day after its latest predecessor's due date when it would otherwise
/// start earlier — keeping its length in working days. Returns every task whose dates change
/// (the moved one first, then in dependency order): the preview a Gantt shows before the
/// change is accepted. Tasks without both dates neither move nor hold others back.
pub fn reschedule(
    bars: &[Bar],
    moved: Uuid,
    start: NaiveDate,
    due: NaiveDate,
    cal: &WorkCalendar,
) -> Vec<Shift> {
    let due = due.max(start);
    let mut dates: HashMap<Uuid, (Option<NaiveDate>, Option<NaiveDate>)> =
        bars.iter().map(|b| (b.id, (b.start, b.due))).collect();
    if !dates.contains_key(&moved) {
        return Vec::new();
    }
    dates.insert(moved, (Some(start), Some(due)));
    let mut changed: BTreeMap<usize, Shift> = BTreeMap::new();
    let order = topological(bars);
    for (rank, &i) in order.iter().enumerate() {
        let b = &bars[i];
        if b.id == moved {
            continue;
        }
        let (Some(s), Some(d)) = dates[&b.id] else {
            continue;
        };
        let earliest = b
            .predecessors
            .iter()
            .filter_map(|p| dates.get(p).and_then(|(_, pd)| *pd))
            .max()
            .map(|pd| cal.add_working_days(pd, 1));
        let Some(earliest) = earliest else { continue };
        if s >= earliest {
            continue;
        }
        let length = if s <= d {
            cal.working_days(s, d).max(1)
        } else {
            1
        };
        let new_start = earliest;
        let new_due = cal.add_working_days(new_start, length - 1);
        dates.insert(b.id, (Some(new_start), Some(new_due)));
        changed.insert(
            rank,
            Shift {
                id: b.id,
                start: new_start,
                due: new_due,
            },
        );
    }
    let mut out = Vec::with_capacity(changed.len() + 1);
    let before = bars.iter().find(|b| b.id == moved);
    if before.is_some_and(|b| b.start != Some(start) || b.due != Some(due)) {
        out.push(Shift {
            id: moved,
            start,
            due,
        });
    }
    out.extend(changed.into_values());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn bar(n: u128, start: &str, due: &str, preds: &[u128]) -> Bar {
        Bar {
            id: Uuid::from_u128(n),
            start: Some(d(start)),
            due: Some(d(due)),
            predecessors: preds.iter().map(|p| Uuid::from_u128(*p)).collect(),
        }
    }

    #[test]
    fn the_critical_path_is_the_longest_chain() {
        let cal = WorkCalendar::default();
        // 1 (5 days) → 2 (5) → 4 (1); 1 → 3 (10) → 4: the path goes through 3.
        let bars = [
            bar(1, "2026-11-30", "2026-12-04", &[]),
            bar(2, "2026-12-07", "2026-12-11", &[1]),
            bar(3, "2026-12-07", "2026-12-18", &[1]),
            bar(4, "2026-12-21", "2026-12-21", &[2, 3]),
        ];
        let ids: Vec<u128> = critical_path(&bars, &cal)
            .iter()
            .map(|u| u.as_u128())
            .collect();
        assert_eq!(ids, vec![1, 3, 4]);
    }

    #[test]
    fn moving_a_task_later_pushes_its_successors_keeping_their_length() {
        let cal = WorkCalendar::default();
        let bars = [
            bar(1, "2026-11-30", "2026-12-04", &[]),
            bar(2, "2026-12-07", "2026-12-09", &[1]),
            bar(3, "2026-12-21", "2026-12-22", &[2]),
        ];
        // Task 1 now ends Wednesday 9 Dec: task 2 starts Thursday 10 and keeps three working
        // days (to Monday 14); task 3 still starts after it and stays.
        let shifts = reschedule(
            &bars,
            Uuid::from_u128(1),
            d("2026-12-02"),
            d("2026-12-09"),
            &cal,
        );
        assert_eq!(
            shifts,
            vec![
                Shift {
                    id: Uuid::from_u128(1),
                    start: d("2026-12-02"),
                    due: d("2026-12-09")
                },
                Shift {
                    id: Uuid::from_u128(2),
                    start: d("2026-12-10"),
                    due: d("2026-12-14")
                },
            ]
        );
        // Moving it earlier moves nobody else.
        let shifts = reschedule(
            &bars,
            Uuid::from_u128(1),
            d("2026-11-23"),
            d("2026-11-27"),
            &cal,
        );
        assert_eq!(shifts.len(), 1);
    }

    #[test]
    fn a_cycle_neither_loops_nor_panics() {
        let cal = WorkCalendar::default();
        let bars = [
            bar(1, "2026-11-30", "2026-12-04", &[2]),
            bar(2, "2026-12-07", "2026-12-09", &[1]),
            bar(3, "2026-12-07", "2026-12-09", &[]),
        ];
        assert_eq!(critical_path(&bars, &cal), vec![Uuid::from_u128(3)]);
        let shifts = reschedule(
            &bars,
            Uuid::from_u128(3),
            d("2026-12-08"),
            d("2026-12-10"),
            &cal,
        );
        assert_eq!(shifts.len(), 1);
    }
}

#[cfg(test)]
mod properties {
    // Stated in their own words, not through the module's helpers.
    use super::{Bar, Shift, critical_path, reschedule};
    use crate::risk::WorkCalendar;
    use chrono::{Duration, NaiveDate};
    use proptest::prelude::*;
    use std::collections::HashMap;
    use uuid::Uuid;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default() + Duration::days(n)
    }

    /// Random DAGs: predecessors are earlier tasks; some tasks without dates.
    fn plan() -> impl Strategy<Value = Vec<Bar>> {
        prop::collection::vec(
            (
                prop::option::of((0i64..300, 0i64..30)),
                prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            ),
            1..25,
        )
        .prop_map(|rows| {
            let mut out: Vec<Bar> = Vec::new();
            for (i, (dates, preds)) in rows.into_iter().enumerate() {
                let predecessors = if i == 0 {
                    Vec::new()
                } else {
                    preds.iter().map(|ix| out[ix.index(i)].id).collect()
                };
                out.push(Bar {
                    id: Uuid::from_u128(i as u128 + 1),
                    start: dates.map(|(s, _)| day(s)),
                    due: dates.map(|(s, l)| day(s + l)),
                    predecessors,
                });
            }
            out
        })
    }

    fn calendar() -> impl Strategy<Value = WorkCalendar> {
        (
            prop::array::uniform7(any::<bool>()),
            prop::collection::vec(0i64..400, 0..8),
        )
            .prop_map(|(week, h)| WorkCalendar::new(week, h.into_iter().map(day), []))
    }

    proptest! {
        #[test]
        fn the_critical_path_is_a_chain_and_no_chain_is_longer(bars in plan(), cal in calendar()) {
            let path = critical_path(&bars, &cal);
            let by_id: HashMap<Uuid, &Bar> = bars.iter().map(|b| (b.id, b)).collect();
            prop_assert!(!path.is_empty());
            for w in path.windows(2) {
                prop_assert!(by_id[&w[1]].predecessors.contains(&w[0]), "not a chain");
            }
            let total: i64 = path.iter().map(|id| by_id[id].length(&cal)).sum();
            // The longest chain ending at each task, by plain recursion over the DAG.
            fn longest(id: Uuid, by_id: &HashMap<Uuid, &Bar>, cal: &WorkCalendar, memo: &mut HashMap<Uuid, i64>) -> i64 {
                if let Some(l) = memo.get(&id) { return *l; }
                let b = by_id[&id];
                let before = b.predecessors.iter().map(|p| longest(*p, by_id, cal, memo)).max().unwrap_or(0);
                let l = before + b.length(cal);
                memo.insert(id, l);
                l
            }
            let mut memo = HashMap::new();
            let best = bars.iter().map(|b| longest(b.id, &by_id, &cal, &mut memo)).max().unwrap_or(0);
            prop_assert_eq!(total, best);
        }

        #[test]
        fn rescheduling_leaves_no_violation_and_moves_nothing_earlier(
            bars in plan(), cal in calendar(), pick in any::<prop::sample::Index>(), s in 0i64..320, l in 0i64..30,
        ) {
            let moved = bars[pick.index(bars.len())].id;
            let shifts = reschedule(&bars, moved, day(s), day(s + l), &cal);
            let mut dates: HashMap<Uuid, (Option<NaiveDate>, Option<NaiveDate>)> =
                bars.iter().map(|b| (b.id, (b.start, b.due))).collect();
            for Shift { id, start, due } in &shifts {
                let (old_start, _) = dates[id];
                if *id != moved {
                    prop_assert!(old_start.is_some_and(|o| *start > o), "moved earlier or had no dates");
                }
                prop_assert!(start <= due);
                dates.insert(*id, (Some(*start), Some(*due)));
            }
            // Every successor of a task that moved (or of one that moved because of it) with
            // dates starts after its predecessors' due dates, unless it was not touched and
            // already started after them before.
            let touched: Vec<Uuid> = shifts.iter().map(|s| s.id).collect();
            for b in &bars {
                if !touched.contains(&b.id) && !b.predecessors.iter().any(|p| touched.contains(p)) {
                    continue;
                }
                let (Some(start), Some(_)) = dates[&b.id] else { continue };
                if b.id == moved { continue; }
                for p in &b.predecessors {
                    if let (_, Some(pd)) = dates[p] {
                        prop_assert!(start > pd, "finish-to-start violated: {} starts {} before {} ends {}", b.id, start, p, pd);
                    }
                }
            }
        }
    }
}
