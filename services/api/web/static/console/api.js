/* Groundwork requester console: the REST client and small DOM helpers every console page shares.
 *
 * The console is a plain client of the public API: the requester's API key lives in
 * localStorage["gw.requester"] and goes out as a Bearer token, so the pages can do nothing the API would not
 * let any other client do. A 401 means the key is gone or revoked: forget it and go to the sign-in page.
 */
(function () {
  "use strict";

  const KEY = "gw.requester";
  const SIGNIN = "/console/signin";
  const GW = (window.GW = window.GW || {});

  GW.key = () => localStorage.getItem(KEY);
  GW.setKey = (value) => localStorage.setItem(KEY, value);
  GW.clearKey = () => localStorage.removeItem(KEY);

  /** An API error: HTTP status plus the body's {code, message, field}. */
  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || `request failed (${status})`);
      this.status = status;
      this.code = err.code || null;
      this.field = err.field || null;
      this.body = body;
    }
  }
  GW.ApiError = ApiError;

  function toSignin() {
    const next = location.pathname + location.search;
    location.replace(`${SIGNIN}?next=${encodeURIComponent(next)}`);
  }

  /** Send pages without a key to the sign-in page before they call anything. */
  GW.requireKey = function () {
    if (!GW.key()) {
      toSignin();
      return false;
    }
    return true;
  };

  /**
   * fetch() with the key. opts: json (a body to send as JSON), form (a FormData), key (use this key instead of
   * the stored one, for sign-in), raw (return the Response once it is OK), noRedirect (a 401 throws instead of
   * going to the sign-in page). Returns the parsed JSON, text for other bodies, null for 204.
   */
  GW.api = async function (method, path, opts = {}) {
    const key = opts.key || GW.key();
    const headers = { Accept: "application/json" };
    if (key) headers.Authorization = `Bearer ${key}`;
    let body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    let resp;
    try {
      resp = await fetch(path, { method, headers, body, signal: opts.signal });
    } catch (exc) {
      throw new ApiError(0, { error: { code: "network", message: "cannot reach the Groundwork API" } });
    }
    if (resp.status === 401 && !opts.noRedirect) {
      GW.clearKey();
      toSignin();
      throw new ApiError(401, await readBody(resp));
    }
    if (!resp.ok) throw new ApiError(resp.status, await readBody(resp));
    if (opts.raw) return resp;
    if (resp.status === 204) return null;
    return readBody(resp);
  };

  async function readBody(resp) {
    const type = resp.headers.get("Content-Type") || "";
    if (type.includes("json") && !type.includes("jsonlines")) {
      try { return await resp.json(); } catch (exc) { return null; }
    }
    return resp.text();
  }

  /** Which optional endpoints this server has, from its OpenAPI document (public, fetched once a page), so
   * pages never call an endpoint that is not there (each failed request is a console error). */
  let features = null;
  GW.hasEndpoint = async function (suffix, method = "get") {
    if (!features) {
      features = fetch("/api/v1/openapi.json").then((r) => (r.ok ? r.json() : { paths: {} }))
        .catch(() => ({ paths: {} }));
    }
    const doc = await features;
    return Object.entries(doc.paths || {}).some(([path, ops]) => path.endsWith(suffix) && ops[method]);
  };

  /* ---------- DOM helpers ---------- */

  /** el("div", {class: "x", onclick: f}, "text", child...) */
  GW.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "style" && typeof v === "object") {
        for (const [prop, val] of Object.entries(v)) {
          if (prop.startsWith("--")) node.style.setProperty(prop, val);
          else node.style[prop] = val;
        }
      }
      else if (v === true) node.setAttribute(k, "");
      else node.setAttribute(k, String(v));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  const el = GW.el;

  GW.$ = (sel, root) => (root || document).querySelector(sel);

  GW.toast = function (message, kind) {
    const box = document.getElementById("gw-toast");
    if (!box) return;
    box.textContent = message;
    box.className = `gw-toast ${kind || ""}`;
    box.hidden = false;
    clearTimeout(GW.toast._t);
    GW.toast._t = setTimeout(() => { box.hidden = true; }, 4000);
  };

  /* ---------- formatting ---------- */

  GW.usd = function (value) {
    if (value === null || value === undefined || value === "") return "—";
    const n = Number(value);
    if (!isFinite(n)) return String(value);
    if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
    return `$${n.toFixed(2)}`;
  };

  GW.duration = function (seconds) {
    if (seconds === null || seconds === undefined) return null;
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60 ? `${s % 60}s` : ""}`.trim();
    const h = Math.floor(m / 60);
    if (h < 48) return `${h}h ${m % 60}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  };

  GW.when = function (iso) {
    if (!iso) return "—";
    const t = new Date(iso);
    if (isNaN(t)) return iso;
    const ago = (Date.now() - t.getTime()) / 1000;
    if (ago < 45) return "just now";
    if (ago < 3600) return `${Math.round(ago / 60)} min ago`;
    if (ago < 86400) return `${Math.round(ago / 3600)} h ago`;
    return t.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  };
  GW.fullTime = (iso) => (iso ? new Date(iso).toLocaleString() : "");

  GW.pct = (x) => (x === null || x === undefined ? "—" : `${(Number(x) * 100).toFixed(1)}%`);

  GW.ACTIVE = new Set(["Initializing", "InProgress", "Stopping"]);

  const STATUS_TEXT = { InProgress: "In progress" };
  GW.badge = function (status) {
    return el("span", { class: `gw-badge s-${String(status || "").toLowerCase()}`, "data-status": status },
      STATUS_TEXT[status] || status || "—");
  };

  /** Labeled / failed / remaining of a job view's LabelCounters. */
  GW.counts = function (view) {
    const c = view.label_counters || {};
    const labeled = c.TotalLabeled || 0;
    const failed = c.FailedNonRetryableError || 0;
    const total = labeled + failed + (c.Unlabeled || 0);
    return { labeled, failed, total, human: c.HumanLabeled || 0, machine: c.MachineLabeled || 0 };
  };

  GW.progressBar = function (view, opts = {}) {
    const { labeled, failed, total } = GW.counts(view);
    const pl = total ? (100 * labeled) / total : 0;
    const pf = total ? (100 * failed) / total : 0;
    const bar = el("div", { class: `gw-progress ${opts.large ? "large" : ""}`, role: "progressbar",
      "aria-valuemin": 0, "aria-valuemax": total, "aria-valuenow": labeled },
    el("span", { class: "done", style: { width: `${pl}%` } }),
    el("span", { class: "failed", style: { width: `${pf}%` } }));
    const label = el("span", { class: "gw-progress-label" }, total ? `${labeled} / ${total}` : "—",
      failed ? el("span", { class: "muted" }, ` · ${failed} failed`) : null);
    return el("div", { class: "gw-progress-wrap" }, bar, label);
  };

  GW.eta = function (view) {
    if (!GW.ACTIVE.has(view.status)) return view.ended_at ? `ended ${GW.when(view.ended_at)}` : "—";
    if (view.status === "Stopping") return "draining";
    if (view.eta_seconds !== null && view.eta_seconds !== undefined) return `~${GW.duration(view.eta_seconds)}`;
    if (view.queue_depth) return "waiting for labelers";
    return "—";
  };

  GW.taskTypeName = function (type) {
    return String(type || "").split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ")
      .replace("Multilabel", "(multi-label)");
  };

  /** setInterval that skips a tick while the previous one is still running and while the tab is hidden. */
  GW.poll = function (fn, ms) {
    let busy = false;
    let stopped = false;
    const tick = async () => {
      if (busy || stopped || document.hidden) return;
      busy = true;
      try { await fn(); } catch (exc) { /* shown by fn */ } finally { busy = false; }
    };
    const id = setInterval(tick, ms);
    return { stop() { stopped = true; clearInterval(id); } };
  };

  /* ---------- frame ---------- */

  document.addEventListener("DOMContentLoaded", () => {
    const out = document.getElementById("gw-signout");
    if (out) {
      out.addEventListener("click", () => {
        GW.clearKey();
        location.href = SIGNIN;
      });
    }
    for (const a of document.querySelectorAll(".gw-nav a")) {
      if (a.getAttribute("href") === location.pathname) a.classList.add("active");
    }
  });
})();
