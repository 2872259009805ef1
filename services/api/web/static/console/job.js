/* One job: status, LabelCounters, queue and ETA, cost by kind / workforce / labeler, per-labeler quality, the
 * automated-labeling report, bad manifest lines, a gallery of consolidated results, stop and download.
 * Refreshes every few seconds while the job runs (and until its output manifest is written). */
(function () {
  "use strict";
  if (!GW.requireKey()) return;
  const el = GW.el;
  const root = document.getElementById("job-root");
  const ref = root.dataset.jobRef;
  const base = `/api/v1/jobs/${encodeURIComponent(ref)}`;
  const PALETTE = ["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
    "#9edae5", "#dbdb8d", "#393b79"];

  let job = null;
  let poller = null;
  let labelerNames = {};
  let workforceNames = null;
  let galleryMode = null; // "gallery" (B1's endpoint) or "objects"
  let galleryCursor = null;
  let galleryKey = null;
  let failedKey = null;

  const KIND_TEXT = { worker_pay: "Worker pay", service_fee: "Service fee", vendor_fee: "Vendor fee",
    trainer_compute: "Model training", refund: "Refunds" };
  const human = (key) => KIND_TEXT[key] || String(key).replace(/[_-]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());

  function rows(tbody, list, empty) {
    tbody.replaceChildren(...(list.length ? list : [el("tr", {}, el("td", { class: "muted", colspan: 9 }, empty))]));
  }

  function kv(dl, pairs) {
    dl.replaceChildren(...pairs.filter((p) => p).flatMap(([k, v, attrs]) =>
      [el("dt", {}, k), el("dd", attrs || {}, v === null || v === undefined || v === "" ? "—" : v)]));
  }

  function labelColor(name) {
    const i = job && job.labels ? job.labels.indexOf(name) : -1;
    return PALETTE[(i < 0 ? hash(String(name)) : i) % PALETTE.length];
  }
  function hash(s) {
    let h = 0;
    for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    return h;
  }

  /* ---------- header, counters, queue, cost ---------- */

  function renderHeader() {
    document.title = `${job.name} · Groundwork Console`;
    document.getElementById("job-name").textContent = job.name;
    document.getElementById("crumb-name").textContent = job.name;
    document.getElementById("job-status").replaceChildren(GW.badge(job.status));
    document.getElementById("job-sub").textContent =
      `${GW.taskTypeName(job.task_type)} · created ${GW.when(job.created_at)}` +
      (job.ended_at ? ` · ended ${GW.when(job.ended_at)}` : "");
    const stop = document.getElementById("stop-job");
    stop.hidden = !["Initializing", "InProgress"].includes(job.status);
    const dl = document.getElementById("download-output");
    dl.disabled = !job.output_manifest_uri;
    dl.title = job.output_manifest_uri ? job.output_manifest_uri : "Available once the output manifest is written";
    const failure = document.getElementById("job-failure");
    failure.hidden = !job.failure_reason;
    failure.textContent = job.failure_reason ? `Failure: ${job.failure_reason}` : "";
  }

  function renderProgress() {
    document.getElementById("job-progress").replaceChildren(GW.progressBar(job, { large: true }));
    const c = job.label_counters || {};
    const items = [["TotalLabeled", "Labeled"], ["HumanLabeled", "By people"], ["MachineLabeled", "By machine"],
      ["FailedNonRetryableError", "Failed"], ["Unlabeled", "Unlabeled"]];
    document.getElementById("label-counters").replaceChildren(...items.map(([k, text]) =>
      el("div", { class: `counter c-${k}`, "data-counter": k }, el("dt", { title: k }, text),
        el("dd", {}, String(c[k] ?? 0)))));
    kv(document.getElementById("job-queue"), [
      ["ETA", GW.eta(job), { id: "job-eta" }],
      ["Answers still needed", job.queue_depth],
      ["Open tasks", job.open_tasks],
      ["Held by labelers", job.leased_tasks],
      ["Answer rate", job.answers_per_second ? `${(job.answers_per_second * 60).toFixed(1)} / min` : "—"],
    ]);
  }

  function renderCost() {
    const cost = job.cost || {};
    document.getElementById("cost-total").textContent = GW.usd(cost.total_usd);
    const byKind = Object.entries(cost.by_kind || {});
    rows(document.querySelector("#cost-by-kind tbody"),
      byKind.map(([k, v]) => el("tr", { "data-kind": k }, el("td", {}, human(k)), el("td", { class: "num" }, GW.usd(v)))),
      "Nothing spent yet.");
    rows(document.querySelector("#cost-by-workforce tbody"),
      (cost.by_workforce || []).map((w) => el("tr", {},
        el("td", {}, w.name || (workforceNames && workforceNames[w.workforce_id]) || `Workforce #${w.workforce_id}`),
        el("td", { class: "num" }, GW.usd(w.usd)))),
      "Nothing spent yet.");
    rows(document.querySelector("#cost-by-labeler tbody"),
      (cost.by_labeler || []).map((l) => el("tr", {},
        el("td", {}, l.name || labelerNames[l.labeler_id] || `Labeler #${l.labeler_id}`),
        el("td", { class: "num muted" }, `${l.tasks_paid} task${l.tasks_paid === 1 ? "" : "s"}`),
        el("td", { class: "num" }, GW.usd(l.usd)))),
      "Nothing paid yet.");
  }

  function renderSettings() {
    const labels = el("div", { class: "chips" }, (job.labels || []).map((l) =>
      el("span", { class: "chip", style: { "--chip": labelColor(l) } }, l)));
    kv(document.getElementById("job-settings"), [
      ["Job ID", String(job.id)],
      ["Task type", job.task_type],
      ["Labels", labels],
      ["Label attribute", job.label_attribute_name],
      ["Workers per object", job.workers_per_object],
      ["Price per task", GW.usd(job.price_per_task_usd)],
      ["Service fee per task", GW.usd(job.service_fee_usd)],
      ["Task time limit", GW.duration(job.task_time_limit_seconds)],
      ["Workteam", job.workteam_id ? `#${job.workteam_id}` : null],
      ["Consolidation", job.consolidator],
      ["Manifest", el("code", { class: "wrap" }, job.manifest_uri || "uploaded")],
      ["Dataset lines", job.dataset_lines],
      ["Output", el("code", { class: "wrap" }, job.output_manifest_uri || job.output_uri || "—")],
      job.custom_template !== undefined ? ["Task UI", job.custom_template ? "Custom template" : "Built-in"] : null,
      job.gold ? ["Gold", `${job.gold.items} items · rate ${GW.pct(job.gold.rate)}` +
        (job.gold.min_accuracy !== null ? ` · min accuracy ${GW.pct(job.gold.min_accuracy)}` : "")] : null,
      job.dynamic_overlap ? ["Dynamic overlap", `${job.dynamic_overlap.answers_saved} answers saved ` +
        `(${GW.usd(job.dynamic_overlap.money_saved_usd)})`] : null,
    ]);
  }

  /* ---------- labelers ---------- */

  async function loadLabelers() {
    const report = await GW.api("GET", `${base}/labelers`);
    const items = report.items || [];
    labelerNames = Object.fromEntries(items.map((l) => [l.labeler_id, l.name]));
    const tbody = document.querySelector("#labelers-table tbody");
    tbody.replaceChildren(...items.map((l) => el("tr", { "data-labeler": l.labeler_id, class: l.removed ? "removed" : "" },
      el("td", {}, l.name || `Labeler #${l.labeler_id}`),
      el("td", { class: "num" }, String(l.answers)),
      el("td", { class: "num" }, String(l.gold_answers ?? 0)),
      el("td", { class: "num" }, GW.pct(l.gold_accuracy)),
      el("td", { class: "num" }, "agreement" in l ? GW.pct(l.agreement) : "—"),
      el("td", { class: "num" }, "earnings_usd" in l ? GW.usd(l.earnings_usd) : "—"),
      el("td", {}, l.removed
        ? el("span", { class: "removed-note" }, el("span", { class: "gw-badge s-failed" }, "Removed"),
          l.removal_reason ? ` ${l.removal_reason}` : "")
        : el("span", { class: "gw-badge s-completed" }, "Active")))));
    document.getElementById("labelers-table").hidden = !items.length;
    document.getElementById("labelers-empty").hidden = items.length > 0;
  }

  async function loadWorkforces() {
    if (workforceNames) return;
    try {
      const page = await GW.api("GET", "/api/v1/workforces?limit=500");
      workforceNames = Object.fromEntries((page.items || []).map((w) => [w.id, w.name]));
    } catch (exc) {
      workforceNames = {};
    }
  }

  /* ---------- automated labeling (rendered generically: whatever the job view reports) ---------- */

  function value(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (Array.isArray(v)) {
      if (v.length && v.every((x) => x && typeof x === "object" && !Array.isArray(x))) return table(v);
      return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ") || "—";
    }
    if (typeof v === "object") return defs(v);
    return String(v);
  }
  function defs(obj) {
    const dl = el("dl", { class: "kv nested" });
    kv(dl, Object.entries(obj).map(([k, v]) => [human(k), value(v)]));
    return dl;
  }
  function table(list) {
    const cols = [...new Set(list.flatMap((x) => Object.keys(x)))];
    return el("div", { class: "table-scroll" }, el("table", { class: "gw-table compact" },
      el("thead", {}, el("tr", {}, cols.map((c) => el("th", {}, human(c))))),
      el("tbody", {}, list.map((x) => el("tr", {}, cols.map((c) => el("td", {}, value(x[c]))))))));
  }

  function renderAuto() {
    const card = document.getElementById("auto-card");
    const auto = job.automated_labeling;
    card.hidden = !auto;
    if (!auto) return;
    const known = new Set(["settings", "rounds", "audit", "machine_labeled", "human_answers_avoided",
      "worker_pay_avoided_usd", "compute_usd", "money_saved_usd", "final_model_uri"]);
    const stats = el("div", { class: "stat-row" },
      stat("Machine labels", auto.machine_labeled),
      stat("Rounds", (auto.rounds || []).length),
      auto.settings && "target_accuracy" in auto.settings ? stat("Target accuracy", GW.pct(auto.settings.target_accuracy)) : null,
      "human_answers_avoided" in auto ? stat("Answers avoided", auto.human_answers_avoided) : null,
      "money_saved_usd" in auto ? stat("Saved", GW.usd(auto.money_saved_usd)) : null,
      "compute_usd" in auto ? stat("Compute", GW.usd(auto.compute_usd)) : null);
    const parts = [stats];
    if (auto.rounds && auto.rounds.length) parts.push(el("h3", {}, "Rounds"), table(auto.rounds));
    if (auto.audit) parts.push(el("h3", {}, "Audit of machine labels"), value(auto.audit));
    const rest = Object.fromEntries(Object.entries(auto).filter(([k]) => !known.has(k)));
    if (auto.final_model_uri) rest.final_model_uri = auto.final_model_uri;
    if (Object.keys(rest).length) parts.push(defs(rest));
    if (auto.settings) {
      parts.push(el("details", { class: "settings-details" }, el("summary", {}, "Settings"), defs(auto.settings)));
    }
    document.getElementById("auto-body").replaceChildren(...parts);
  }
  function stat(label, v) {
    return el("div", { class: "stat" }, el("div", { class: "stat-v" }, v === null || v === undefined ? "—" : String(v)),
      el("div", { class: "stat-l" }, label));
  }

  /* ---------- bad manifest lines ---------- */

  async function loadFailed() {
    const failed = (job.label_counters || {}).FailedNonRetryableError || 0;
    const key = `${failed}`;
    if (key === failedKey) return;
    failedKey = key;
    const card = document.getElementById("failed-card");
    card.hidden = !failed;
    if (!failed) return;
    const page = await GW.api("GET", `${base}/objects?state=failed&limit=200`);
    document.getElementById("failed-count").textContent = `${failed}`;
    document.querySelector("#failed-table tbody").replaceChildren(...page.items.map((o) =>
      el("tr", { "data-line": o.line_no },
        el("td", { class: "num" }, String(o.line_no + 1)),
        el("td", { class: "danger-text" }, o.failure_reason || "—"),
        el("td", {}, o.source || o.source_ref
          ? el("code", { class: "clip" }, o.source ?? o.source_ref) : el("span", { class: "muted" }, "—")))));
  }

  /* ---------- gallery ---------- */

  function labelNameOf(v, meta) {
    if (typeof v === "number") {
      const map = meta && meta["class-map"];
      if (map && map[v] !== undefined) return map[v];
      return job.labels && job.labels[v] !== undefined ? job.labels[v] : String(v);
    }
    if (v && typeof v === "object") return v.label || v.class_name || v["class-name"] || JSON.stringify(v);
    return String(v);
  }

  /** Normalise one result (B1's gallery item, or an /objects item) to {text, image, mask, label, meta}. */
  function normalise(item) {
    if (galleryMode === "objects") {
      const label = item.label || {};
      return { line_no: item.line_no, state: item.state, source: item.source, media_url: null,
        source_ref: item.source_ref, label: label.value ?? null, mask_url: null,
        confidence: label.confidence ?? null, meta: label.metadata || {}, answers: (item.answers || []).length,
        className: label.class_name };
    }
    return { ...item, meta: item.label_metadata || item.metadata || {}, className: item.class_name };
  }

  function boxesOf(label, meta) {
    if (!label || typeof label !== "object") return null;
    if (Array.isArray(label.boundingBoxes)) return label.boundingBoxes.map((b) => ({ ...b, name: b.label }));
    if (Array.isArray(label.annotations) && label.annotations.some((a) => "left" in a)) {
      return label.annotations.map((a) => ({ ...a, name: labelNameOf(a.class_id ?? a.label, meta) }));
    }
    if (Array.isArray(label.boxes)) return label.boxes.map((b) => ({ ...b, name: b.label ?? labelNameOf(b.class_id, meta) }));
    return null;
  }
  function entitiesOf(label) {
    if (!label || typeof label !== "object") return null;
    if (Array.isArray(label.entities)) return label.entities;
    if (label.annotations && Array.isArray(label.annotations.entities)) return label.annotations.entities;
    return null;
  }
  function classesOf(r) {
    const label = r.label;
    if (label === null || label === undefined) return [];
    if (Array.isArray(label)) return label.map((v) => labelNameOf(v, r.meta));
    if (typeof label === "object") {
      if (Array.isArray(label.labels)) return label.labels.map((v) => labelNameOf(v, r.meta));
      if ("label" in label) return [labelNameOf(label.label, r.meta)];
      if ("class_name" in label || "class-name" in label) return [label.class_name || label["class-name"]];
      if ("class_id" in label) return [labelNameOf(label.class_id, r.meta)];
      return [];
    }
    if (typeof label === "string" && /^(s3|file|https?):\/\//.test(label)) return [];
    if (r.className) return [r.className];
    if (r.meta && r.meta["class-name"]) return [r.meta["class-name"]];
    return [labelNameOf(label, r.meta)];
  }

  /** The classes a segmentation mask holds, with their colours, from the label metadata's internal-color-map. */
  function maskClasses(meta) {
    const map = (meta && meta["internal-color-map"]) || {};
    return Object.values(map).filter((c) => c && c["class-name"] && c["class-name"] !== "BACKGROUND")
      .map((c) => ({ name: c["class-name"], color: c["hex-color"] }));
  }

  function chip(name, confidence, color) {
    return el("span", { class: "chip", style: { "--chip": color || labelColor(name) }, "data-label": name }, name,
      confidence !== null && confidence !== undefined && confidence !== ""
        ? el("span", { class: "chip-conf" }, `${Math.round(Number(confidence) * 100)}%`) : null);
  }

  function highlighted(text, entities) {
    const out = el("p", { class: "ner-text" });
    const spans = [...entities].sort((a, b) => a.startOffset - b.startOffset);
    let at = 0;
    for (const s of spans) {
      if (s.startOffset < at) continue;
      if (s.startOffset > at) out.append(text.slice(at, s.startOffset));
      out.append(el("mark", { class: "entity", style: { "--chip": labelColor(s.label) }, "data-label": s.label,
        title: `${s.label} [${s.startOffset}, ${s.endOffset})` }, text.slice(s.startOffset, s.endOffset),
      el("span", { class: "entity-tag" }, s.label)));
      at = s.endOffset;
    }
    if (at < text.length) out.append(text.slice(at));
    return out;
  }

  function drawBoxes(img, canvas, boxes) {
    const w = img.clientWidth;
    const h = img.clientHeight;
    if (!w || !h || !img.naturalWidth) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const sx = w / img.naturalWidth;
    const sy = h / img.naturalHeight;
    ctx.font = "600 11px system-ui, sans-serif";
    for (const b of boxes) {
      const color = labelColor(b.name);
      const x = b.left * sx;
      const y = b.top * sy;
      ctx.fillStyle = `${color}22`;
      ctx.fillRect(x, y, b.width * sx, b.height * sy);
      ctx.lineWidth = 4;
      ctx.strokeStyle = "rgba(0, 0, 0, .35)";
      ctx.strokeRect(x, y, b.width * sx, b.height * sy);
      ctx.lineWidth = 2;
      ctx.strokeStyle = color;
      ctx.strokeRect(x, y, b.width * sx, b.height * sy);
      const tw = ctx.measureText(b.name).width + 8;
      const ty = y >= 16 ? y - 16 : y;
      ctx.fillStyle = color;
      ctx.fillRect(x - 1, ty, tw, 16);
      ctx.fillStyle = "#fff";
      ctx.fillText(b.name, x + 3, ty + 12);
    }
  }

  function card(item) {
    const r = normalise(item);
    const body = el("div", { class: "g-media" });
    const boxes = boxesOf(r.label, r.meta);
    const entities = entitiesOf(r.label);
    if (r.media_url) {
      const frame = el("div", { class: "g-frame" });
      const img = el("img", { src: r.media_url, alt: `line ${r.line_no + 1}`, loading: "lazy", decoding: "async" });
      frame.append(img);
      if (r.mask_url) frame.append(el("img", { class: "g-mask", src: r.mask_url, alt: "" }));
      if (boxes && boxes.length) {
        const canvas = el("canvas", { class: "g-boxes", "data-boxes": boxes.length });
        frame.append(canvas);
        const draw = () => drawBoxes(img, canvas, boxes);
        img.addEventListener("load", draw);
        if (img.complete) requestAnimationFrame(draw);
      }
      body.append(frame);
    } else if (r.source !== null && r.source !== undefined) {
      body.append(entities ? highlighted(String(r.source), entities) : el("p", { class: "g-text" }, String(r.source)));
    } else if (r.source_ref) {
      body.append(el("code", { class: "wrap muted" }, r.source_ref));
    }
    const classes = entities || boxes ? [] : classesOf(r);
    // A consolidated label from one answer has confidence 0 (nothing to agree with): not worth a chip.
    let conf = r.confidence ?? (r.meta && r.meta.confidence);
    if (!(Number(conf) > 0)) conf = null;
    const foot = el("div", { class: "g-foot" },
      el("span", { class: "muted small" }, `Line ${r.line_no + 1}`),
      el("div", { class: "chips" },
        classes.map((c, i) => chip(c, classes.length === 1 && i === 0 ? conf : null)),
        boxes ? el("span", { class: "muted small" }, `${boxes.length} box${boxes.length === 1 ? "" : "es"}`) : null,
        entities ? el("span", { class: "muted small" }, `${entities.length} entit${entities.length === 1 ? "y" : "ies"}`) : null,
        r.mask_url ? (maskClasses(r.meta).length
          ? maskClasses(r.meta).map((c) => chip(c.name, null, c.color))
          : el("span", { class: "muted small" }, "mask")) : null,
        (boxes || entities || r.mask_url) && conf !== null && conf !== undefined
          ? el("span", { class: "chip plain" }, `${Math.round(Number(conf) * 100)}%`) : null,
        r.human === false ? el("span", { class: "chip plain", title: "labeled by the model" }, "machine") : null));
    return el("figure", { class: "g-card", "data-line": r.line_no }, body, foot);
  }

  async function loadGallery(more) {
    if (galleryMode === null) {
      galleryMode = (await GW.hasEndpoint("/jobs/{job_ref}/gallery")) ? "gallery" : "objects";
      document.getElementById("gallery-note").textContent =
        galleryMode === "objects" ? "Consolidated labels (media previews need the gallery endpoint)" : "";
    }
    const c = job.label_counters || {};
    const key = `${c.TotalLabeled}`;
    if (!more && key === galleryKey) return;
    galleryKey = key;
    const q = new URLSearchParams({ limit: "24" });
    q.set("state", "labeled");
    if (more && galleryCursor) q.set("cursor", galleryCursor);
    const path = galleryMode === "gallery" ? `${base}/gallery?${q}` : `${base}/objects?${q}`;
    const page = await GW.api("GET", path);
    const items = (page.items || []).filter((i) => galleryMode === "gallery" || i.label);
    const box = document.getElementById("gallery");
    if (more) box.append(...items.map(card));
    else box.replaceChildren(...items.map(card));
    galleryCursor = page.next_cursor || null;
    document.getElementById("gallery-more").hidden = !galleryCursor;
    document.getElementById("gallery-empty").hidden = box.children.length > 0;
  }

  /* ---------- actions ---------- */

  const dialog = document.getElementById("stop-dialog");
  document.getElementById("stop-job").addEventListener("click", () => dialog.showModal());
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "stop") return;
    const btn = document.getElementById("stop-job");
    btn.disabled = true;
    try {
      job = await GW.api("POST", `${base}/stop`);
      GW.toast("Stopping: labelers finish what they hold, then the output is written.");
      renderAll();
      startPolling();
    } catch (exc) {
      showError(exc.message);
    } finally {
      btn.disabled = false;
    }
  });

  document.getElementById("download-output").addEventListener("click", async () => {
    const btn = document.getElementById("download-output");
    btn.disabled = true;
    try {
      const resp = await GW.api("GET", `${base}/output`, { raw: true });
      const blob = await resp.blob();
      const url = URL.createObjectURL(new Blob([blob], { type: "application/jsonlines" }));
      const a = el("a", { href: url, download: `${job.name}.output.manifest` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (exc) {
      showError(`Download failed: ${exc.message}`);
    } finally {
      btn.disabled = !job.output_manifest_uri;
    }
  });
  document.getElementById("gallery-more-btn").addEventListener("click", () => loadGallery(true).catch((e) => showError(e.message)));

  function showError(message) {
    const box = document.getElementById("job-error");
    box.textContent = message;
    box.hidden = !message;
  }

  /* ---------- refresh ---------- */

  function renderAll() {
    renderHeader();
    renderProgress();
    renderCost();
    renderAuto();
    renderSettings();
  }

  function settled() {
    return !GW.ACTIVE.has(job.status) && (job.output_manifest_uri || job.status === "Failed");
  }

  async function refresh() {
    try {
      job = await GW.api("GET", base);
    } catch (exc) {
      showError(exc.status === 404 ? `No job '${ref}'.` : `Could not load the job: ${exc.message}`);
      if (exc.status === 404 && poller) poller.stop();
      return;
    }
    showError("");
    await Promise.all([loadWorkforces(), loadLabelers().catch(() => {})]);
    renderAll();
    await Promise.all([loadFailed(), loadGallery(false)]).catch((exc) => showError(exc.message));
    root.dataset.status = job.status;
    root.dataset.loaded = "1";
    if (settled() && poller) {
      poller.stop();
      poller = null;
    }
  }

  function startPolling() {
    if (!poller) poller = GW.poll(refresh, 2500);
  }

  refresh().then(() => { if (job && !settled()) startPolling(); });
})();
