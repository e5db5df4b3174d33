// The popup's landing page: the provider put the id_token in the fragment (never sent to a
// server); hand it to the page that opened us (same origin only) and close.
const params = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
const message = { kind: "kith-demo-id-token", id_token: params.get("id_token"), state: params.get("state"), error: params.get("error") };
if (window.opener) {
  window.opener.postMessage(message, location.origin);
  window.close();
} else {
  document.getElementById("status").textContent = "Open this page from the demo's id_token button.";
}
