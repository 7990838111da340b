//! The task store: every task this tab has seen, one copy each, kept current by live events
//! (newer versions only; the rules are `tandem_web_logic::task_store`, unit-tested natively).
//! Lists, the project pages and the task page read their tasks from here, so a change made
//! anywhere shows everywhere without a reload.

use leptos::prelude::*;
use tandem_dto::TaskResponse;
use tandem_web_logic::task_store::{Held, Outcome, TaskStore};
use uuid::Uuid;

#[derive(Clone, Copy)]
pub struct Tasks {
    store: RwSignal<TaskStore>,
    /// What the newest live event did, for views that do more than show a copy (a list
    /// reloads when a task appears; the project center reads its figures again).
    pub last: RwSignal<Option<Outcome>>,
}

impl Tasks {
    /// Provides the store for the signed-in shell and feeds it the live events.
    pub fn provide() -> Self {
        let tasks = Self {
            store: RwSignal::new(TaskStore::default()),
            last: RwSignal::new(None),
        };
        provide_context(tasks);
        if let Some(live) = super::live::use_live() {
            Effect::watch(
                move || live.event.get(),
                move |ev, _, _| {
                    let Some(ev) = ev else { return };
                    let mut out = Outcome::Ignored;
                    tasks
                        .store
                        .update(|s| out = s.apply(&ev.kind, &ev.data, ev.actor_id));
                    if out != Outcome::Ignored && out != Outcome::Stale {
                        tasks.last.set(Some(out));
                    }
                },
                false,
            );
        }
        tasks
    }

    /// Takes a copy read from the API (kept only when newer).
    pub fn put(&self, t: TaskResponse) {
        let mut changed = false;
        self.store.update_untracked(|s| changed = s.put(t));
        if changed {
            self.store.notify();
        }
    }

    pub fn put_all(&self, ts: impl IntoIterator<Item = TaskResponse>) {
        let mut changed = false;
        self.store.update_untracked(|s| changed = s.put_all(ts));
        if changed {
            self.store.notify();
        }
    }

    /// Forgets a task deleted in this tab.
    pub fn remove(&self, id: Uuid) {
        self.store.update(|s| s.remove(id));
    }

    /// The copy of `id` (tracked: the caller re-runs when it changes).
    pub fn held(&self, id: Uuid) -> Option<Held> {
        self.store.with(|s| s.get(id).cloned())
    }

    pub fn get_untracked(&self, id: Uuid) -> Option<TaskResponse> {
        self.store.with_untracked(|s| s.task(id).cloned())
    }

    pub fn is_deleted(&self, id: Uuid) -> bool {
        self.store.with(|s| s.is_deleted(id))
    }

    /// A task's copy that notifies only when the copy itself changes.
    pub fn watch(&self, id: Uuid) -> Memo<Option<TaskResponse>> {
        let store = self.store;
        Memo::new(move |_| store.with(|s| s.task(id).cloned()))
    }

    /// The held copies of `ids` in that order, without deleted ones (tracked).
    pub fn rows(&self, ids: &[Uuid]) -> Vec<TaskResponse> {
        self.store.with(|s| s.rows(ids))
    }
}

pub fn use_tasks() -> Tasks {
    expect_context()
}
