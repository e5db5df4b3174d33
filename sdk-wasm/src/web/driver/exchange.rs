//! Calls to the Worker in flight: each is a [`Call`] and a few steps chained on promises —
//! a live access token first if it needs one, then `fetch`, then the body's text — and its
//! answer goes to [`api::then`]. The steps come back through the driver's one callback,
//! bound to `(tag, value)` with `tag = id · 4 + step`: no closure per request, no `async`.

use crate::prelude::*;

use super::super::api::{self, Call};
use super::super::convert::error_js;
use super::super::http::{self, Head};
use super::Driver;
use crate::error::SdkResult;
use alloc::rc::Rc;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A promise or a function, seen through the two methods used here.
    type Chain;
    /// `promise.then(onFulfilled, onRejected)` with plain functions.
    #[wasm_bindgen(method, js_name = then)]
    fn then_call(this: &Chain, on_fulfilled: &Function, on_rejected: &Function) -> JsValue;
    /// `f.bind(null, tag)`.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_tag(this: &Chain, this_arg: &JsValue, tag: u32) -> Function;
}

/// A caller's promise, settled once.
pub struct Reply {
    pub resolve: Function,
    pub reject: Function,
}

impl Reply {
    pub fn settle(self, result: SdkResult<JsValue>) {
        let _ = match result {
            Ok(value) => self.resolve.call1(&JsValue::NULL, &value),
            Err(e) => self.reject.call1(&JsValue::NULL, &error_js(&e)),
        };
    }
}

/// A call between its steps.
pub(super) struct Pending {
    id: u32,
    call: Call,
    /// `None` for the driver's own refreshes (their answer goes to the machine).
    reply: Option<Reply>,
    head: Option<Head>,
}

/// The steps a call's promises report, in a tag's low two bits.
const RESPONSE: u32 = 1;
const TEXT: u32 = 2;
const FAILED: u32 = 3;

impl Driver {
    /// Starts `call`, with a live access token first when it needs one.
    pub fn run(self: &Rc<Self>, call: Call, reply: Option<Reply>) {
        let id = self.next_call.get();
        // Ids stay below 2^30: `id · 4 + step` is an exact `u32` (and a JS number).
        self.next_call.set(id.wrapping_add(1) & 0x3fff_ffff);
        let bearer = call.bearer;
        let pending = Pending {
            id,
            call,
            reply,
            head: None,
        };
        super::with(&self.calls, |calls| calls.push(pending));
        match bearer {
            true => self.want(false, super::Wants::Call(id)),
            false => self.send(id, None),
        }
    }

    /// The access token call `id` waited for (or why there is none).
    pub(super) fn authorized(self: &Rc<Self>, id: u32, token: SdkResult<String>) {
        match token {
            Ok(token) => self.send(id, Some(&token)),
            Err(e) => self.finish_call(id, Err(e)),
        }
    }

    fn send(self: &Rc<Self>, id: u32, bearer: Option<&str>) {
        // Out of the table before `fetch`: a wrapped `fetch` may call back into the client.
        let request = self.with_call(id, |p| {
            let call = &p.call;
            (call.method, call.path.clone(), call.body.clone())
        });
        let Some((method, path, body)) = request else {
            return;
        };
        match self.worker.fetch(method, &path, body.as_deref(), bearer) {
            Ok(promise) => self.then_step(&promise, id, RESPONSE),
            Err(e) => self.finish_call(id, Err(e)),
        }
    }

    fn with_call<T>(&self, id: u32, f: impl FnOnce(&mut Pending) -> T) -> Option<T> {
        super::with(&self.calls, |calls| {
            calls.iter_mut().find(|p| p.id == id).map(f)
        })
    }

    fn bound(&self, tag: u32) -> Function {
        let callback: &Chain = self.callback().unchecked_ref();
        callback.bind_tag(&JsValue::NULL, tag)
    }

    /// Has `promise` report to the callback as step `step` of call `id` (or as its failure).
    fn then_step(&self, promise: &Promise, id: u32, step: u32) {
        let promise: &Chain = promise.unchecked_ref();
        let _ = promise.then_call(&self.bound(id * 4 + step), &self.bound(id * 4 + FAILED));
    }

    /// A step of a call: its `Response`, its text, or a rejection (of either).
    pub(super) fn on_step(self: &Rc<Self>, tag: u32, value: &JsValue) {
        let id = tag / 4;
        let answer = match tag % 4 {
            RESPONSE => match http::read(&self.worker, value) {
                Ok((head, text)) => {
                    self.with_call(id, |p| p.head = Some(head));
                    return self.then_step(&text, id, TEXT);
                }
                Err(e) => Err(e),
            },
            TEXT => match self.with_call(id, |p| p.head.take()).flatten() {
                Some(head) => http::answer(&head, value),
                None => return,
            },
            _ => Err(http::unreachable()),
        };
        self.finish_call(id, answer);
    }

    fn finish_call(self: &Rc<Self>, id: u32, answer: SdkResult<JsValue>) {
        let pending = super::with(&self.calls, |calls| {
            let at = calls.iter().position(|p| p.id == id);
            at.map(|i| calls.swap_remove(i))
        });
        if let Some(p) = pending {
            let result = api::then(self, p.call.then, answer);
            if let Some(reply) = p.reply {
                reply.settle(result);
            }
        }
    }
}
