//! The other tabs: a BroadcastChannel per project, and the Web Locks API's exclusive lock.
//!
//! Web Locks come through a two-method binding of our own: web-sys has them only behind
//! `--cfg web_sys_unstable_apis`, which would have to be set for every build of the workspace.

use crate::prelude::*;

use core::cell::Cell;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The project's BroadcastChannel; `None` where it does not exist.
pub struct Bus(web_sys::BroadcastChannel);

impl Bus {
    /// Opens `name`; its `message` events go to `handler`.
    pub fn open(name: &str, handler: &Function) -> Option<Self> {
        // `Reflect.get`, not `Reflect.has`: one import fewer, and a `BroadcastChannel` that is
        // there but `undefined` is as good as none.
        let global = super::env::global();
        let exists = !crate::web::convert::get(&global, "BroadcastChannel").is_undefined();
        let channel = exists
            .then(|| web_sys::BroadcastChannel::new(name).ok())
            .flatten()?;
        // `onmessage` set as a property: the setter would be an import of its own.
        let _ = Reflect::set(&channel, &"onmessage".into(), handler);
        Some(Self(channel))
    }

    pub fn post(&self, data: &JsValue) {
        // A message that cannot be cloned is a bug of ours, not a reason to fail the caller.
        let _ = self.0.post_message(data);
    }

    pub fn close(&self) {
        let _ = Reflect::set(&self.0, &"onmessage".into(), &JsValue::NULL);
        self.0.close();
    }
}

#[wasm_bindgen]
extern "C" {
    type LockManager;
    #[wasm_bindgen(method, catch, structural)]
    fn request(
        this: &LockManager,
        name: &str,
        options: &JsValue,
        callback: &Function,
    ) -> Result<Promise, JsValue>;
}

/// `navigator.locks` with one named exclusive lock. The request's callback is the driver's
/// event handler: it gets the lock (an object with a `mode`), or `null` when it is taken, and
/// holds the lock until the promise it returns settles.
pub struct Locks {
    manager: LockManager,
    name: String,
    /// Resolving this ends the callback's promise: the browser frees the lock.
    release: Cell<Option<Function>>,
}

impl Locks {
    /// `None` where `navigator.locks` does not exist (older browsers, insecure contexts).
    pub fn open(name: String) -> Option<Self> {
        let navigator = Reflect::get(&super::env::global(), &"navigator".into()).ok()?;
        let manager = Reflect::get(&navigator, &"locks".into()).ok()?;
        manager.is_object().then(|| Self {
            manager: manager.unchecked_into(),
            name,
            release: Cell::new(None),
        })
    }

    /// Asks for the lock: at once or not at all (`wait: false`), or in the queue.
    /// `false` when the browser refused the request outright.
    pub fn request(&self, wait: bool, callback: &Function) -> bool {
        let options = Object::new();
        if !wait {
            let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
        }
        self.manager.request(&self.name, &options, callback).is_ok()
    }

    /// The promise to return from the callback that got the lock: held until [`Self::release`].
    pub fn hold(&self) -> Promise {
        Promise::new(&mut |resolve, _| self.release.set(Some(resolve)))
    }

    pub fn release(&self) {
        if let Some(resolve) = self.release.take() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::UNDEFINED);
        }
    }
}
