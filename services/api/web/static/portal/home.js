/* Home: who is signed in, earnings, and the jobs this labeler may work on (GET /work/me; GET /work/jobs when an
 * older API has no /work/me). */
(function () {
  "use strict";
  const { api, el, usd, percent, typeName } = window.GW;
  if (!window.GW.requireSignIn()) return;

  const jobsBox = document.getElementById("jobs");

  /** "required": the labeler still has attempts; "failed": none left (the API's qualification statuses). */
  function qualificationBanner(status) {
    const banner = document.getElementById("qual-banner");
    if (status === "required") {
      banner.hidden = false;
    } else if (status === "failed") {
      banner.hidden = false;
      banner.className = "gw-banner gw-banner-error";
      banner.querySelector("strong").textContent = "Qualification not passed.";
      banner.querySelector("[data-text]").textContent = "You have no attempts left, so this workforce cannot send you paid tasks.";
      banner.querySelector("a").remove();
    }
  }

  function jobCard(job, blocked) {
    const stats = el("dl", { class: "gw-job-stats" });
    const stat = (name, value) => stats.append(el("div", {}, el("dt", {}, name), el("dd", {}, value)));
    if (job.answers !== undefined) stat("Answers", String(job.answers));
    if (job.earnings_usd !== undefined) stat("Earned", usd(job.earnings_usd));
    if (job.gold_accuracy !== undefined && job.gold_accuracy !== null) {
      stat("Gold accuracy", percent(job.gold_accuracy) + (job.gold_answers ? ` of ${job.gold_answers}` : ""));
    }
    const available = job.available !== false && job.status === "InProgress";
    let action;
    if (blocked) action = el("span", { class: "gw-muted gw-small" }, "Pass the qualification first");
    else if (available) action = el("a", { class: "gw-btn gw-btn-primary", href: `/portal/work?job=${job.id}`, "data-job": job.id }, "Start working");
    else action = el("span", { class: "gw-muted gw-small" }, job.status === "InProgress" ? "No tasks right now" : statusName(job.status));
    return el("article", { class: "gw-job" + (available && !blocked ? "" : " gw-job-idle"), "data-job-id": job.id },
      el("div", { class: "gw-job-main" },
        el("h3", {}, job.title || job.name),
        el("p", { class: "gw-muted gw-small" }, el("span", { class: "gw-tag" }, typeName(job.task_type)),
          job.title && job.name ? " " + job.name : "")),
      stats,
      el("div", { class: "gw-job-action" }, action));
  }

  function statusName(s) {
    return { Completed: "Finished", Stopped: "Stopped", Stopping: "Stopping", Failed: "Failed" }[s] || s || "";
  }

  function renderJobs(jobs, blocked) {
    jobsBox.replaceChildren();
    if (!jobs.length) {
      jobsBox.append(el("div", { class: "gw-empty" },
        el("p", {}, "No jobs for you right now."),
        el("p", { class: "gw-muted gw-small" }, "Jobs appear here when a requester starts one for your team.")));
      return;
    }
    const order = (j) => (j.status === "InProgress" && j.available !== false ? 0 : 1);
    jobs.slice().sort((a, b) => order(a) - order(b) || b.id - a.id).forEach((j) => jobsBox.append(jobCard(j, blocked)));
  }

  async function load() {
    let me = null;
    try {
      me = await api("GET", "/work/me");
    } catch (err) {
      if (err.status !== 404) { window.GW.flash(err.message); }
    }
    if (me) {
      const lab = me.labeler || {};
      document.getElementById("hello").textContent = lab.name ? `Hello, ${lab.name}` : "Welcome";
      const wf = lab.workforce;
      document.getElementById("hello-sub").textContent = wf ? `${wf.name} · ${wf.kind} workforce` : "Your jobs and earnings";
      document.getElementById("stat-earnings").textContent = usd(me.earnings_usd);
      document.getElementById("stat-paid").textContent = String(me.tasks_paid || 0);
      const gold = (me.jobs || []).filter((j) => j.gold_accuracy !== null && j.gold_accuracy !== undefined && j.gold_answers);
      const goldN = gold.reduce((s, j) => s + j.gold_answers, 0);
      const acc = goldN ? gold.reduce((s, j) => s + j.gold_accuracy * j.gold_answers, 0) / goldN : null;
      document.getElementById("stat-accuracy").textContent = percent(acc);
      document.getElementById("stats").hidden = false;
      const q = typeof me.qualification === "object" && me.qualification ? me.qualification : { status: me.qualification };
      const blocked = q.status === "required" || q.status === "failed";
      qualificationBanner(q.status);
      renderJobs(me.jobs || [], blocked);
      return;
    }
    const jobs = await api("GET", "/work/jobs");
    document.getElementById("hello-sub").textContent = "Your jobs";
    renderJobs(jobs.items || [], false);
  }

  load().catch((err) => {
    jobsBox.replaceChildren(el("div", { class: "gw-empty" }, el("p", {}, err.message),
      el("button", { class: "gw-btn", type: "button", onclick: () => location.reload() }, "Try again")));
  });
})();
