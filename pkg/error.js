// The one error class of kith-sdk, shared by the browser entry (./index.js) and the server
// entry (./server.js). It imports nothing, so the server entry pulls in no wasm.

/** An error from Kith: `code` is the Worker's error code or a client code. */
export class KithError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.name = "KithError";
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** Whether `e` is a KithError (also one from another copy of the package). */
export const isKithError = (e) => e instanceof KithError || (e instanceof Error && e.name === "KithError" && typeof e.code === "string");
