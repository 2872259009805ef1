/* The jobs list: every job of the requester with status, progress, cost and ETA, refreshed every few seconds
 * (pages of the API are walked until the list is complete or the shown limit is reached). */
(function () {
  "use strict";
  if (!GW.requireKey()) return;
  const el = GW.el;
  const body = document.getElementById("jobs-body");
  const summary = document.getElementById("jobs-summary");
  const moreBox = document.getElementById("jobs-more");
  let shown = 200;

  async function fetchAll() {
    const jobs = [];
    let cursor = null;
    do {
      const q = new URLSearchParams({ limit: "100" });
      if (cursor) q.set("cursor", cursor);
      const page = await GW.api("GET", `/api/v1/jobs?${q}`);
      jobs.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && jobs.length < shown + 1);
    return jobs;
  }

  function row(job) {
    const href = `/console/jobs/${encodeURIComponent(job.id)}`;
    const tr = el("tr", { "data-job": job.name, "data-id": job.id, class: "clickable" },
      el("td", {}, el("a", { href, class: "job-link" }, job.name),
        job.failure_reason ? el("div", { class: "small danger-text" }, job.failure_reason) : null),
      el("td", { class: "muted" }, GW.taskTypeName(job.task_type)),
      el("td", { class: "status-cell" }, GW.badge(job.status)),
      el("td", { class: "progress-cell" }, GW.progressBar(job)),
      el("td", { class: "num cost-cell" }, GW.usd(job.cost && job.cost.total_usd)),
      el("td", { class: "eta-cell muted" }, GW.eta(job)),
      el("td", { class: "muted", title: GW.fullTime(job.created_at) }, GW.when(job.created_at)));
    tr.addEventListener("click", (e) => { if (!e.target.closest("a")) location.href = href; });
    return tr;
  }

  async function refresh() {
    let jobs;
    try {
      jobs = await fetchAll();
    } catch (exc) {
      summary.textContent = `Could not load jobs: ${exc.message}`;
      return;
    }
    jobs.sort((a, b) => b.id - a.id);
    const active = jobs.filter((j) => GW.ACTIVE.has(j.status)).length;
    summary.textContent = jobs.length
      ? `${jobs.length} job${jobs.length === 1 ? "" : "s"} · ${active} running`
      : "Create a job to start labeling.";
    body.replaceChildren(...jobs.slice(0, shown).map(row));
    document.getElementById("jobs-empty").hidden = jobs.length > 0;
    moreBox.hidden = jobs.length <= shown;
  }

  document.getElementById("jobs-more-btn").addEventListener("click", () => { shown += 200; refresh(); });
  refresh();
  GW.poll(refresh, 3000);
})();
