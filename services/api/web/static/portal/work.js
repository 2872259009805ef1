/* The workspace: one task at a time in an iframe (the task's own UI from GET /work/<id>/ui), the next one leased
 * and preloaded in the background so it appears at once, a lease countdown that extends itself while the worker
 * is active, skip and decline. Answers arrive from the frame as postMessage({type: "crowd-submit", answer}). */
(function () {
  "use strict";
  const { api, el, serverNow, typeName } = window.GW;
  if (!window.GW.requireSignIn()) return;

  const params = new URLSearchParams(location.search);
  const jobId = Number(params.get("job"));
  const frame = document.getElementById("task-frame");
  const stageMsg = document.getElementById("stage-msg");
  const errorBox = document.getElementById("task-error");
  const leaseBox = document.getElementById("lease");
  const leaseTime = document.getElementById("lease-time");
  const moreTime = document.getElementById("more-time");
  const skipBtn = document.getElementById("skip");
  const leaveBtn = document.getElementById("leave");
  const STORE = `gw.work.${jobId}`;
  const DONE = `gw.done.${jobId}`;
  const EXTEND_BELOW_MS = 60_000; // under a minute left: the countdown turns red and an active worker's lease renews
  const ACTIVE_WITHIN_MS = 45_000;

  /** The task on screen: {task, html, leaseMs}; `prefetch` the promise of the next one, `prefetched` its value. */
  let current = null;
  let prefetch = null;
  let prefetched = null;
  let prefetchHolder = null; // {task} as soon as the background lease is granted, before its UI has arrived
  let busy = false;
  let noMore = false;
  let leaving = false;
  let extending = false;
  let lastExtend = 0;
  let lastActivity = Date.now();
  let reoffered = 0;
  const skippedObjects = new Set();
  let done = Number(sessionStorage.getItem(DONE) || 0);

  // ---- small helpers ------------------------------------------------------------------------------------------
  function expiresAt(task) { return Date.parse(String(task.lease_expires_at).replace(/(\.\d{3})\d+/, "$1")); }
  function remaining(item) { return expiresAt(item.task) - serverNow(); }
  function objectKey(task) { return `${task.job_id}:${task.input && task.input.datasetObjectId}`; }

  function showError(message) {
    errorBox.querySelector("[data-text]").textContent = message;
    errorBox.hidden = false;
  }
  function clearError() { errorBox.hidden = true; }
  errorBox.querySelector("[data-close]").addEventListener("click", clearError);

  function setDone(n) {
    done = n;
    sessionStorage.setItem(DONE, String(n));
    document.getElementById("done-count").textContent = String(n);
  }

  function message(nodes, kind) {
    frame.hidden = true;
    stageMsg.hidden = false;
    stageMsg.className = "gw-stage-msg" + (kind ? " gw-stage-" + kind : "");
    stageMsg.replaceChildren(...nodes);
  }

  function loading(text) {
    message([el("span", { class: "gw-spinner" }), el("p", { class: "gw-muted" }, text || "Loading the next task…")]);
  }

  function setControls(active) {
    skipBtn.disabled = !active;
    moreTime.disabled = !active;
    leaseBox.hidden = !active;
  }

  function setJob(title, type) {
    document.getElementById("job-title").textContent = title;
    document.title = `${title} · Groundwork`;
    const tag = document.getElementById("job-type");
    tag.textContent = typeName(type);
    tag.hidden = !type;
  }

  // ---- leasing and preloading -------------------------------------------------------------------------------
  /** Warm the browser cache with the images the task will show: its task object when it is a URL, and every
   * src in its rendered UI (an inert DOMParser document loads nothing by itself). */
  function preload(task, html) {
    const urls = new Set();
    const obj = task.input && task.input.taskObject;
    if (window.GW.isUrl(obj)) urls.add(obj);
    if (html) {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll("[src]:not(script):not(iframe)").forEach((n) => {
        const src = n.getAttribute("src");
        if (window.GW.isUrl(src)) urls.add(src);
      });
    }
    const images = [];
    urls.forEach((u) => { const img = new Image(); img.decoding = "async"; img.src = u; images.push(img); });
    return images;
  }

  /** Lease one task of this job and fetch its UI. Null when the job has nothing left for this labeler. */
  async function leaseOne(holder) {
    const task = await api("POST", "/work/next", { job_id: jobId });
    if (!task) return null;
    if (holder) holder.task = task;
    const item = { task, html: null, leaseMs: Math.max(30_000, expiresAt(task) - serverNow()), images: [] };
    try {
      item.html = await api("GET", `/work/${task.assignment_id}/ui`, null, { text: true });
    } catch (err) {
      item.error = err;
    }
    item.images = preload(task, item.html);
    return item;
  }

  function startPrefetch() {
    if (prefetch || noMore || leaving) return;
    const holder = {};
    prefetchHolder = holder;
    prefetch = leaseOne(holder).then((item) => { prefetched = item; return item; }, () => null);
  }

  async function decline(item, keepalive) {
    if (!item) return;
    try {
      await api("POST", `/work/${item.task.assignment_id}/decline`, null, { keepalive: !!keepalive });
    } catch (err) { /* already gone: expired or submitted */ }
  }

  /** Give back a prefetched task the worker never saw: unlike a decline, it may come back to this worker. */
  async function release(item, keepalive) {
    if (!item) return;
    try {
      await api("POST", `/work/${item.task.assignment_id}/release`, null, { keepalive: !!keepalive });
    } catch (err) { /* already gone: expired or submitted */ }
  }

  /** The next task to show: the prefetched one when it is still leased (renewed when half its time is gone),
   * otherwise a fresh lease. An object this worker skipped is declined again (once) rather than shown. */
  async function nextItem() {
    let item = null;
    if (prefetch) {
      item = await prefetch;
      prefetch = null;
      prefetched = null;
      prefetchHolder = null;
      if (item && remaining(item) < 5_000) item = null; // expired while waiting: it is back in the queue already
      if (item && remaining(item) < item.leaseMs / 2) {
        try {
          const r = await api("POST", `/work/${item.task.assignment_id}/extend`);
          item.task.lease_expires_at = r.lease_expires_at;
        } catch (err) { item = null; }
      }
    }
    for (;;) {
      if (!item) item = await leaseOne();
      if (!item) return null;
      if (skippedObjects.has(objectKey(item.task))) {
        await decline(item);
        item = null;
        reoffered += 1;
        if (reoffered > 1) return null;
        continue;
      }
      return item;
    }
  }

  // ---- showing a task ---------------------------------------------------------------------------------------
  function show(item) {
    current = item;
    clearError();
    const t = item.task;
    setJob(t.title || t.job_name || `Job ${jobId}`, t.task_type);
    const ins = t.instructions || {};
    document.getElementById("instr-short").textContent = ins.short || "Follow the instructions in the task.";
    const fullBox = document.getElementById("instr-full-box");
    fullBox.hidden = !ins.full;
    document.getElementById("instr-full").textContent = ins.full || "";
    sessionStorage.setItem(STORE, JSON.stringify({ task: t, leaseMs: item.leaseMs }));
    setControls(true);
    tick();
    if (!item.html) {
      const err = item.error;
      message([el("p", {}, "This task could not be displayed."),
        el("p", { class: "gw-muted gw-small" }, err ? err.message : "The task has no UI."),
        el("button", { class: "gw-btn", type: "button", onclick: skip }, "Skip it")], "warn");
      startPrefetch();
      return;
    }
    stageMsg.hidden = true;
    frame.hidden = false;
    frame.srcdoc = item.html;
  }

  // The frame is sandboxed (an opaque origin): activity inside it arrives as "crowd-activity" messages.
  frame.addEventListener("load", () => {
    if (!current || frame.hidden) return;
    focusTask();
    startPrefetch();
  });

  function focusTask() {
    try { frame.focus(); frame.contentWindow.focus(); } catch (e) { /* not focusable yet */ }
  }

  async function advance(text) {
    busy = true;
    setControls(false);
    sessionStorage.removeItem(STORE);
    current = null;
    const ready = prefetched && remaining(prefetched) > prefetched.leaseMs / 2;
    if (!ready) loading(text);
    try {
      const item = await nextItem();
      if (!item) { finished(); return; }
      show(item);
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  function finished() {
    noMore = true;
    current = null;
    setControls(false);
    message([el("div", { class: "gw-done-mark", "aria-hidden": "true" }, "✓"),
      el("h2", {}, "No more tasks in this job"),
      el("p", { class: "gw-muted" }, done ? `You completed ${done} task${done === 1 ? "" : "s"} in this session. Thank you!`
        : "Other labelers may be holding the remaining tasks. Check again in a little while."),
      el("div", { class: "gw-row" },
        el("a", { class: "gw-btn gw-btn-primary", href: "/portal/" }, "Back to my jobs"),
        el("button", { class: "gw-btn", type: "button", onclick: () => { noMore = false; reoffered = 0; advance("Looking for tasks…"); } }, "Check again"))],
      "done");
  }

  function failed(err) {
    current = null;
    setControls(false);
    const nodes = [el("h2", {}, err.status === 403 ? "You cannot work on this job yet" : "Something went wrong"),
      el("p", {}, err.message)];
    if (err.field === "qualification" || /qualification/i.test(err.message)) {
      nodes.push(el("a", { class: "gw-btn gw-btn-primary", href: "/portal/qualification" }, "Take the qualification"));
    } else {
      nodes.push(el("div", { class: "gw-row" },
        el("button", { class: "gw-btn gw-btn-primary", type: "button", onclick: () => advance() }, "Try again"),
        el("a", { class: "gw-btn", href: "/portal/" }, "Back to my jobs")));
    }
    message(nodes, "warn");
  }

  // ---- answers from the task frame --------------------------------------------------------------------------
  window.addEventListener("message", async (event) => {
    const data = event.data;
    if (event.source !== frame.contentWindow || !data) return;
    if (data.type === "crowd-activity") { activity(); return; }
    if (data.type !== "crowd-submit") return;
    if (!current || busy) return;
    busy = true;
    const item = current;
    try {
      await api("POST", `/work/${item.task.assignment_id}/submit`, { answer: data.answer });
    } catch (err) {
      busy = false;
      showError(err.status === 409 ? `${err.message} Skip to get the next task.` : err.message);
      focusTask();
      return;
    }
    setDone(done + 1);
    busy = false;
    await advance();
  });

  // ---- lease countdown and renewal --------------------------------------------------------------------------
  function activity() { lastActivity = Date.now(); }
  ["keydown", "pointerdown", "pointermove", "wheel"].forEach((t) => document.addEventListener(t, activity, { passive: true }));

  async function extend(manual) {
    if (!current || extending) return;
    extending = true;
    const item = current;
    try {
      const r = await api("POST", `/work/${item.task.assignment_id}/extend`);
      item.task.lease_expires_at = r.lease_expires_at;
      sessionStorage.setItem(STORE, JSON.stringify({ task: item.task, leaseMs: item.leaseMs }));
      if (manual) window.GW.flash("You have more time for this task.", "ok");
    } catch (err) {
      if (manual) showError(err.message);
    } finally {
      extending = false;
      tick();
    }
  }

  /** "Little time left": a minute, or half the lease when the job's leases are short. */
  function lowMs(item) { return Math.min(EXTEND_BELOW_MS, item.leaseMs / 2); }

  function tick() {
    if (!current) return;
    const ms = remaining(current);
    const s = Math.max(0, Math.ceil(ms / 1000));
    leaseTime.textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
    leaseBox.classList.toggle("gw-lease-low", ms < lowMs(current));
    leaseBox.classList.toggle("gw-lease-over", ms <= 0);
    if (ms <= 0) {
      if (errorBox.hidden) showError("Time is up for this task; it went back to the queue. Skip to get the next one.");
      moreTime.disabled = true;
      return;
    }
    const active = Date.now() - lastActivity < Math.min(ACTIVE_WITHIN_MS, current.leaseMs / 2);
    if (ms < lowMs(current) && active && Date.now() - lastExtend > 5_000) {
      lastExtend = Date.now();
      extend(false);
    }
  }
  setInterval(tick, 250);
  moreTime.addEventListener("click", () => { extend(true); focusTask(); });

  // ---- skip, leave --------------------------------------------------------------------------------------------
  async function skip() {
    if (busy || !current) return;
    const item = current;
    skippedObjects.add(objectKey(item.task));
    busy = true;
    await decline(item);
    busy = false;
    await advance();
  }
  skipBtn.addEventListener("click", skip);

  leaveBtn.addEventListener("click", async () => {
    leaving = true;
    leaveBtn.disabled = true;
    setControls(false);
    const waiting = prefetch;
    prefetch = null;
    prefetchHolder = null;
    sessionStorage.removeItem(STORE);
    await Promise.all([decline(current), waiting ? waiting.then((i) => release(i)) : null]);
    current = null;
    prefetched = null;
    location.assign("/portal/");
  });

  // Leaving the page any other way: the worker never saw the prefetched task, so give it back at once; the one
  // on screen stays leased (saved in sessionStorage) and is shown again if the worker comes back in time.
  window.addEventListener("pagehide", () => {
    const task = prefetchHolder && prefetchHolder.task;
    if (task && !leaving) release({ task }, true);
    prefetchHolder = null;
    prefetched = null;
  });

  // ---- start ----------------------------------------------------------------------------------------------------
  async function resume() {
    const saved = JSON.parse(sessionStorage.getItem(STORE) || "null");
    sessionStorage.removeItem(STORE);
    if (!saved || !saved.task) return null;
    const item = { task: saved.task, leaseMs: saved.leaseMs || 300_000, html: null };
    if (remaining(item) < 10_000) return null;
    try {
      item.html = await api("GET", `/work/${item.task.assignment_id}/ui`, null, { text: true });
    } catch (err) {
      return null;
    }
    return item;
  }

  async function start() {
    setDone(done);
    if (!jobId) {
      message([el("h2", {}, "Pick a job first"), el("a", { class: "gw-btn gw-btn-primary", href: "/portal/" }, "Go to my jobs")]);
      setJob("Workspace", null);
      leaveBtn.hidden = true;
      return;
    }
    loading("Getting your first task…");
    api("GET", "/work/jobs").then((r) => {
      const job = (r.items || []).find((j) => j.id === jobId);
      if (job && !current) setJob(job.title || job.name, job.task_type);
    }).catch(() => {});
    busy = true;
    try {
      const item = (await resume()) || (await nextItem());
      if (!item) finished(); else show(item);
    } catch (err) {
      failed(err);
    } finally {
      busy = false;
    }
  }

  /** The instructions panel can be folded away (the task frame shows its own); the choice is remembered. */
  function setSide(collapsed) {
    const side = document.getElementById("side");
    const btn = document.getElementById("side-toggle");
    side.classList.toggle("gw-side-collapsed", collapsed);
    btn.textContent = collapsed ? "›" : "‹";
    btn.setAttribute("aria-expanded", String(!collapsed));
    btn.title = collapsed ? "Show instructions" : "Hide instructions";
    localStorage.setItem("gw.side", collapsed ? "collapsed" : "open");
  }
  setSide(localStorage.getItem("gw.side") === "collapsed");
  document.getElementById("side-toggle").addEventListener("click", () => {
    setSide(!document.getElementById("side").classList.contains("gw-side-collapsed"));
    focusTask();
  });

  start();
})();
