/* crowd-bounding-box: draw, move, resize and classify boxes on an image.
 *
 * Answer (Ground Truth's shape): {boundingBoxes: [{label, left, top, width, height}], inputImageProperties:
 * {height, width}} in integer natural-image pixels, origin top-left (+ initialValueModified when the element was
 * given an `initial-value`, as in adjustment tasks). The drawing surface is `.crowd-canvas`: its bounding rect is
 * exactly the image at the current zoom, so a pointer position maps to image pixels by one scale factor.
 */
(function () {
  "use strict";
  const C = window.Crowd;
  if (!C || customElements.get("crowd-bounding-box")) return;

  const STYLE_ID = "crowd-boxes-style";
  const CSS = `
  crowd-bounding-box { display: block; }
  .crowd-draw-main { display: flex; flex-direction: column; gap: 10px; }
  .crowd-draw-title { font-size: 16px; font-weight: 600; margin: 0; }
  .crowd-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 6px 8px;
    background: #fafafa; border: 1px solid #e1e4e8; border-radius: 8px; }
  .crowd-toolgroup { display: flex; align-items: center; gap: 4px; flex-wrap: wrap; }
  .crowd-toolgroup + .crowd-toolgroup { border-left: 1px solid #e1e4e8; padding-left: 12px; }
  .crowd-tool { display: inline-flex; align-items: center; gap: 6px; height: 30px; padding: 0 10px;
    border: 1px solid #c6ccd2; border-radius: 6px; background: #fff; color: #16191f; font: 13px system-ui,
    sans-serif; cursor: pointer; white-space: nowrap; }
  .crowd-tool:hover { border-color: #879596; background: #f4f6f8; }
  .crowd-tool:focus-visible { outline: 2px solid #0073bb; outline-offset: 1px; }
  .crowd-tool[aria-pressed="true"] { border-color: #0073bb; background: #e8f3fb; box-shadow: inset 0 0 0 1px #0073bb; }
  .crowd-tool .crowd-key { margin-right: 0; }
  .crowd-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px; flex: 0 0 auto;
    box-shadow: inset 0 0 0 1px rgba(0,0,0,.2); }
  .crowd-zoom-label { min-width: 44px; text-align: center; font: 12px system-ui, sans-serif; color: #545b64; }
  .crowd-work { display: flex; gap: 12px; align-items: flex-start; }
  .crowd-stage { position: relative; flex: 1 1 auto; min-width: 0; overflow: auto; border: 1px solid #d5dbdb;
    border-radius: 8px; background: #eef0f2 repeating-conic-gradient(#e4e7ea 0 25%, transparent 0 50%) 0 0 / 16px 16px; }
  .crowd-stage .crowd-canvas { position: relative; margin: 0 auto; user-select: none; touch-action: none;
    cursor: crosshair; }
  .crowd-canvas > img { position: absolute; left: 0; top: 0; width: 100%; height: 100%; display: block;
    pointer-events: none; -webkit-user-drag: none; }
  .crowd-stage-msg { padding: 40px 16px; text-align: center; color: #545b64; font: 14px system-ui, sans-serif; }
  .crowd-stage-msg.crowd-error { color: #d13212; }
  .crowd-box { position: absolute; box-sizing: border-box; border: 2px solid var(--c); background:
    color-mix(in srgb, var(--c) 12%, transparent); }
  .crowd-box.crowd-selected { border-width: 2px; outline: 1px dashed #fff; outline-offset: -4px;
    background: color-mix(in srgb, var(--c) 22%, transparent); cursor: move; }
  .crowd-box.crowd-draft { border-style: dashed; }
  .crowd-box-tag { position: absolute; left: -2px; bottom: 100%; padding: 1px 5px; background: var(--c);
    color: #fff; font: 600 11px/1.4 system-ui, sans-serif; white-space: nowrap; border-radius: 3px 3px 0 0;
    pointer-events: none; text-shadow: 0 0 2px rgba(0,0,0,.5); }
  .crowd-box.crowd-tag-inside .crowd-box-tag { bottom: auto; top: 0; left: 0; border-radius: 0 0 3px 0; }
  .crowd-handle { position: absolute; width: 10px; height: 10px; margin: -5px 0 0 -5px; background: #fff;
    border: 2px solid var(--c); border-radius: 2px; box-sizing: border-box; }
  .crowd-handle[data-dir="nw"], .crowd-handle[data-dir="se"] { cursor: nwse-resize; }
  .crowd-handle[data-dir="ne"], .crowd-handle[data-dir="sw"] { cursor: nesw-resize; }
  .crowd-handle[data-dir="n"], .crowd-handle[data-dir="s"] { cursor: ns-resize; }
  .crowd-handle[data-dir="e"], .crowd-handle[data-dir="w"] { cursor: ew-resize; }
  .crowd-guide { position: absolute; pointer-events: none; background: rgba(255,255,255,.85);
    box-shadow: 0 0 0 1px rgba(0,0,0,.35); display: none; }
  .crowd-guide-h { left: 0; right: 0; height: 1px; }
  .crowd-guide-v { top: 0; bottom: 0; width: 1px; }
  .crowd-canvas:hover .crowd-guide { display: block; }
  .crowd-canvas.crowd-busy .crowd-guide, .crowd-canvas.crowd-no-guide .crowd-guide { display: none; }
  .crowd-boxlist { flex: 0 0 210px; border: 1px solid #e1e4e8; border-radius: 8px; background: #fff;
    font: 13px system-ui, sans-serif; max-height: 72vh; overflow: auto; }
  .crowd-boxlist h3 { margin: 0; padding: 8px 10px; font-size: 13px; font-weight: 600; border-bottom: 1px solid #e1e4e8;
    display: flex; justify-content: space-between; }
  .crowd-boxlist ol { list-style: none; margin: 0; padding: 4px; }
  .crowd-boxlist li { display: flex; align-items: center; gap: 6px; padding: 5px 6px; border-radius: 6px; cursor: pointer; }
  .crowd-boxlist li:hover { background: #f4f6f8; }
  .crowd-boxlist li.crowd-selected { background: #e8f3fb; box-shadow: inset 0 0 0 1px #0073bb; }
  .crowd-boxlist .crowd-box-name { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .crowd-boxlist .crowd-box-dim { color: #687078; font-size: 11px; font-variant-numeric: tabular-nums; }
  .crowd-boxlist .crowd-del { border: 0; background: none; color: #879596; cursor: pointer; font-size: 14px; padding: 0 2px; }
  .crowd-boxlist .crowd-del:hover { color: #d13212; }
  .crowd-boxlist .crowd-empty { color: #687078; padding: 10px; }
  .crowd-hints { color: #687078; font: 12px system-ui, sans-serif; }
  .crowd-hints kbd { font: 11px ui-monospace, monospace; border: 1px solid #c6ccd2; border-bottom-width: 2px;
    border-radius: 3px; padding: 0 3px; background: #fff; }
  .crowd-canvas.crowd-pixelated > img { image-rendering: pixelated; }
  `;

  const injectStyle = () => C.addStyle(STYLE_ID, CSS);

  const clamp = C.clamp;
  const ZOOM_STEP = 1.25;

  /** Label names from `labels` (a JSON or JS-literal list of names, or of {label} objects). */
  function labelNames(text) {
    const out = [];
    for (const item of C.parseList(text)) {
      const name = item && typeof item === "object" ? item.label ?? item.name : item;
      if (name !== null && name !== undefined && String(name) && !out.includes(String(name))) out.push(String(name));
    }
    return out;
  }

  const Zoom = C.Zoom;


  /** Render once the element's children are parsed (the script runs in <head>, before the body exists). */
  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
    else fn();
  }

  /** Which drawing element answers the keyboard when a page has several: the last one the worker touched. */
  function ownsKeys(element) {
    const active = C._activeDrawing;
    if (active && active.isConnected) return active === element;
    return document.querySelector("crowd-bounding-box, crowd-semantic-segmentation") === element;
  }

  const HANDLES = [["nw", 0, 0], ["n", 50, 0], ["ne", 100, 0], ["e", 100, 50], ["se", 100, 100], ["s", 50, 100],
    ["sw", 0, 100], ["w", 0, 50]];

  class CrowdBoundingBox extends C.Element {
    constructor() {
      super();
      this.boxes = [];
      this.selected = -1;
      this.active = 0;
      this.labels = [];
      this.natural = null;
      this.initialBoxes = null;
      this.mode = null;
      this.draft = null;
      this._rendered = false;
    }

    connectedCallback() {
      if (this._rendered) return;
      whenParsed(() => {
        if (!this._rendered && this.isConnected) this.render();
      });
    }

    get value() {
      const size = this.natural || { width: 0, height: 0 };
      const out = {
        boundingBoxes: this.boxes.map((b) => ({
          label: this.labels[b.label], left: b.left, top: b.top, width: b.width, height: b.height,
        })),
        inputImageProperties: { height: size.height, width: size.width },
      };
      if (this.initialBoxes) out.initialValueModified = JSON.stringify(this.boxes) !== JSON.stringify(this.initialBoxes);
      return out;
    }

    validate() {
      if (this.loadError) return null;
      if (!this.natural) return "The image is still loading; wait a moment and submit again.";
      return null;
    }

    // -- building the UI ---------------------------------------------------------------------------------------

    render() {
      this._rendered = true;
      injectStyle();
      this.labels = labelNames(this.getAttribute("labels"));
      const initial = C.parseValue(this.getAttribute("initial-value"), null);
      const side = this.instructionsPanel();
      this.textContent = "";
      const el = C.el;

      this.labelBar = el("div", { class: "crowd-toolgroup crowd-labels", role: "toolbar", "aria-label": "Labels" });
      this.zoomLabel = el("span", { class: "crowd-zoom-label" }, "100%");
      const zoomGroup = el("div", { class: "crowd-toolgroup crowd-zoom", role: "toolbar", "aria-label": "Zoom" },
        el("button", { type: "button", class: "crowd-tool crowd-zoom-out", title: "Zoom out (−)",
          onclick: () => this.zoom.by(1 / ZOOM_STEP) }, "−"),
        this.zoomLabel,
        el("button", { type: "button", class: "crowd-tool crowd-zoom-in", title: "Zoom in (+)",
          onclick: () => this.zoom.by(ZOOM_STEP) }, "+"),
        el("button", { type: "button", class: "crowd-tool crowd-zoom-fit", title: "Fit the image (0)",
          onclick: () => this.zoom.fit() }, "Fit"));
      const toolbar = el("div", { class: "crowd-toolbar" }, this.labelBar, zoomGroup);

      this.img = el("img", { alt: "", draggable: "false" });
      this.layer = el("div", { class: "crowd-box-layer" });
      this.guideH = el("div", { class: "crowd-guide crowd-guide-h" });
      this.guideV = el("div", { class: "crowd-guide crowd-guide-v" });
      this.canvas = el("div", { class: "crowd-canvas", role: "application",
        "aria-label": "Image: drag to draw a box" }, this.img, this.layer, this.guideH, this.guideV);
      this.msg = el("div", { class: "crowd-stage-msg" }, "Loading the image…");
      this.stage = el("div", { class: "crowd-stage" }, this.msg);
      this.listBody = el("ol", {});
      this.listCount = el("span", { class: "crowd-box-count" }, "0");
      const list = el("div", { class: "crowd-boxlist" }, el("h3", {}, "Boxes", this.listCount), this.listBody);
      const hints = el("div", { class: "crowd-hints" },
        "Drag to draw · click a box to select it · drag a selected box or its handles to adjust · ",
        el("kbd", {}, "1"), "–", el("kbd", {}, "9"), " label · ", el("kbd", {}, "←↑→↓"), " nudge (",
        el("kbd", {}, "Shift"), " ×10, ", el("kbd", {}, "Alt"), " resize) · ", el("kbd", {}, "Del"), " delete · ",
        el("kbd", {}, "Esc"), " deselect · ", el("kbd", {}, "Enter"), " submit");
      const header = this.getAttribute("header");
      const main = el("div", { class: "crowd-main crowd-draw-main" },
        header ? el("h2", { class: "crowd-draw-title" }, header) : null,
        toolbar, el("div", { class: "crowd-work" }, this.stage, list), hints);
      this.append(el("div", { class: "crowd-layout" }, side, main));

      this.zoom = new Zoom(this.stage, this.canvas, (scale) => {
        this.zoomLabel.textContent = Math.round(scale * 100) + "%";
      });
      this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
      this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
      this.canvas.addEventListener("pointerup", (e) => this.onUp(e));
      this.canvas.addEventListener("pointercancel", () => this.cancelDrag());
      this.stage.addEventListener("wheel", (e) => {
        if (!e.ctrlKey || !this.natural) return;
        e.preventDefault();
        this.zoom.by(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, e.clientX, e.clientY);
      }, { passive: false });
      C.onKey(this, (e) => this.onKey(e));

      this.pendingInitial = initial;
      this.renderLabels();
      this.renderList();
      const src = this.getAttribute("src");
      if (!src) {
        this.showError("This task has no image.");
        return;
      }
      C.loadImage(src).then((image) => this.imageReady(image), () => this.showError("The image could not be loaded."));
    }

    showError(text) {
      this.loadError = true;
      this.msg.textContent = text;
      this.msg.classList.add("crowd-error");
    }

    imageReady(image) {
      const width = image.naturalWidth || image.width;
      const height = image.naturalHeight || image.height;
      if (!width || !height) {
        this.showError("The image is empty.");
        return;
      }
      this.natural = { width, height };
      this.img.src = image.src;
      this.msg.remove();
      this.stage.append(this.canvas);
      this.zoom.setImage(width, height);
      if (this.pendingInitial !== null && this.pendingInitial !== undefined) {
        this.boxes = this.readInitial(this.pendingInitial);
        this.initialBoxes = this.boxes.map((b) => ({ ...b }));
      }
      this.renderLabels();
      this.update();
      this.dispatchEvent(new CustomEvent("crowd-ready", { bubbles: true }));
    }

    /** GT's initial-value: a list of {label, left, top, width, height} (label as a name or a class index). */
    readInitial(initial) {
      let list = initial;
      if (list && !Array.isArray(list) && Array.isArray(list.boundingBoxes)) list = list.boundingBoxes;
      if (!Array.isArray(list)) return [];
      const { width: W, height: H } = this.natural;
      const out = [];
      for (const raw of list) {
        if (!raw || typeof raw !== "object") continue;
        let label = raw.label ?? raw.class_id ?? raw.classId;
        let index = -1;
        if (typeof label === "number" && Number.isInteger(label) && label >= 0 && label < this.labels.length) {
          index = label;
        } else if (label !== undefined && label !== null) {
          label = String(label);
          index = this.labels.indexOf(label);
          if (index < 0) {
            this.labels.push(label);
            index = this.labels.length - 1;
          }
        } else {
          index = 0;
          if (!this.labels.length) this.labels.push("object");
        }
        const left = clamp(Math.round(Number(raw.left) || 0), 0, W - 1);
        const top = clamp(Math.round(Number(raw.top) || 0), 0, H - 1);
        const width = clamp(Math.round(Number(raw.width) || 0), 0, W - left);
        const height = clamp(Math.round(Number(raw.height) || 0), 0, H - top);
        if (width >= 1 && height >= 1) out.push({ label: index, left, top, width, height });
      }
      return out;
    }

    colorOf(index) {
      return C.colorFor(index);
    }

    renderLabels() {
      this.labelBar.textContent = "";
      if (!this.labels.length) {
        this.labelBar.append(C.el("span", { class: "crowd-hints" }, "No labels were given."));
        return;
      }
      this.labels.forEach((name, i) => {
        this.labelBar.append(C.el("button", {
          type: "button", class: "crowd-tool crowd-label", "data-index": i, "aria-pressed": String(i === this.active),
          title: i < 9 ? `${name} (key ${i + 1})` : name,
          onclick: () => this.pickLabel(i),
        }, i < 9 ? C.el("span", { class: "crowd-key" }, String(i + 1)) : null,
        C.el("span", { class: "crowd-swatch", style: { background: this.colorOf(i) } }), name));
      });
    }

    /** A label key or button: relabels the selected box, or sets the label new boxes get. */
    pickLabel(index) {
      if (index < 0 || index >= this.labels.length) return;
      if (this.selected >= 0) this.boxes[this.selected].label = index;
      this.active = index;
      for (const b of this.labelBar.querySelectorAll(".crowd-label")) {
        b.setAttribute("aria-pressed", String(Number(b.dataset.index) === index));
      }
      this.update();
    }

    update() {
      this.renderBoxes();
      this.renderList();
    }

    renderBoxes() {
      if (!this.natural) return;
      const { width: W, height: H } = this.natural;
      const pct = (v, total) => (v / total) * 100 + "%";
      this.layer.textContent = "";
      const draw = (box, index, extra) => {
        const color = this.colorOf(box.label);
        const node = C.el("div", {
          class: "crowd-box" + (extra ? " " + extra : "") + (box.top * this.zoom.scale < 18 ? " crowd-tag-inside" : ""),
          "data-index": index,
          style: { left: pct(box.left, W), top: pct(box.top, H), width: pct(box.width, W), height: pct(box.height, H) },
        }, C.el("span", { class: "crowd-box-tag" }, this.labels[box.label] ?? ""));
        node.style.setProperty("--c", color);
        if (extra === "crowd-selected") {
          for (const [dir, x, y] of HANDLES) {
            node.append(C.el("div", { class: "crowd-handle", "data-dir": dir, style: { left: x + "%", top: y + "%" } }));
          }
        }
        this.layer.append(node);
      };
      this.boxes.forEach((box, i) => {
        if (i !== this.selected) draw(box, i, "");
      });
      if (this.selected >= 0 && this.boxes[this.selected]) draw(this.boxes[this.selected], this.selected, "crowd-selected");
      if (this.draft) draw(this.draft, -1, "crowd-draft");
    }

    renderList() {
      this.listBody.textContent = "";
      this.listCount.textContent = String(this.boxes.length);
      if (!this.boxes.length) {
        this.listBody.append(C.el("li", { class: "crowd-empty" }, "No boxes yet. Drag on the image to draw one."));
        return;
      }
      this.boxes.forEach((box, i) => {
        this.listBody.append(C.el("li", {
          class: i === this.selected ? "crowd-selected" : "", "data-index": i,
          onclick: () => this.select(i),
        }, C.el("span", { class: "crowd-swatch", style: { background: this.colorOf(box.label) } }),
        C.el("span", { class: "crowd-box-name" }, `${i + 1}. ${this.labels[box.label] ?? ""}`),
        C.el("span", { class: "crowd-box-dim" }, `${box.width}×${box.height}`),
        C.el("button", { type: "button", class: "crowd-del", title: "Delete this box", "aria-label": "Delete box " + (i + 1),
          onclick: (e) => { e.stopPropagation(); this.remove(i); } }, "✕")));
      });
    }

    select(index) {
      this.selected = index;
      C._activeDrawing = this;
      if (index >= 0 && this.boxes[index]) {
        this.active = this.boxes[index].label;
        for (const b of this.labelBar.querySelectorAll(".crowd-label")) {
          b.setAttribute("aria-pressed", String(Number(b.dataset.index) === this.active));
        }
      }
      this.update();
    }

    remove(index) {
      if (index < 0 || index >= this.boxes.length) return;
      this.boxes.splice(index, 1);
      this.selected = -1;
      this.update();
    }

    // -- pointer -----------------------------------------------------------------------------------------------

    /** The pointer in (fractional) natural-image pixels. */
    toImage(e) {
      const rect = this.canvas.getBoundingClientRect();
      return {
        x: ((e.clientX - rect.left) * this.natural.width) / rect.width,
        y: ((e.clientY - rect.top) * this.natural.height) / rect.height,
      };
    }

    boxAt(p) {
      const inside = (b) => p.x >= b.left && p.x <= b.left + b.width && p.y >= b.top && p.y <= b.top + b.height;
      let best = -1;
      let bestArea = Infinity;
      this.boxes.forEach((b, i) => {
        const area = b.width * b.height;
        if (inside(b) && area <= bestArea) {
          best = i;
          bestArea = area;
        }
      });
      return best;
    }

    onDown(e) {
      if (!this.natural || e.button !== 0) return;
      e.preventDefault();
      C._activeDrawing = this;
      const p = this.toImage(e);
      const handle = e.target.closest ? e.target.closest(".crowd-handle") : null;
      const sel = this.selected >= 0 ? this.boxes[this.selected] : null;
      const start = { p, cx: e.clientX, cy: e.clientY };
      if (handle && sel) this.mode = { kind: "resize", dir: handle.dataset.dir, orig: { ...sel }, ...start };
      else if (sel && p.x >= sel.left && p.x <= sel.left + sel.width && p.y >= sel.top && p.y <= sel.top + sel.height) {
        this.mode = { kind: "move", orig: { ...sel }, moved: false, ...start };
      } else this.mode = { kind: "pending", ...start };
      this.canvas.classList.add("crowd-busy");
      try {
        this.canvas.setPointerCapture(e.pointerId);
      } catch (err) {
        /* synthetic events have no capturable pointer */
      }
    }

    onMove(e) {
      if (!this.natural) return;
      const rect = this.canvas.getBoundingClientRect();
      this.guideH.style.top = e.clientY - rect.top + "px";
      this.guideV.style.left = e.clientX - rect.left + "px";
      const m = this.mode;
      if (!m) return;
      const { width: W, height: H } = this.natural;
      const p = this.toImage(e);
      const dx = Math.round(p.x - m.p.x);
      const dy = Math.round(p.y - m.p.y);
      if (m.kind === "pending" && Math.hypot(e.clientX - m.cx, e.clientY - m.cy) >= 3) m.kind = "draw";
      if (m.kind === "draw") {
        const x0 = clamp(Math.round(m.p.x), 0, W);
        const y0 = clamp(Math.round(m.p.y), 0, H);
        const x1 = clamp(Math.round(p.x), 0, W);
        const y1 = clamp(Math.round(p.y), 0, H);
        this.draft = { label: this.active, left: Math.min(x0, x1), top: Math.min(y0, y1),
          width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) };
        this.renderBoxes();
      } else if (m.kind === "move") {
        const box = this.boxes[this.selected];
        box.left = clamp(m.orig.left + dx, 0, W - box.width);
        box.top = clamp(m.orig.top + dy, 0, H - box.height);
        m.moved = true;
        this.renderBoxes();
      } else if (m.kind === "resize") {
        const o = m.orig;
        let l = o.left;
        let t = o.top;
        let r = o.left + o.width;
        let b = o.top + o.height;
        if (m.dir.includes("w")) l = clamp(o.left + dx, 0, W);
        if (m.dir.includes("e")) r = clamp(r + dx, 0, W);
        if (m.dir.includes("n")) t = clamp(o.top + dy, 0, H);
        if (m.dir.includes("s")) b = clamp(b + dy, 0, H);
        const box = this.boxes[this.selected];
        box.left = Math.min(l, r);
        box.width = Math.max(1, Math.abs(r - l));
        box.top = Math.min(t, b);
        box.height = Math.max(1, Math.abs(b - t));
        if (box.left + box.width > W) box.left = W - box.width;
        if (box.top + box.height > H) box.top = H - box.height;
        this.renderBoxes();
      }
    }

    onUp(e) {
      const m = this.mode;
      this.mode = null;
      this.canvas.classList.remove("crowd-busy");
      if (!m || !this.natural) return;
      if (m.kind === "draw") {
        const d = this.draft;
        this.draft = null;
        if (d && d.width >= 2 && d.height >= 2 && this.labels.length) {
          this.boxes.push(d);
          this.selected = this.boxes.length - 1;
          this.update();
        } else {
          this.select(this.boxAt(this.toImage(e))); // too small for a box: a click
        }
      } else if (m.kind === "pending") {
        this.select(this.boxAt(this.toImage(e)));
      } else {
        this.update();
      }
    }

    cancelDrag() {
      const m = this.mode;
      this.mode = null;
      this.draft = null;
      this.canvas.classList.remove("crowd-busy");
      if (m && (m.kind === "move" || m.kind === "resize") && this.boxes[this.selected]) {
        Object.assign(this.boxes[this.selected], m.orig);
      }
      this.update();
    }

    // -- keyboard ----------------------------------------------------------------------------------------------

    onKey(e) {
      if (!this.natural || !ownsKeys(this) || document.querySelector(".crowd-modal-backdrop")) return;
      const index = C.keyIndex(e);
      if (index >= 0) {
        if (index < this.labels.length) {
          e.preventDefault();
          this.pickLabel(index);
        }
        return;
      }
      if (e.ctrlKey || e.metaKey) return;
      const sel = this.selected >= 0 ? this.boxes[this.selected] : null;
      const { width: W, height: H } = this.natural;
      const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (arrows[e.key]) {
        if (!sel) return;
        e.preventDefault();
        const step = e.shiftKey ? 10 : 1;
        const [dx, dy] = arrows[e.key];
        if (e.altKey) {
          sel.width = clamp(sel.width + dx * step, 1, W - sel.left);
          sel.height = clamp(sel.height + dy * step, 1, H - sel.top);
        } else {
          sel.left = clamp(sel.left + dx * step, 0, W - sel.width);
          sel.top = clamp(sel.top + dy * step, 0, H - sel.height);
        }
        this.update();
        return;
      }
      switch (e.key) {
        case "Delete":
        case "Backspace":
          if (sel) {
            e.preventDefault();
            this.remove(this.selected);
          }
          break;
        case "Escape":
          if (this.mode) this.cancelDrag();
          else if (sel) this.select(-1);
          break;
        case "Enter":
          e.preventDefault();
          C.requestSubmit(this);
          break;
        case "+":
        case "=":
          e.preventDefault();
          this.zoom.by(ZOOM_STEP);
          break;
        case "-":
        case "_":
          e.preventDefault();
          this.zoom.by(1 / ZOOM_STEP);
          break;
        case "0":
          e.preventDefault();
          this.zoom.fit();
          break;
        default:
          break;
      }
    }
  }

  C.define("crowd-bounding-box", CrowdBoundingBox);
})();
