//! Kanban board arithmetic the web app needs without a browser: the cards of a column in board
//! order, where a card dropped at a place lands (and which neighbours to name to the server),
//! keyboard moves, and counts that follow live changes.

use std::collections::HashMap;

use tandem_dto::{TaskResponse, TaskStatus};
use uuid::Uuid;

/// The board's columns, in lifecycle order.
pub const COLUMNS: [TaskStatus; 4] = [
    TaskStatus::Todo,
    TaskStatus::InProgress,
    TaskStatus::InReview,
    TaskStatus::Done,
];

/// A move not yet confirmed by the server, shown at once (optimistic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub task: Uuid,
    pub status: TaskStatus,
    /// Right after this card (`None`: at the top, or after `before`'s predecessor)…
    pub after: Option<Uuid>,
    /// …or right before this one (`None` with `after` `None`: the end of the column).
    pub before: Option<Uuid>,
}

/// The ids of `status`'s cards among `cards`, in board order (rank, then id), with the
/// pending move applied.
pub fn column(cards: &[TaskResponse], status: TaskStatus, pending: Option<Pending>) -> Vec<Uuid> {
    let mut col: Vec<&TaskResponse> = cards
        .iter()
        .filter(|t| t.status == status && pending.is_none_or(|p| p.task != t.id))
        .collect();
    col.sort_by(|a, b| (&a.board_rank, a.id).cmp(&(&b.board_rank, b.id)));
    let mut ids: Vec<Uuid> = col.into_iter().map(|t| t.id).collect();
    if let Some(p) = pending.filter(|p| p.status == status) {
        let at = match (p.after, p.before) {
            (Some(a), _) => ids.iter().position(|i| *i == a).map(|i| i + 1),
            (None, Some(b)) => ids.iter().position(|i| *i == b),
            (None, None) => None,
        };
        match at {
            Some(i) => ids.insert(i, p.task),
            // A neighbour not loaded here: the end of what is shown.
            None => ids.push(p.task),
        }
    }
    ids
}

/// Dropping `task` into `target` (a column's ids, the card itself excluded) at `index`: the
/// neighbours to name (`after`, `before`).
pub fn neighbours(target: &[Uuid], task: Uuid, index: usize) -> (Option<Uuid>, Option<Uuid>) {
    let rest: Vec<Uuid> = target.iter().copied().filter(|i| *i != task).collect();
    let index = index.min(rest.len());
    let after = index.checked_sub(1).map(|i| rest[i]);
    let before = rest.get(index).copied();
    (after, before)
}

/// A keyboard step while a card is picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Up,
    Down,
    Left,
    Right,
}

/// Where a picked-up card is: its column and its place among the column's other cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spot {
    pub column: usize,
    pub index: usize,
}

/// The next spot after a keyboard step. `len(c)` is how many *other* cards column `c` holds.
/// Up and down stop at the column's ends; left and right keep the height where they can.
pub fn step(from: Spot, s: Step, len: impl Fn(usize) -> usize) -> Spot {
    let last = COLUMNS.len() - 1;
    match s {
        Step::Up => Spot {
            index: from.index.saturating_sub(1),
            ..from
        },
        Step::Down => Spot {
            index: (from.index + 1).min(len(from.column)),
            ..from
        },
        Step::Left | Step::Right => {
            let column = if s == Step::Left {
                from.column.saturating_sub(1)
            } else {
                (from.column + 1).min(last)
            };
            Spot {
                column,
                index: from.index.min(len(column)),
            }
        }
    }
}

/// A column's count as the board shows it: the server's count when the board was read, plus
/// the loaded cards that moved in since, minus those that moved out.
pub fn live_count(
    status: TaskStatus,
    counted: i64,
    read_as: &HashMap<Uuid, TaskStatus>,
    now: &[TaskResponse],
) -> i64 {
    let mut n = counted;
    for t in now {
        let was = read_as.get(&t.id).copied();
        if was == Some(status) && t.status != status {
            n -= 1;
        }
        if was != Some(status) && t.status == status {
            n += 1;
        }
    }
    n.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task_store::tests::task;

    fn card(n: u128, status: TaskStatus, rank: &str) -> TaskResponse {
        let mut t = task(1);
        t.id = Uuid::from_u128(n);
        t.status = status;
        t.board_rank = rank.into();
        t
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn columns_follow_rank_then_id_and_show_a_pending_move() {
        use TaskStatus::*;
        let cards = [
            card(1, Todo, "82"),
            card(2, Todo, "80"),
            card(3, Todo, "80"),
            card(4, InProgress, "80"),
        ];
        assert_eq!(column(&cards, Todo, None), [id(2), id(3), id(1)]);
        let p = Pending {
            task: id(4),
            status: Todo,
            after: Some(id(2)),
            before: Some(id(3)),
        };
        assert_eq!(column(&cards, Todo, Some(p)), [id(2), id(4), id(3), id(1)]);
        assert!(column(&cards, InProgress, Some(p)).is_empty());
        let top = Pending {
            after: None,
            before: Some(id(2)),
            ..p
        };
        assert_eq!(column(&cards, Todo, Some(top))[0], id(4));
        let end = Pending {
            after: None,
            before: None,
            ..p
        };
        assert_eq!(column(&cards, Todo, Some(end))[3], id(4));
    }

    #[test]
    fn neighbours_of_a_drop() {
        let col = [id(1), id(2), id(3)];
        assert_eq!(neighbours(&col, id(9), 0), (None, Some(id(1))));
        assert_eq!(neighbours(&col, id(9), 1), (Some(id(1)), Some(id(2))));
        assert_eq!(neighbours(&col, id(9), 3), (Some(id(3)), None));
        assert_eq!(neighbours(&col, id(9), 7), (Some(id(3)), None));
        // The card itself is not its own neighbour.
        assert_eq!(neighbours(&col, id(2), 1), (Some(id(1)), Some(id(3))));
        assert_eq!(neighbours(&[], id(2), 0), (None, None));
    }

    #[test]
    fn keyboard_steps_stay_on_the_board() {
        let len = |c: usize| [2, 0, 5, 1][c];
        let s = Spot {
            column: 0,
            index: 1,
        };
        assert_eq!(
            step(s, Step::Up, len),
            Spot {
                column: 0,
                index: 0
            }
        );
        assert_eq!(
            step(
                Spot {
                    column: 0,
                    index: 0
                },
                Step::Up,
                len
            )
            .index,
            0
        );
        assert_eq!(
            step(s, Step::Down, len),
            Spot {
                column: 0,
                index: 2
            }
        );
        assert_eq!(
            step(
                Spot {
                    column: 0,
                    index: 2
                },
                Step::Down,
                len
            )
            .index,
            2
        );
        assert_eq!(
            step(s, Step::Right, len),
            Spot {
                column: 1,
                index: 0
            }
        );
        assert_eq!(step(s, Step::Left, len), s);
        assert_eq!(
            step(
                Spot {
                    column: 3,
                    index: 1
                },
                Step::Right,
                len
            )
            .column,
            3
        );
        assert_eq!(
            step(
                Spot {
                    column: 1,
                    index: 0
                },
                Step::Right,
                len
            ),
            Spot {
                column: 2,
                index: 0
            }
        );
    }

    #[test]
    fn counts_follow_moves_of_loaded_cards() {
        use TaskStatus::*;
        let read: HashMap<Uuid, TaskStatus> = [(id(1), Todo), (id(2), Todo)].into();
        let now = [
            card(1, InProgress, "80"),
            card(2, Todo, "81"),
            card(3, Todo, "82"),
        ];
        assert_eq!(live_count(Todo, 7, &read, &now), 7); // one left, a new one came
        assert_eq!(live_count(InProgress, 0, &read, &now), 1);
    }
}
