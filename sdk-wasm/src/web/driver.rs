//! The driver: feeds the session machine with what happens in the page and performs what it
//! answers, through the ports in this module's siblings.
//!
//! Inputs are queued and handled one at a time (run to completion): an app listener that
//! calls back into the client while an event is being emitted only queues its input, so the
//! machine is never borrowed twice.
//!
//! The lists are `Cell`s taken and put back around code that cannot call out ([`with`]), and
//! the machine is only ever `try_borrow`ed: no `RefCell` panic path, whose message formatting
//! (`core::fmt::Formatter::pad`) would be ~1.5 KB of the wasm.

use crate::prelude::*;

mod exchange;

pub use exchange::Reply;

use super::convert::get_str;
use super::convert::{peer_js, read_peer, read_session, session_js, JsSession};
use super::env::{self, Timer};
use super::http::Worker;
use super::storage::Choice;
use super::tabs::{Bus, Locks};
use crate::error::{codes, SdkError, SdkResult};
use crate::flow::KeyValue;
use crate::machine::{Config, Coordination, Input, Machine, Output};
use crate::text::cat;
use alloc::collections::VecDeque;
use alloc::rc::{Rc, Weak};
use core::cell::{Cell, RefCell};
use exchange::Pending;
use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Who waits for a live session.
pub enum Wants {
    /// A caller's promise, resolved with the session.
    Session(Reply),
    /// A caller's promise, resolved with its access token only.
    Token(Reply),
    /// The call in flight with this id, which needs the access token.
    Call(u32),
}

struct Waiter {
    id: u32,
    wants: Wants,
}

pub struct Driver {
    pub worker: Worker,
    pub project_id: String,
    machine: RefCell<Machine<JsValue>>,
    queue: Cell<VecDeque<Input<JsValue>>>,
    running: Cell<bool>,
    disposed: Cell<bool>,
    store: super::storage::Store,
    key: String,
    emit: Function,
    bus: Option<Bus>,
    locks: Option<Locks>,
    timer: Timer,
    /// The one JS callback of the client: page events, channel messages, the timer, and the
    /// Web Lock's grant (see [`Driver::on_event`]). `Fn`, not `FnMut`: an event dispatched from
    /// inside an app listener may re-enter it, and the input queue makes that safe.
    handler: Closure<dyn Fn(JsValue, JsValue) -> JsValue>,
    waiters: Cell<Vec<Waiter>>,
    next_waiter: Cell<u32>,
    calls: Cell<Vec<Pending>>,
    next_call: Cell<u32>,
}

/// What `createClient` passes on.
pub struct Options {
    pub worker: Worker,
    pub project_id: String,
    pub storage: Choice,
    pub auto_refresh: bool,
    pub margin_ms: Option<u64>,
    pub emit: Function,
}

/// `f` on the value in `cell`, taken out and put back: for code that does not call out (a
/// re-entrant call would see the cell empty, and its change be overwritten).
fn with<T: Default, R>(cell: &Cell<T>, f: impl FnOnce(&mut T) -> R) -> R {
    let mut value = cell.take();
    let out = f(&mut value);
    cell.set(value);
    out
}

impl Driver {
    pub fn start(options: Options) -> Rc<Self> {
        let shared = options.storage.shared;
        let pid = options.project_id.as_str();
        let (bus_name, lock_name) = (cat(&["kith.", pid]), cat(&["kith.refresh.", pid]));
        let locks = shared.then(|| Locks::open(lock_name)).flatten();
        let driver = Rc::new_cyclic(|weak: &Weak<Driver>| {
            let weak = weak.clone();
            let handler = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(
                move |arg: JsValue, value: JsValue| {
                    weak.upgrade()
                        .map_or(JsValue::UNDEFINED, |d| d.on_event(arg, &value))
                },
            );
            let callback: &Function = handler.as_ref().unchecked_ref();
            let bus = shared.then(|| Bus::open(&bus_name, callback)).flatten();
            let coordination = match (&locks, &bus) {
                (Some(_), _) => Coordination::Locks,
                (None, Some(_)) => Coordination::Channel,
                (None, None) => Coordination::Solo,
            };
            let Options {
                worker,
                project_id,
                storage,
                auto_refresh,
                margin_ms,
                emit,
            } = options;
            let cfg = Config {
                auto_refresh,
                margin_ms,
                coordination,
            };
            let tab = u32::from_le_bytes(env::random_bytes().unwrap_or_default());
            Driver {
                worker,
                key: cat(&["kith.session.", project_id.as_str()]),
                project_id,
                machine: RefCell::new(Machine::new(cfg, tab, env::online(), env::visible())),
                queue: Cell::new(VecDeque::new()),
                running: Cell::new(false),
                disposed: Cell::new(false),
                store: storage.store,
                emit,
                bus,
                locks,
                timer: Timer::default(),
                handler,
                waiters: Cell::new(Vec::new()),
                next_waiter: Cell::new(1),
                calls: Cell::new(Vec::new()),
                next_call: Cell::new(1),
            }
        });
        env::listen(driver.callback(), true);
        let stored = driver.load().ok().flatten();
        driver.feed(Input::Loaded(stored));
        driver
    }

    fn callback(&self) -> &Function {
        self.handler.as_ref().unchecked_ref()
    }

    /// Everything the page tells the client: `undefined` (the timer), a page event, a channel
    /// message, the answer to a lock request (`null`: taken; a lock: ours, held until the
    /// promise returned here settles), or a step of a call in flight (a number, and its value).
    fn on_event(self: &Rc<Self>, arg: JsValue, value: &JsValue) -> JsValue {
        if let Some(tag) = arg.as_f64() {
            self.on_step(tag as u32, value);
            return JsValue::UNDEFINED;
        }
        let input = match get_str(&arg, "type").as_deref() {
            _ if arg.is_undefined() => Input::Tick,
            _ if arg.is_null() => Input::LockBusy,
            Some("online") => Input::Online(true),
            Some("offline") => Input::Online(false),
            Some("visibilitychange") => Input::Visible(env::visible()),
            Some("message") => {
                let data = super::convert::get(&arg, "data");
                match read_peer(&data, env::now_ms()) {
                    Some(peer) => Input::Peer(peer),
                    None => return JsValue::UNDEFINED,
                }
            }
            _ => match &self.locks {
                Some(locks) if !super::convert::get(&arg, "mode").is_undefined() => {
                    let held = locks.hold();
                    self.feed(Input::LockGranted);
                    return held.into();
                }
                _ => return JsValue::UNDEFINED,
            },
        };
        self.feed(input);
        JsValue::UNDEFINED
    }

    /// The stored session (a malformed one is no session).
    pub fn load(&self) -> SdkResult<Option<JsSession>> {
        let text = self.store.get(&self.key)?;
        let json = text.as_deref().and_then(super::convert::parse_json);
        Ok(json.and_then(|v| read_session(&v, 0)))
    }

    pub fn save(&self, session: Option<&JsSession>) -> SdkResult<()> {
        match session {
            Some(s) => self
                .store
                .set(&self.key, &super::convert::stringify(&session_js(s))),
            None => self.store.remove(&self.key),
        }
    }

    pub fn session(&self) -> Option<JsSession> {
        let machine = self.machine.try_borrow().ok()?;
        machine.session(env::now_ms()).cloned()
    }

    /// The session whatever its expiry.
    pub fn stored(&self) -> Option<JsSession> {
        self.machine.try_borrow().ok()?.stored().cloned()
    }

    /// Queues `input` and, unless already running, handles the queue to the end.
    pub fn feed(self: &Rc<Self>, input: Input<JsValue>) {
        if self.disposed.get() {
            return;
        }
        with(&self.queue, |q| q.push_back(input));
        if self.running.replace(true) {
            return;
        }
        loop {
            let Some(input) = with(&self.queue, VecDeque::pop_front) else {
                break;
            };
            let Ok(mut machine) = self.machine.try_borrow_mut() else {
                break;
            };
            let outputs = machine.handle(input, env::now_ms(), &mut env::BrowserRng);
            drop(machine);
            for output in outputs {
                self.perform(output);
            }
        }
        self.running.set(false);
        if !self.disposed.get() {
            if let Ok(machine) = self.machine.try_borrow() {
                let at = machine.wake_at();
                drop(machine);
                self.timer.arm(self.callback(), at, env::now_ms());
            }
        }
    }

    fn perform(self: &Rc<Self>, output: Output<JsValue>) {
        match output {
            Output::Emit(event, session) => {
                let session = session.as_ref().map_or(JsValue::NULL, session_js);
                let _ = self
                    .emit
                    .call2(&JsValue::NULL, &event.as_str().into(), &session);
            }
            // A session that cannot be stored still lives in this tab and reaches the others.
            Output::Persist(session) => drop(self.save(session.as_ref())),
            Output::Broadcast(peer) => {
                if let Some(bus) = &self.bus {
                    bus.post(&peer_js(&peer));
                }
            }
            Output::RequestLock { wait } => {
                let asked = self
                    .locks
                    .as_ref()
                    .is_some_and(|l| l.request(wait, self.callback()));
                if !asked {
                    // Refused outright: refresh alone (the Worker's grace keeps tabs consistent).
                    self.feed(Input::LockGranted);
                }
            }
            Output::ReleaseLock => {
                if let Some(locks) = &self.locks {
                    locks.release();
                }
            }
            Output::Refresh {
                request,
                refresh_token,
            } => {
                let body = [("refresh_token", Some(refresh_token.secret()))];
                let call = super::api::Call {
                    method: "POST",
                    path: "/api/auth/refresh".into(),
                    body: super::api::json_body(&body),
                    bearer: false,
                    then: super::api::Then::Refresh(request),
                };
                // Its answer goes to the machine, not to a caller.
                self.run(call, None);
            }
            Output::Settle(id, result) => self.settle(id, result),
        }
    }

    fn settle(self: &Rc<Self>, id: u32, result: Result<JsSession, SdkError>) {
        let waiter = with(&self.waiters, |waiters| {
            let at = waiters.iter().position(|w| w.id == id);
            at.map(|i| waiters.swap_remove(i))
        });
        let Some(w) = waiter else {
            return;
        };
        match (w.wants, result) {
            (Wants::Call(call), result) => self.authorized(call, result.map(|s| s.access_token)),
            (Wants::Token(r), result) => r.settle(result.map(|s| s.access_token.into())),
            (Wants::Session(r), result) => r.settle(result.map(|s| session_js(&s))),
        }
    }

    /// A live session (`force`: a new one) for `wants`.
    pub fn want(self: &Rc<Self>, force: bool, wants: Wants) {
        let id = self.next_waiter.get();
        self.next_waiter.set(id.wrapping_add(1));
        with(&self.waiters, |w| w.push(Waiter { id, wants }));
        if self.disposed.get() {
            let e = SdkError::new(codes::INVALID_REQUEST, "the client was disposed");
            self.settle(id, Err(e));
        }
        self.feed(Input::Want { id, force });
    }

    /// Releases listeners, the timer, the channel and the lock; the client does nothing after.
    pub fn dispose(&self) {
        self.disposed.set(true);
        self.timer.arm(self.callback(), None, 0);
        env::listen(self.callback(), false);
        if let Some(bus) = &self.bus {
            bus.close();
        }
        if let Some(locks) = &self.locks {
            locks.release();
        }
    }
}
