/* Groundwork worker portal: the REST client every portal page shares.
 * The labeler token lives in localStorage["gw.labeler"] and goes out as a Bearer token; API errors are JSON
 * ({"error": {"code", "message", "field"}}) and become ApiError with that message; a 401 means the token is
 * gone or revoked, so the worker is sent back to the sign-in page. */
(function () {
  "use strict";
  const KEY = "gw.labeler";

  class ApiError extends Error {
    constructor(status, code, message, field) {
      super(message);
      this.status = status;
      this.code = code;
      this.field = field;
    }
  }

  function token() { try { return localStorage.getItem(KEY); } catch (e) { return null; } }
  function setToken(value) { localStorage.setItem(KEY, value); }
  function clearToken() { localStorage.removeItem(KEY); }

  function signOut() {
    clearToken();
    try { sessionStorage.clear(); } catch (e) { /* private mode */ }
    location.href = "/portal/signin";
  }

  /** The server's clock minus ours (ms), from the Date header: lease countdowns use the server's time. */
  let skew = 0;
  function serverNow() { return Date.now() + skew; }

  /**
   * One API call. `path` is under /api/v1. Options: token (another token than the stored one), noRedirect (a
   * 401 throws instead of leaving the page), text (return the body as text), keepalive.
   * Returns the parsed JSON, the text, or null for 204.
   */
  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = { Accept: opts.text ? "text/html" : "application/json" };
    const t = opts.token || token();
    if (t) headers.Authorization = "Bearer " + t;
    const init = { method, headers, keepalive: !!opts.keepalive, credentials: "omit" };
    if (body !== undefined && body !== null) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch("/api/v1" + path, init);
    } catch (e) {
      throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
    }
    const date = Date.parse(res.headers.get("Date") || "");
    if (!isNaN(date) && Math.abs(date - Date.now()) > 5000) skew = date - Date.now();
    if (res.status === 401 && !opts.noRedirect) {
      clearToken();
      location.href = "/portal/signin?expired=1";
      throw new ApiError(401, "unauthorized", "Your session has ended. Please sign in again.");
    }
    if (res.status === 204) return null;
    const type = res.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await res.json().catch(() => null) : await res.text();
    if (!res.ok) {
      const err = data && data.error ? data.error : {};
      const message = err.message || (res.status >= 500 ? "The server had a problem. Please try again."
        : "Request failed (" + res.status + ")");
      throw new ApiError(res.status, err.code || String(res.status), message, err.field || null);
    }
    return data;
  }

  /** Pages that need a signed-in labeler call this first. */
  function requireSignIn() {
    if (!token()) {
      location.replace("/portal/signin");
      return false;
    }
    return true;
  }

  /** Builds an element: el("a", {href: "/", class: "x"}, "text", child). Text is never parsed as HTML. */
  function el(tag, attrs) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  let flashTimer = null;
  /** A message at the top of the page (kind: "error" | "info" | "ok"). */
  function flash(message, kind) {
    const box = document.getElementById("gw-flash");
    if (!box) return;
    box.textContent = message;
    box.className = "gw-flash gw-flash-" + (kind || "error");
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { box.hidden = true; }, kind === "error" ? 8000 : 4000);
  }

  /** Shows an API error next to a form (its [data-error] slot), naming the field when the API did. */
  function formError(form, err) {
    const slot = form.querySelector("[data-error]");
    form.querySelectorAll(".gw-invalid").forEach((n) => n.classList.remove("gw-invalid"));
    if (!err) { if (slot) slot.hidden = true; return; }
    if (err.field) {
      const name = String(err.field).split(".").pop();
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (input) { input.classList.add("gw-invalid"); input.focus(); }
    }
    if (slot) { slot.textContent = err.message; slot.hidden = false; } else flash(err.message);
  }

  /** Dollars with cents, and sub-cent digits only when there are some ($0.06, $0.0125). */
  function usd(value) {
    const n = Number(value || 0);
    const text = n.toFixed(4).replace(/(\.\d\d\d*?)0+$/, "$1");
    return "$" + text;
  }

  function percent(value) { return value === null || value === undefined ? "–" : Math.round(value * 100) + "%"; }

  const TYPES = {
    "image-classification": "Image classification",
    "image-classification-multilabel": "Image, multi-label",
    "text-classification": "Text classification",
    "text-classification-multilabel": "Text, multi-label",
    "bounding-box": "Bounding boxes",
    "semantic-segmentation": "Segmentation",
    "named-entity-recognition": "Named entities",
    "verification-bounding-box": "Verify boxes",
    "verification-semantic-segmentation": "Verify masks",
    "adjustment-bounding-box": "Adjust boxes",
    "adjustment-semantic-segmentation": "Adjust masks",
  };
  function typeName(t) { return TYPES[t] || t || ""; }

  /** A task object is shown as an image when it is a URL (a signed media link), as text otherwise. */
  function isUrl(value) { return typeof value === "string" && /^(https?:\/\/|\/api\/|\/static\/|blob:|data:image\/)/.test(value); }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-signout]").forEach((a) => {
      if (token()) a.hidden = false;
      a.addEventListener("click", (e) => { e.preventDefault(); signOut(); });
    });
  });

  window.GW = { api, ApiError, token, setToken, clearToken, signOut, requireSignIn, serverNow, el, flash, formError,
    usd, percent, typeName, isUrl };
})();
