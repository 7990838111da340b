//! Uploads: several at once (three in flight, the rest waiting), each with its progress and
//! Cancel. Files up to 50 MiB go in one multipart request; bigger ones through tus in 8 MiB
//! pieces, so a dropped connection costs one piece at most: after a failure the server is
//! asked how far it got (HEAD) and the upload goes on from there — by itself when the tab is
//! back online or the network hiccup passes, or with the Resume button. A name already taken
//! in the folder asks first: a new version of that file, or keep both ("name (2)").

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tandem_dto::UploadState;
use tandem_web_logic::files::{RESUMABLE_ABOVE, free_name, next_piece, share, tus_metadata};
use tandem_web_logic::texts::Files as F;
use uuid::Uuid;

use super::Lib;
use crate::api::files::{InFlight, Sent};
use crate::api::{self, ApiError};

/// How many uploads are sent at the same time.
const PARALLEL: usize = 3;
/// Automatic retries after a network error while the tab is online (a server
/// restart, a proxy hiccup); counted since the last piece that got through.
const AUTO_RETRIES: u32 = 5;

#[derive(Clone, PartialEq)]
pub(crate) enum UpState {
    Waiting,
    Sending,
    /// The connection dropped; it goes on when it can (or with Resume).
    Paused,
    /// A network error while online: trying again in a moment.
    Retrying,
    /// The name is taken in the folder, by this file (`None`: by a folder).
    Clash(Option<Uuid>),
    Done(Uuid),
    Cancelled,
    Failed(ApiError),
}

#[derive(Clone, PartialEq)]
pub(crate) struct Item {
    pub id: u64,
    /// The name it is uploaded under ("keep both" changes it).
    pub name: String,
    pub size: f64,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub state: UpState,
    pub resumable: bool,
    /// A new version of an existing file rather than a new file.
    pub version_of: Option<Uuid>,
}

/// What an upload needs that the view does not: the file itself and where the bytes go.
struct Job {
    file: web_sys::File,
    project: Uuid,
    folder: Option<Uuid>,
    note: String,
    flight: InFlight,
    /// The tus upload's address, once created.
    location: Option<String>,
    cancelled: bool,
    retries: u32,
    /// Names known to be taken in the folder (lower-cased), for "keep both".
    taken: HashSet<String>,
}

#[derive(Clone, Copy)]
pub(crate) struct Uploads {
    pub items: RwSignal<Vec<Item>>,
    jobs: StoredValue<HashMap<u64, Job>, LocalStorage>,
    next: StoredValue<u64>,
    pub online: RwSignal<bool>,
    pub open: RwSignal<bool>,
}

impl Uploads {
    pub fn new() -> Self {
        Self {
            items: RwSignal::new(Vec::new()),
            jobs: StoredValue::new_local(HashMap::new()),
            next: StoredValue::new(1),
            // Followed through the window's `online` / `offline` events.
            online: RwSignal::new(true),
            open: RwSignal::new(true),
        }
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut Item)) {
        self.items.try_update(|v| {
            if let Some(it) = v.iter_mut().find(|it| it.id == id) {
                f(it);
            }
        });
    }

    fn set_state(&self, id: u64, state: UpState) {
        self.update(id, |it| it.state = state);
    }

    fn push(&self, job: Job, name: String, state: UpState, version_of: Option<Uuid>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        let size = job.file.size();
        self.jobs.update_value(|j| {
            j.insert(id, job);
        });
        self.items.update(|v| {
            v.push(Item {
                id,
                name,
                size,
                progress: 0.0,
                state,
                resumable: size > RESUMABLE_ABOVE,
                version_of,
            })
        });
        self.open.set(true);
    }

    /// New files for `folder`; `taken`: the names already there (lower-cased) and, for files,
    /// their ids.
    pub fn add(
        &self,
        lib: Lib,
        files: Vec<web_sys::File>,
        folder: Option<Uuid>,
        taken: HashMap<String, Option<Uuid>>,
    ) {
        let names: HashSet<String> = taken.keys().cloned().collect();
        for file in files {
            let name = file.name();
            let state = match taken.get(&name.to_lowercase()) {
                Some(existing) => UpState::Clash(*existing),
                None => UpState::Waiting,
            };
            let job = Job {
                file,
                project: lib.project,
                folder,
                note: String::new(),
                flight: InFlight::default(),
                location: None,
                cancelled: false,
                retries: 0,
                taken: names.clone(),
            };
            self.push(job, name, state, None);
        }
        self.pump(lib);
    }

    /// A new version of file `target`, with its note.
    pub fn add_version(&self, lib: Lib, file: web_sys::File, target: Uuid, note: String) {
        let name = file.name();
        let job = Job {
            file,
            project: lib.project,
            folder: None,
            note,
            flight: InFlight::default(),
            location: None,
            cancelled: false,
            retries: 0,
            taken: HashSet::new(),
        };
        self.push(job, name, UpState::Waiting, Some(target));
        self.pump(lib);
    }

    /// Starts waiting uploads while fewer than [`PARALLEL`] are under way.
    fn pump(&self, lib: Lib) {
        let start: Vec<u64> = self.items.with_untracked(|v| {
            let busy = v.iter().filter(|it| it.state == UpState::Sending).count();
            v.iter()
                .filter(|it| it.state == UpState::Waiting)
                .take(PARALLEL.saturating_sub(busy))
                .map(|it| it.id)
                .collect()
        });
        for id in start {
            self.set_state(id, UpState::Sending);
            let me = *self;
            spawn_local(async move { me.run(lib, id).await });
        }
    }

    async fn run(self, lib: Lib, id: u64) {
        let Some(item) = self
            .items
            .with_untracked(|v| v.iter().find(|it| it.id == id).cloned())
        else {
            return;
        };
        let res = if item.resumable {
            self.send_resumable(id, &item).await
        } else {
            self.send_plain(id, &item).await
        };
        let cancelled = self
            .jobs
            .try_with_value(|j| j.get(&id).is_some_and(|j| j.cancelled))
            .unwrap_or(true);
        if cancelled {
            return;
        }
        match res {
            Ok(file) => {
                self.update(id, |it| {
                    it.progress = 1.0;
                    it.state = UpState::Done(file);
                });
                self.jobs.try_update_value(|j| j.remove(&id));
                if item.version_of.is_some() {
                    lib.toaster.success(lib.tx.untracked(F::version_uploaded));
                }
                lib.touch();
            }
            Err(e) if e.code() == Some("name_taken") => {
                let existing = match &e {
                    ApiError::Problem(p) => p
                        .context
                        .as_ref()
                        .filter(|c| c.get("kind").and_then(|k| k.as_str()) != Some("folder"))
                        .and_then(|c| c.get("id")?.as_str()?.parse().ok()),
                    _ => None,
                };
                self.jobs.try_update_value(|j| {
                    if let Some(j) = j.get_mut(&id) {
                        j.taken.insert(item.name.to_lowercase());
                    }
                });
                self.set_state(id, UpState::Clash(existing));
            }
            Err(ApiError::Network(_)) => self.interrupted(lib, id),
            Err(e) => self.set_state(id, UpState::Failed(e)),
        }
        self.pump(lib);
    }

    /// A network error: offline, wait for the connection (the `online` event resumes); online,
    /// try again shortly, a few times.
    fn interrupted(&self, lib: Lib, id: u64) {
        let online = self.online.get_untracked();
        let retries = self
            .jobs
            .try_update_value(|j| {
                j.get_mut(&id).map(|j| {
                    j.retries += 1;
                    j.retries
                })
            })
            .flatten()
            .unwrap_or(u32::MAX);
        if !online || retries > AUTO_RETRIES {
            self.set_state(id, UpState::Paused);
            return;
        }
        self.set_state(id, UpState::Retrying);
        let me = *self;
        gloo_timers::callback::Timeout::new(1000 * retries.min(5), move || {
            let still = me
                .items
                .try_with_untracked(|v| {
                    v.iter()
                        .any(|it| it.id == id && it.state == UpState::Retrying)
                })
                .unwrap_or(false);
            if still {
                me.set_state(id, UpState::Waiting);
                me.pump(lib);
            }
        })
        .forget();
    }

    fn job<T>(&self, id: u64, f: impl FnOnce(&Job) -> T) -> Result<T, ApiError> {
        self.jobs
            .try_with_value(|j| j.get(&id).map(f))
            .flatten()
            .ok_or_else(|| ApiError::Network("cancelled".into()))
    }

    async fn send_plain(&self, id: u64, item: &Item) -> Result<Uuid, ApiError> {
        let (file, project, folder, note, flight) = self.job(id, |j| {
            (
                j.file.clone(),
                j.project,
                j.folder,
                j.note.clone(),
                j.flight.clone(),
            )
        })?;
        let me = *self;
        let report: Rc<dyn Fn(f64, f64)> = Rc::new(move |sent, total| {
            if total > 0.0 {
                me.update(id, |it| it.progress = (sent / total).min(0.99));
            }
        });
        let done = match item.version_of {
            Some(target) => api::files::upload_version(target, &file, &note, report, &flight).await,
            None => {
                api::files::upload_new(project, folder, &file, &item.name, report, &flight).await
            }
        }?;
        Ok(done.id)
    }

    /// tus: creates the upload once, then sends pieces from wherever the server says it is.
    async fn send_resumable(&self, id: u64, item: &Item) -> Result<Uuid, ApiError> {
        let (file, project, folder, note, flight, location) = self.job(id, |j| {
            (
                j.file.clone(),
                j.project,
                j.folder,
                j.note.clone(),
                j.flight.clone(),
                j.location.clone(),
            )
        })?;
        let length = file.size();
        let resumed = match &location {
            Some(l) => match api::files::tus_offset(l).await {
                Ok(offset) => Some((l.clone(), offset)),
                // Expired (a day without progress): start a new one.
                Err(e) if e.status() == Some(404) => None,
                // Every byte arrived but storing the file failed: say why.
                Err(e) if e.status() == Some(410) => {
                    let up = api::files::tus_status(l).await?;
                    return Err(failure(up.problem));
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        let (location, mut offset) = match resumed {
            Some(r) => r,
            None => {
                let project_id = project.to_string();
                let folder_id = folder.map(|f| f.to_string()).unwrap_or_default();
                let target = item.version_of.map(|t| t.to_string()).unwrap_or_default();
                let meta = if item.version_of.is_some() {
                    tus_metadata(&[
                        ("filename", &item.name),
                        ("file_id", &target),
                        ("note", note.trim()),
                    ])
                } else {
                    tus_metadata(&[
                        ("filename", &item.name),
                        ("project_id", &project_id),
                        ("folder_id", &folder_id),
                    ])
                };
                let l = api::files::tus_create(length, &meta).await?;
                self.jobs.try_update_value(|j| {
                    if let Some(j) = j.get_mut(&id) {
                        j.location = Some(l.clone());
                    }
                });
                (l, 0.0)
            }
        };
        let me = *self;
        me.update(id, |it| it.progress = share(offset, 0.0, length));
        while let Some((start, end)) = next_piece(offset, length) {
            if self.job(id, |j| j.cancelled)? {
                return Err(ApiError::Network("cancelled".into()));
            }
            let piece = file
                .slice_with_f64_and_f64(start, end)
                .map_err(api::js_error)?;
            let report: Rc<dyn Fn(f64, f64)> = Rc::new(move |sent, _| {
                me.update(id, |it| it.progress = share(start, sent, length).min(0.99));
            });
            match api::files::tus_send(&location, start, &piece, report, &flight).await {
                Ok(Sent::Done(file)) => return Ok(file),
                Ok(Sent::Offset(o)) => {
                    offset = o;
                    // A piece got through: the connection works again.
                    self.jobs.try_update_value(|j| {
                        if let Some(j) = j.get_mut(&id) {
                            j.retries = 0;
                        }
                    });
                }
                // The server holds another offset (a request it kept part of): go on from it.
                Err(e) if e.code() == Some("offset_mismatch") => {
                    offset = match server_offset(&e) {
                        Some(o) => o,
                        None => api::files::tus_offset(&location).await?,
                    };
                }
                Err(e) => return Err(e),
            }
        }
        // Every byte is there but the answer naming the file was lost: ask.
        let up = api::files::tus_status(&location).await?;
        match (up.state, up.file_id) {
            (UploadState::Done, Some(file)) => Ok(file),
            (UploadState::Failed, _) => Err(failure(up.problem)),
            _ => Err(ApiError::Network("upload not finished".into())),
        }
    }

    pub fn cancel(&self, id: u64) {
        let taken = self
            .jobs
            .try_update_value(|j| {
                j.get_mut(&id).map(|j| {
                    j.cancelled = true;
                    j.flight.stop();
                    j.location.take()
                })
            })
            .flatten()
            .flatten();
        // The server drops what it holds of it (tus termination).
        if let Some(location) = taken {
            spawn_local(async move {
                let _ = api::files::tus_cancel(&location).await;
            });
        }
        self.set_state(id, UpState::Cancelled);
    }

    /// Resume (a paused resumable upload goes on from the server's offset) or try again.
    pub fn retry(&self, lib: Lib, id: u64) {
        self.jobs.update_value(|j| {
            if let Some(j) = j.get_mut(&id) {
                j.retries = 0;
                j.cancelled = false;
            }
        });
        self.set_state(id, UpState::Waiting);
        self.pump(lib);
    }

    /// Keep both: the new file takes the first free "name (n)".
    pub fn keep_both(&self, lib: Lib, id: u64) {
        let Some(name) = self
            .items
            .with_untracked(|v| v.iter().find(|it| it.id == id).map(|it| it.name.clone()))
        else {
            return;
        };
        let fresh = self
            .jobs
            .try_update_value(|j| {
                j.get_mut(&id).map(|j| {
                    j.taken.insert(name.to_lowercase());
                    free_name(&name, &j.taken)
                })
            })
            .flatten()
            .unwrap_or(name);
        self.update(id, |it| {
            it.name = fresh;
            it.state = UpState::Waiting;
        });
        self.pump(lib);
    }

    /// Upload as a new version of the file that has the name.
    pub fn as_version(&self, lib: Lib, id: u64, existing: Uuid) {
        self.update(id, |it| {
            it.version_of = Some(existing);
            it.state = UpState::Waiting;
        });
        self.pump(lib);
    }

    pub fn clear_finished(&self) {
        let gone: Vec<u64> = self.items.with_untracked(|v| {
            v.iter()
                .filter(|it| matches!(it.state, UpState::Done(_) | UpState::Cancelled))
                .map(|it| it.id)
                .collect()
        });
        self.jobs.update_value(|j| {
            for id in &gone {
                j.remove(id);
            }
        });
        self.items.update(|v| v.retain(|it| !gone.contains(&it.id)));
    }

    fn active(&self) -> bool {
        self.items.with_untracked(|v| {
            v.iter().any(|it| {
                matches!(
                    it.state,
                    UpState::Waiting | UpState::Sending | UpState::Paused | UpState::Retrying
                )
            })
        })
    }

    /// Follows the connection: offline stops what is in flight (it would fail anyway) and
    /// pauses it; back online, paused uploads go on from where the server got to. Closing the
    /// tab with uploads under way asks first.
    pub fn watch_connection(&self, lib: Lib) {
        let me = *self;
        let offline = window_event_listener_untyped("offline", move |_| {
            me.online.set(false);
            me.jobs.with_value(|j| {
                for job in j.values() {
                    job.flight.stop();
                }
            });
        });
        let online = window_event_listener_untyped("online", move |_| {
            me.online.set(true);
            let paused: Vec<u64> = me.items.with_untracked(|v| {
                v.iter()
                    .filter(|it| matches!(it.state, UpState::Paused | UpState::Retrying))
                    .map(|it| it.id)
                    .collect()
            });
            for id in paused {
                me.retry(lib, id);
            }
        });
        let leaving = window_event_listener_untyped("beforeunload", move |ev| {
            if me.active() {
                ev.prevent_default();
            }
        });
        on_cleanup(move || {
            offline.remove();
            online.remove();
            leaving.remove();
            // Leaving the library stops its uploads; tus ones stay resumable on the server
            // for a day, but nothing here would resume them.
            me.jobs.try_with_value(|j| {
                for job in j.values() {
                    job.flight.stop();
                }
            });
        });
    }
}

fn server_offset(e: &ApiError) -> Option<f64> {
    match e {
        ApiError::Problem(p) => p.context.as_ref()?.get("offset")?.as_f64(),
        _ => None,
    }
}

fn failure(problem: Option<tandem_dto::Problem>) -> ApiError {
    match problem {
        Some(p) => ApiError::Problem(p),
        None => ApiError::Network("upload failed".into()),
    }
}
