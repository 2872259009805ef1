/* Create a job: a form over POST /api/v1/jobs. An uploaded manifest goes as multipart (`job` = the job as JSON,
 * `manifest` = the file); a URI goes in plain JSON. Required fields are checked here; everything else is the
 * API's to judge, and its error's `field` is shown next to the matching input. */
(function () {
  "use strict";
  if (!GW.requireKey()) return;
  const $ = (sel) => document.querySelector(sel);
  const form = $("#job-form");
  const REVIEW = /^(verification|adjustment)-/;
  const REF_TYPES = new Set(["semantic-segmentation", "adjustment-semantic-segmentation"]); // attribute ends -ref
  let firstLine = null; // the uploaded manifest's first line, parsed, for the template preview

  /* ---------- errors next to fields ---------- */

  /** The form field an API error names: `labels[2]` → labels, `job.instructions.short` → short, ... */
  function fieldFor(apiField) {
    if (!apiField) return null;
    let f = String(apiField).replace(/^(job|body)\.?/, "");
    if (!f) return null;
    f = f.replace(/\[\d+\]/g, "").replace(/\.\d+(?=\.|$)/g, "");
    const map = {
      name: "name", task_type: "task_type", title: "title", labels: "labels",
      label_category_config: "labels", label_category_config_uri: "labels",
      manifest: "manifest", manifest_uri: "manifest", workteam_id: "workteam", workteam: "workteam",
      price_per_task_usd: "price", workers_per_object: "workers_per_object",
      task_time_limit_seconds: "task_time_limit_seconds", "instructions.short": "short",
      "instructions.full": "full", instructions: "short", prior_label_attribute_name: "prior_label_attribute_name",
      ui_template: "ui_template", label_attribute_name: "label_attribute_name",
    };
    if (map[f]) return map[f];
    if (f.startsWith("instructions.examples")) return "examples";
    if (f.startsWith("ui_template")) return "ui_template";
    return null;
  }

  function clearErrors() {
    for (const p of form.querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
    for (const f of form.querySelectorAll(".field.invalid")) f.classList.remove("invalid");
    for (const r of form.querySelectorAll(".example-row.invalid")) r.classList.remove("invalid");
    const top = $("#form-error");
    top.hidden = true;
    top.textContent = "";
  }

  function showError(field, message) {
    const p = field && form.querySelector(`[data-error-for="${field}"]`);
    if (!p) {
      const top = $("#form-error");
      top.textContent = top.textContent ? `${top.textContent} ${message}` : message;
      top.hidden = false;
      top.scrollIntoView({ block: "center" });
      return;
    }
    p.textContent = message;
    p.hidden = false;
    const box = p.closest(".field");
    box.classList.add("invalid");
    const input = box.querySelector("input:not([type=radio]), select, textarea");
    if (input && !form.dataset.focused) {
      form.dataset.focused = "1";
      box.scrollIntoView({ block: "center" });
      input.focus({ preventScroll: true });
    }
  }

  /** The message without the field prefix the API adds ("labels[2]: label 'x' appears twice"), plus which
   * line or example it is about where the field has an index. */
  function messageFor(err) {
    let message = err.message || "invalid";
    if (err.field && message.startsWith(`${err.field}: `)) message = message.slice(err.field.length + 2);
    const f = String(err.field || "").replace(/^(job|body)\.?/, "");
    const idx = f.match(/^labels(?:\[(\d+)\]|\.(\d+))/);
    if (idx) message = `Line ${Number(idx[1] ?? idx[2]) + 1}: ${message}`;
    const ex = f.match(/^instructions\.examples(?:\[(\d+)\]|\.(\d+))/);
    if (ex) {
      const n = Number(ex[1] ?? ex[2]);
      message = `Example ${n + 1}: ${message}`;
      const row = document.querySelectorAll(".example-row")[n];
      if (row) row.classList.add("invalid");
    }
    return message;
  }

  function showApiError(exc) {
    const body = exc.body || {};
    const list = Array.isArray(body.errors) ? body.errors
      : Array.isArray(body.error) ? body.error
        : Array.isArray(body.error && body.error.details) ? body.error.details
          : [{ field: exc.field, message: exc.message }];
    for (const item of list) {
      const field = item.field ?? (Array.isArray(item.loc) ? item.loc.join(".") : null);
      const err = { field, message: item.message || item.msg || exc.message };
      showError(fieldFor(field), messageFor(err));
    }
  }

  /* ---------- form pieces ---------- */

  function manifestMode() {
    return form.querySelector("input[name=manifest_mode]:checked").value;
  }
  for (const radio of form.querySelectorAll("input[name=manifest_mode]")) {
    radio.addEventListener("change", () => {
      $("#manifest-upload").hidden = manifestMode() !== "upload";
      $("#manifest-uri").hidden = manifestMode() !== "uri";
    });
  }

  $("#f-manifest-file").addEventListener("change", async () => {
    const file = $("#f-manifest-file").files[0];
    firstLine = null;
    const info = $("#manifest-info");
    if (!file) return;
    const text = await file.text();
    const lines = text.split(/\r?\n/).filter((l) => l.trim());
    try { firstLine = JSON.parse(lines[0] || "{}"); } catch (exc) { firstLine = null; }
    info.textContent = `${file.name}: ${lines.length} line${lines.length === 1 ? "" : "s"}, ` +
      `${(file.size / 1024).toFixed(1)} KB${firstLine ? "" : " (the first line is not JSON)"}`;
  });

  function syncTaskType() {
    const type = $("#f-task-type").value;
    $("#prior-field").hidden = !REVIEW.test(type);
    const ref = REF_TYPES.has(type);
    $("#f-attribute").placeholder = ref ? "the job name + “-ref”" : "same as the job name";
    $("#attribute-hint").textContent = ref
      ? "The key the masks get in the output manifest; it must end with “-ref” for this task type."
      : "The key the labels get in the output manifest.";
    $("#labels-hint").textContent = type === "named-entity-recognition"
      ? "One entity type per line."
      : REVIEW.test(type) && type.startsWith("verification")
        ? "One verdict per line, e.g. “Correct” and “Incorrect”."
        : "One per line.";
  }
  $("#f-task-type").addEventListener("change", syncTaskType);
  $("#f-task-type").value = "text-classification";
  syncTaskType();

  async function loadTeams() {
    const select = $("#f-workteam");
    try {
      const page = await GW.api("GET", "/api/v1/workteams?limit=500");
      const teams = page.items || [];
      select.replaceChildren(GW.el("option", { value: "" }, teams.length ? "Choose a workteam" : "No workteams yet"),
        ...teams.map((t) => GW.el("option", { value: t.id },
          `${t.name}${t.members !== undefined ? ` · ${t.members} member${t.members === 1 ? "" : "s"}` : ""}`)));
      if (teams.length === 1) select.value = String(teams[0].id);
    } catch (exc) {
      select.replaceChildren(GW.el("option", { value: "" }, "Could not load workteams"));
    }
  }
  loadTeams();

  /* examples */
  const exampleBox = $("#examples");
  function addExample() {
    if (exampleBox.children.length >= 20) return;
    const row = $("#example-row").content.firstElementChild.cloneNode(true);
    const type = row.querySelector(".ex-type");
    type.addEventListener("change", () => {
      row.querySelector(".ex-content").placeholder = type.value === "text" ? "Example text" : "s3://bucket/example.jpg";
    });
    row.querySelector(".ex-remove").addEventListener("click", () => row.remove());
    exampleBox.append(row);
    row.querySelector(".ex-content").focus();
  }
  $("#add-example").addEventListener("click", addExample);

  function examples() {
    return [...exampleBox.querySelectorAll(".example-row")].map((row) => {
      const content = row.querySelector(".ex-content").value.trim();
      const out = { kind: row.querySelector(".ex-kind").value, explanation: row.querySelector(".ex-expl").value.trim() };
      if (row.querySelector(".ex-type").value === "text") out.text = content;
      else out.source_ref = content;
      const label = row.querySelector(".ex-label").value.trim();
      if (label) out.label = label;
      return out;
    }).filter((e) => e.text || e.source_ref || e.explanation);
  }

  /* template preview */
  (async () => {
    const btn = $("#preview-btn");
    if (!(await GW.hasEndpoint("/templates/render", "post"))) {
      btn.disabled = true;
      $("#preview-note").textContent = "Preview needs a server with the template renderer.";
    }
  })();
  $("#preview-btn").addEventListener("click", async () => {
    clearErrors();
    const template = $("#f-template").value;
    if (!template.trim()) { showError("ui_template", "Write a template to preview."); return; }
    const frame = $("#preview-frame");
    try {
      const html = await GW.api("POST", "/api/v1/templates/render", { json: { template, input: firstLine || {} } });
      frame.srcdoc = typeof html === "string" ? html : JSON.stringify(html);
      frame.hidden = false;
    } catch (exc) {
      showApiError(exc);
    }
  });

  /* ---------- submit ---------- */

  function value(id) { return $(id).value.trim(); }

  function build() {
    const job = {
      name: value("#f-name"),
      task_type: $("#f-task-type").value,
      labels: $("#f-labels").value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l),
      workteam_id: Number(value("#f-workteam")),
      workers_per_object: Number(value("#f-workers") || 3),
      task_time_limit_seconds: Number(value("#f-time") || 300),
      title: value("#f-title"),
      instructions: { short: $("#f-short").value.trim(), full: $("#f-full").value.trim() },
    };
    const price = value("#f-price");
    if (price !== "") job.price_per_task_usd = price;
    const ex = examples();
    if (ex.length) job.instructions.examples = ex;
    const template = $("#f-template").value;
    if (template.trim()) job.ui_template = template;
    const attribute = value("#f-attribute");
    if (attribute) job.label_attribute_name = attribute;
    else if (REF_TYPES.has(job.task_type) && job.name && !job.name.endsWith("-ref")) {
      job.label_attribute_name = `${job.name}-ref`;
    }
    if (REVIEW.test(job.task_type)) job.prior_label_attribute_name = value("#f-prior");
    if (manifestMode() === "uri") job.manifest_uri = value("#f-manifest-uri");
    return job;
  }

  function check(job) {
    const problems = [];
    if (!job.name) problems.push(["name", "Give the job a name."]);
    if (!job.labels.length) problems.push(["labels", "Add at least one label, one per line."]);
    if (!job.workteam_id) problems.push(["workteam", "Choose the workteam that labels this job."]);
    if (manifestMode() === "upload" && !$("#f-manifest-file").files[0]) {
      problems.push(["manifest", "Choose a manifest file to upload."]);
    }
    if (manifestMode() === "uri") {
      if (!job.manifest_uri) problems.push(["manifest", "Give the manifest's s3:// or file:// URI."]);
      else if (!/^(s3|file):\/\//.test(job.manifest_uri)) problems.push(["manifest", "Must be an s3:// or file:// URI."]);
    }
    if (REVIEW.test(job.task_type) && !job.prior_label_attribute_name) {
      problems.push(["prior_label_attribute_name", "Name the label attribute of the job being reviewed."]);
    }
    return problems;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    delete form.dataset.focused;
    const job = build();
    const problems = check(job);
    if (problems.length) {
      for (const [field, message] of problems) showError(field, message);
      return;
    }
    const btn = $("#create-job");
    btn.disabled = true;
    btn.textContent = "Creating…";
    try {
      let view;
      if (manifestMode() === "upload") {
        const data = new FormData();
        data.append("job", JSON.stringify(job));
        data.append("manifest", $("#f-manifest-file").files[0]);
        view = await GW.api("POST", "/api/v1/jobs", { form: data });
      } else {
        view = await GW.api("POST", "/api/v1/jobs", { json: job });
      }
      location.href = `/console/jobs/${encodeURIComponent(view.id)}`;
    } catch (exc) {
      showApiError(exc);
      btn.disabled = false;
      btn.textContent = "Create job";
    }
  });
})();
