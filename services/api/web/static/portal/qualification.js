/* The public workforce's qualification: gold items answered one at a time (keys 1..9 choose, Enter continues),
 * then all submitted at once. Passing unlocks paid tasks. */
(function () {
  "use strict";
  const { api, el, percent } = window.GW;
  if (!window.GW.requireSignIn()) return;

  const intro = document.getElementById("qual-intro");
  const quiz = document.getElementById("qual-quiz");
  const itemBox = document.getElementById("qual-item");
  const labelsBox = document.getElementById("qual-labels");
  const back = document.getElementById("qual-back");
  const next = document.getElementById("qual-next");
  const result = document.getElementById("qual-result");

  let q = null;
  let at = 0;
  let answers = [];
  let multi = false;
  let sending = false;

  function showResult(nodes, kind) {
    quiz.hidden = true;
    intro.hidden = true;
    result.hidden = false;
    result.className = "gw-card gw-result gw-result-" + kind;
    result.replaceChildren(...nodes);
  }

  function preload() {
    (q.items || []).forEach((item) => {
      const obj = item.input && item.input.taskObject;
      if (window.GW.isUrl(obj)) { const img = new Image(); img.src = obj; }
    });
  }

  function render() {
    const item = q.items[at];
    const obj = item.input ? item.input.taskObject : "";
    document.getElementById("qual-progress").textContent = `${at + 1} / ${q.items.length}`;
    document.getElementById("qual-bar").style.width = `${(100 * at) / q.items.length}%`;
    itemBox.replaceChildren(window.GW.isUrl(obj)
      ? el("img", { src: obj, alt: `Item ${at + 1}`, class: "gw-quiz-image" })
      : el("blockquote", { class: "gw-quiz-text" }, String(obj ?? "")));
    labelsBox.replaceChildren();
    const chosen = answers[at];
    q.labels.forEach((label, i) => {
      const on = multi ? !!(chosen && chosen.labels.includes(label)) : !!(chosen && chosen.label === label);
      labelsBox.append(el("button", { type: "button", class: "gw-choice" + (on ? " gw-chosen" : ""), "aria-pressed": on ? "true" : "false",
        "data-label": label, onclick: () => choose(i) }, i < 9 ? el("kbd", {}, String(i + 1)) : null, el("span", {}, label)));
    });
    back.disabled = at === 0;
    const last = at === q.items.length - 1;
    next.textContent = last ? "Submit answers" : "Next";
    next.disabled = !answered(at);
  }

  function answered(i) { return !!answers[i] && (multi || !!answers[i].label); }

  function choose(i) {
    const label = q.labels[i];
    if (label === undefined) return;
    if (multi) {
      const cur = answers[at] ? answers[at].labels.slice() : [];
      const k = cur.indexOf(label);
      if (k >= 0) cur.splice(k, 1); else cur.push(label);
      answers[at] = { labels: cur };
    } else {
      answers[at] = { label };
    }
    render();
  }

  async function forward() {
    if (!answered(at) || sending) return;
    if (at < q.items.length - 1) { at += 1; render(); return; }
    sending = true;
    next.disabled = true;
    next.textContent = "Sending…";
    try {
      const r = await api("POST", "/work/qualification", { answers });
      const score = `${r.correct} of ${r.total} correct (${percent(r.score)})`;
      if (r.passed) {
        showResult([el("h2", {}, "You passed"), el("p", {}, score + ". Paid tasks are open to you now."),
          el("a", { class: "gw-btn gw-btn-primary", href: "/portal/" }, "Go to your jobs")], "ok");
        setTimeout(() => location.assign("/portal/"), 2500);
      } else {
        const left = r.attempts_left;
        showResult([el("h2", {}, "Not passed this time"), el("p", {}, score + "."),
          el("p", { class: "gw-muted" }, left > 0 ? `${left} attempt${left === 1 ? "" : "s"} left.` : "You have no attempts left."),
          left > 0 ? el("button", { class: "gw-btn gw-btn-primary", type: "button", onclick: start }, "Try again")
            : el("a", { class: "gw-btn", href: "/portal/" }, "Back home")], "bad");
      }
    } catch (err) {
      window.GW.flash(err.message);
      render();
    } finally {
      sending = false;
    }
  }

  document.addEventListener("keydown", (e) => {
    if (quiz.hidden || e.ctrlKey || e.metaKey || e.altKey) return;
    const m = /^(?:Digit|Numpad)([1-9])$/.exec(e.code || "") || /^([1-9])$/.exec(e.key);
    if (m) { e.preventDefault(); choose(Number(m[1]) - 1); return; }
    if (e.key === "Enter") { e.preventDefault(); forward(); }
    else if (e.key === "Backspace" && at > 0) { e.preventDefault(); at -= 1; render(); }
  });
  back.addEventListener("click", () => { if (at > 0) { at -= 1; render(); } });
  next.addEventListener("click", forward);

  async function start() {
    result.hidden = true;
    intro.hidden = false;
    try {
      q = await api("GET", "/work/qualification");
    } catch (err) {
      intro.textContent = err.status === 404 ? "This workforce has no qualification." : err.message;
      return;
    }
    if (q.status === "none" || q.status === "passed") {
      intro.textContent = q.status === "passed" ? "You have passed the qualification." : "Your workforce has no qualification.";
      intro.after(el("p", {}, el("a", { class: "gw-btn gw-btn-primary", href: "/portal/" }, "Go to your jobs")));
      return;
    }
    if (!q.items || !q.items.length || q.attempts_left === 0) {
      intro.textContent = q.attempts_left === 0 ? "You have no qualification attempts left." : "The qualification has no items yet.";
      return;
    }
    multi = /multilabel/.test(q.task_type || "");
    at = 0;
    answers = [];
    intro.textContent = `Answer ${q.items.length} short question${q.items.length === 1 ? "" : "s"}` +
      (multi ? " (choose every label that applies)" : "") +
      `. You need ${percent(q.pass_ratio)} correct to pass` +
      (q.attempts_left ? `; ${q.attempts_left} attempt${q.attempts_left === 1 ? "" : "s"} left.` : ".");
    quiz.hidden = false;
    preload();
    render();
  }

  start();
})();
