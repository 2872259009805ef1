/* crowd-semantic-segmentation: paint a per-pixel class mask over an image.
 *
 * The mask is a natural-size class map painted with our own pixel loops (never canvas strokes or fills), so
 * there is no antialiasing: every labelled pixel is exactly its class colour, every other pixel is fully
 * transparent, which is what the server's mask check (shared.imaging.decode_mask) reads as background.
 * Answer (Ground Truth's shape): {labeledImage: {pngImageData: <base64 PNG, natural size>}, labelMappings:
 * {<label>: {color}} for the labels used, inputImageProperties: {height, width}} (+ initialValueModified when
 * the element was given an `initial-value` `{src, labelMappings}`, as in adjustment tasks).
 */
(function () {
  "use strict";
  const C = window.Crowd;
  if (!C || customElements.get("crowd-semantic-segmentation")) return;

  const STYLE_ID = "crowd-seg-style";
  const CSS = `
  crowd-semantic-segmentation { display: block; }
  .crowd-seg .crowd-draw-main { display: flex; flex-direction: column; gap: 10px; }
  .crowd-seg .crowd-draw-title { font-size: 16px; font-weight: 600; margin: 0; }
  .crowd-seg .crowd-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; padding: 6px 8px;
    background: #fafafa; border: 1px solid #e1e4e8; border-radius: 8px; }
  .crowd-seg .crowd-toolgroup { display: flex; align-items: center; gap: 4px; flex-wrap: wrap; }
  .crowd-seg .crowd-toolgroup + .crowd-toolgroup { border-left: 1px solid #e1e4e8; padding-left: 10px; }
  .crowd-seg .crowd-tool { display: inline-flex; align-items: center; gap: 6px; height: 30px; padding: 0 9px;
    border: 1px solid #c6ccd2; border-radius: 6px; background: #fff; color: #16191f; font: 13px system-ui,
    sans-serif; cursor: pointer; white-space: nowrap; }
  .crowd-seg .crowd-tool:hover:not(:disabled) { border-color: #879596; background: #f4f6f8; }
  .crowd-seg .crowd-tool:disabled { opacity: .45; cursor: default; }
  .crowd-seg .crowd-tool:focus-visible { outline: 2px solid #0073bb; outline-offset: 1px; }
  .crowd-seg .crowd-tool[aria-pressed="true"] { border-color: #0073bb; background: #e8f3fb;
    box-shadow: inset 0 0 0 1px #0073bb; }
  .crowd-seg .crowd-tool .crowd-key { margin-right: 0; }
  .crowd-seg .crowd-slider { display: inline-flex; align-items: center; gap: 6px; font: 12px system-ui, sans-serif;
    color: #545b64; }
  .crowd-seg .crowd-slider input { width: 72px; accent-color: #0073bb; }
  .crowd-seg .crowd-slider output { min-width: 34px; font-variant-numeric: tabular-nums; color: #16191f; }
  .crowd-seg .crowd-zoom-label { min-width: 44px; text-align: center; font: 12px system-ui, sans-serif; color: #545b64; }
  .crowd-seg .crowd-work { display: flex; gap: 12px; align-items: flex-start; }
  .crowd-seg .crowd-stage { position: relative; flex: 1 1 auto; min-width: 0; overflow: auto; border: 1px solid #d5dbdb;
    border-radius: 8px; background: #eef0f2 repeating-conic-gradient(#e4e7ea 0 25%, transparent 0 50%) 0 0 / 16px 16px; }
  .crowd-seg .crowd-canvas { position: relative; margin: 0 auto; user-select: none; touch-action: none;
    cursor: none; }
  .crowd-seg .crowd-canvas.crowd-tool-polygon { cursor: crosshair; }
  .crowd-seg .crowd-canvas > img, .crowd-seg .crowd-canvas > canvas, .crowd-seg .crowd-canvas > svg {
    position: absolute; left: 0; top: 0; width: 100%; height: 100%; display: block; pointer-events: none; }
  .crowd-seg .crowd-canvas > img { -webkit-user-drag: none; }
  .crowd-seg .crowd-mask { image-rendering: pixelated; }
  .crowd-seg .crowd-overlay-ui { overflow: visible; }
  .crowd-seg .crowd-stage-msg { padding: 40px 16px; text-align: center; color: #545b64; font: 14px system-ui, sans-serif; }
  .crowd-seg .crowd-stage-msg.crowd-error { color: #d13212; }
  .crowd-seg .crowd-classes { flex: 0 0 200px; border: 1px solid #e1e4e8; border-radius: 8px; background: #fff;
    font: 13px system-ui, sans-serif; max-height: 72vh; overflow: auto; }
  .crowd-seg .crowd-classes h3 { margin: 0; padding: 8px 10px; font-size: 13px; font-weight: 600;
    border-bottom: 1px solid #e1e4e8; }
  .crowd-seg .crowd-classes ol { list-style: none; margin: 0; padding: 4px; }
  .crowd-seg .crowd-class { display: flex; align-items: center; gap: 8px; width: 100%; padding: 6px 8px; border: 0;
    border-radius: 6px; background: none; font: inherit; color: inherit; cursor: pointer; text-align: left; }
  .crowd-seg .crowd-class:hover { background: #f4f6f8; }
  .crowd-seg .crowd-class[aria-pressed="true"] { background: #e8f3fb; box-shadow: inset 0 0 0 1px #0073bb; }
  .crowd-seg .crowd-class .crowd-key { margin-right: 0; }
  .crowd-seg .crowd-class-name { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .crowd-seg .crowd-swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; flex: 0 0 auto;
    box-shadow: inset 0 0 0 1px rgba(0,0,0,.2); }
  .crowd-seg .crowd-used { color: #1d8102; font-size: 12px; }
  .crowd-seg .crowd-hints { color: #687078; font: 12px system-ui, sans-serif; }
  .crowd-seg .crowd-hints kbd { font: 11px ui-monospace, monospace; border: 1px solid #c6ccd2; border-bottom-width: 2px;
    border-radius: 3px; padding: 0 3px; background: #fff; }
  .crowd-seg .crowd-note { color: #8a6d00; font: 12px system-ui, sans-serif; }
  .crowd-seg .crowd-canvas.crowd-pixelated > img { image-rendering: pixelated; }
  `;

  const injectStyle = () => C.addStyle(STYLE_ID, CSS);

  const clamp = C.clamp;
  const ZOOM_STEP = 1.25;
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_UNDO = 50;

  function labelNames(text) {
    const out = [];
    for (const item of C.parseList(text)) {
      const name = item && typeof item === "object" ? item.label ?? item.name : item;
      if (name !== null && name !== undefined && String(name) && !out.includes(String(name))) out.push(String(name));
    }
    return out;
  }

  function hexRgb(hex) {
    let h = String(hex || "").trim().replace(/^#/, "").toLowerCase();
    if (/^[0-9a-f]{3}$/.test(h)) h = h.split("").map((c) => c + c).join("");
    if (!/^[0-9a-f]{6}$/.test(h)) return null;
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }

  const rgbHex = (rgb) => "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
    else fn();
  }

  function ownsKeys(element) {
    const active = C._activeDrawing;
    if (active && active.isConnected) return active === element;
    return document.querySelector("crowd-bounding-box, crowd-semantic-segmentation") === element;
  }

  /** An image for reading pixels: cross-origin reads need CORS, so ask for it (same-origin URLs ignore it). */
  function loadPixels(src) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      if (!src.startsWith("data:") && !src.startsWith("blob:")) img.crossOrigin = "anonymous";
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("the mask could not be loaded"));
      img.src = src;
    });
  }

  const Zoom = C.Zoom;


  class CrowdSemanticSegmentation extends C.Element {
    constructor() {
      super();
      this.labels = [];
      this.colors = [];
      this.active = 0;
      this.tool = "brush";
      this.radius = 4;
      this.opacity = 0.6;
      this.undoStack = [];
      this.redoStack = [];
      this.poly = [];
      this.stroke = null;
      this.natural = null;
      this.map = null;
      this.initialMap = null;
      this._rendered = false;
    }

    connectedCallback() {
      if (this._rendered) return;
      whenParsed(() => {
        if (!this._rendered && this.isConnected) this.render();
      });
    }

    // -- the answer --------------------------------------------------------------------------------------------

    get value() {
      const size = this.natural || { width: 0, height: 0 };
      const out = {
        labeledImage: { pngImageData: "" },
        labelMappings: {},
        inputImageProperties: { height: size.height, width: size.width },
      };
      if (this.map) {
        const canvas = document.createElement("canvas");
        canvas.width = size.width;
        canvas.height = size.height;
        canvas.getContext("2d").putImageData(this.pixels, 0, 0);
        out.labeledImage.pngImageData = canvas.toDataURL("image/png").replace(/^data:image\/png;base64,/, "");
        const used = new Uint8Array(256);
        const map = this.map;
        for (let i = 0; i < map.length; i++) used[map[i]] = 1;
        this.labels.forEach((name, k) => {
          if (used[k + 1]) out.labelMappings[name] = { color: this.colors[k] };
        });
      }
      if (this.hasInitial) out.initialValueModified = this.isModified();
      return out;
    }

    validate() {
      if (this.loadError) return null;
      if (!this.map || this.initialPending) return "The image is still loading; wait a moment and submit again.";
      return null;
    }

    isModified() {
      if (!this.map || !this.initialMap) return false;
      const a = this.map;
      const b = this.initialMap;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return true;
      return false;
    }

    // -- building the UI ---------------------------------------------------------------------------------------

    render() {
      this._rendered = true;
      injectStyle();
      this.labels = labelNames(this.getAttribute("labels"));
      const initial = C.parseValue(this.getAttribute("initial-value"), null);
      this.hasInitial = !!(initial && typeof initial === "object" && initial.src);
      this.initialValue = this.hasInitial ? initial : null;
      if (this.hasInitial && initial.labelMappings && typeof initial.labelMappings === "object") {
        for (const name of Object.keys(initial.labelMappings)) if (!this.labels.includes(name)) this.labels.push(name);
      }
      if (this.labels.length > 255) this.labels = this.labels.slice(0, 255);
      this.colors = this.pickColors(this.hasInitial ? initial.labelMappings : null);
      this.rgb = this.colors.map(hexRgb);

      const side = this.instructionsPanel();
      this.textContent = "";
      const el = C.el;
      const toolButton = (tool, text, key, title) => el("button", {
        type: "button", class: "crowd-tool crowd-tool-" + tool, "data-tool": tool, title: `${title} (${key})`,
        "aria-pressed": String(this.tool === tool), onclick: () => this.setTool(tool),
      }, text, el("span", { class: "crowd-key" }, key));
      this.toolButtons = [toolButton("brush", "Brush", "B", "Paint with the brush"),
        toolButton("eraser", "Eraser", "E", "Erase with the brush"),
        toolButton("polygon", "Polygon", "P", "Click the outline; Enter, the first point or a double-click fills it")];
      this.sizeInput = el("input", { type: "range", min: 1, max: 50, step: 1, value: this.radius,
        class: "crowd-brush-size", "aria-label": "Brush size (radius in image pixels)",
        oninput: () => this.setRadius(Number(this.sizeInput.value)) });
      this.sizeOut = el("output", {}, "");
      this.opacityInput = el("input", { type: "range", min: 0, max: 100, step: 5, value: this.opacity * 100,
        class: "crowd-opacity", "aria-label": "Mask opacity",
        oninput: () => this.setOpacity(Number(this.opacityInput.value) / 100) });
      this.opacityOut = el("output", {}, "");
      this.undoButton = el("button", { type: "button", class: "crowd-tool crowd-undo", title: "Undo (Ctrl+Z)",
        onclick: () => this.undo() }, "↶ Undo");
      this.redoButton = el("button", { type: "button", class: "crowd-tool crowd-redo", title: "Redo (Ctrl+Shift+Z)",
        onclick: () => this.redo() }, "↷ Redo");
      this.zoomLabel = el("span", { class: "crowd-zoom-label" }, "100%");
      const toolbar = el("div", { class: "crowd-toolbar" },
        el("div", { class: "crowd-toolgroup", role: "toolbar", "aria-label": "Tools" }, ...this.toolButtons),
        el("div", { class: "crowd-toolgroup" },
          el("label", { class: "crowd-slider", title: "Brush size ([ and ])" }, "Size", this.sizeInput, this.sizeOut),
          el("label", { class: "crowd-slider" }, "Opacity", this.opacityInput, this.opacityOut)),
        el("div", { class: "crowd-toolgroup" }, this.undoButton, this.redoButton),
        el("div", { class: "crowd-toolgroup", role: "toolbar", "aria-label": "Zoom" },
          el("button", { type: "button", class: "crowd-tool crowd-zoom-out", title: "Zoom out (−)",
            onclick: () => this.zoom.by(1 / ZOOM_STEP) }, "−"),
          this.zoomLabel,
          el("button", { type: "button", class: "crowd-tool crowd-zoom-in", title: "Zoom in (+)",
            onclick: () => this.zoom.by(ZOOM_STEP) }, "+"),
          el("button", { type: "button", class: "crowd-tool crowd-zoom-fit", title: "Fit the image (0)",
            onclick: () => this.zoom.fit() }, "Fit")));

      this.img = el("img", { alt: "", draggable: "false" });
      this.maskCanvas = el("canvas", { class: "crowd-mask" });
      this.ui = svg("svg", { class: "crowd-overlay-ui", preserveAspectRatio: "none" });
      this.canvas = el("div", { class: "crowd-canvas crowd-tool-" + this.tool, role: "application",
        "aria-label": "Image: paint the labelled regions" }, this.img, this.maskCanvas, this.ui);
      this.msg = el("div", { class: "crowd-stage-msg" }, "Loading the image…");
      this.stage = el("div", { class: "crowd-stage" }, this.msg);
      this.classList_ = el("ol", {});
      const classes = el("div", { class: "crowd-classes" }, el("h3", {}, "Labels"), this.classList_);
      this.note = el("div", { class: "crowd-note" });
      const hints = el("div", { class: "crowd-hints" },
        el("kbd", {}, "B"), " brush · ", el("kbd", {}, "E"), " eraser (or right-drag) · ", el("kbd", {}, "P"),
        " polygon · ", el("kbd", {}, "["), " ", el("kbd", {}, "]"), " size · ", el("kbd", {}, "1"), "–",
        el("kbd", {}, "9"), " label · ", el("kbd", {}, "Ctrl+Z"), " undo · ", el("kbd", {}, "Ctrl+Shift+Z"),
        " redo · ", el("kbd", {}, "+"), " ", el("kbd", {}, "−"), " zoom · ", el("kbd", {}, "Enter"), " submit");
      const header = this.getAttribute("header");
      const main = el("div", { class: "crowd-main crowd-draw-main" },
        header ? el("h2", { class: "crowd-draw-title" }, header) : null,
        toolbar, el("div", { class: "crowd-work" }, this.stage, classes), this.note, hints);
      this.append(el("div", { class: "crowd-layout crowd-seg" }, side, main));

      this.zoom = new Zoom(this.stage, this.canvas, (scale) => {
        this.zoomLabel.textContent = Math.round(scale * 100) + "%";
        this.drawUi();
      });
      this.canvas.addEventListener("pointerdown", (e) => this.onDown(e));
      this.canvas.addEventListener("pointermove", (e) => this.onMove(e));
      this.canvas.addEventListener("pointerup", (e) => this.onUp(e));
      this.canvas.addEventListener("pointercancel", (e) => this.onUp(e));
      this.canvas.addEventListener("pointerleave", () => {
        this.hover = null;
        this.drawUi();
      });
      this.canvas.addEventListener("dblclick", (e) => {
        if (this.tool === "polygon") {
          e.preventDefault();
          this.closePolygon();
        }
      });
      this.canvas.addEventListener("contextmenu", (e) => e.preventDefault());
      this.stage.addEventListener("wheel", (e) => {
        if (!e.ctrlKey || !this.natural) return;
        e.preventDefault();
        this.zoom.by(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, e.clientX, e.clientY);
      }, { passive: false });
      C.onKey(this, (e) => this.onKey(e));
      // Enter closes an open polygon; crowd-form submits on Enter too, so take the key first (capture phase)
      window.addEventListener("keydown", (e) => {
        if (e.key !== "Enter" || !this.poly.length || !this.isConnected || C.isTypingTarget(e.target)) return;
        if (!ownsKeys(this) || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return;
        e.preventDefault();
        this.closePolygon();
      }, true);

      this.renderClasses();
      this.setOpacity(this.opacity);
      this.updateHistoryButtons();
      const src = this.getAttribute("src");
      if (!src) {
        this.showError("This task has no image.");
        return;
      }
      C.loadImage(src).then((image) => this.imageReady(image), () => this.showError("The image could not be loaded."));
    }

    /** One colour per label: the initial-value's mapping when it gives a usable one, else the palette; never
     * white (the background) and never a colour twice (the server maps colours back to labels). */
    pickColors(mappings) {
      const taken = new Set(["#ffffff"]);
      const colors = new Array(this.labels.length).fill(null);
      if (mappings && typeof mappings === "object") {
        this.labels.forEach((name, k) => {
          const m = mappings[name];
          const rgb = hexRgb(m && typeof m === "object" ? m.color : m);
          const hex = rgb && rgbHex(rgb);
          if (hex && !taken.has(hex)) {
            colors[k] = hex;
            taken.add(hex);
          }
        });
      }
      let next = 0;
      this.labels.forEach((_, k) => {
        if (colors[k]) return;
        let hex = C.colorFor(k).toLowerCase();
        while (taken.has(hex)) {
          hex = next < C.PALETTE.length ? C.PALETTE[next].toLowerCase()
            : rgbHex([(next * 67) % 256, (next * 151) % 256, (next * 29 + 40) % 250]);
          next += 1;
        }
        colors[k] = hex;
        taken.add(hex);
      });
      return colors;
    }

    showError(text) {
      this.loadError = true;
      this.msg.textContent = text;
      this.msg.classList.add("crowd-error");
    }

    imageReady(image) {
      const W = image.naturalWidth || image.width;
      const H = image.naturalHeight || image.height;
      if (!W || !H) {
        this.showError("The image is empty.");
        return;
      }
      this.natural = { width: W, height: H };
      this.map = new Uint8Array(W * H);
      this.pixels = new ImageData(W, H);
      this.maskCanvas.width = W;
      this.maskCanvas.height = H;
      this.maskCtx = this.maskCanvas.getContext("2d");
      this.maskCtx.imageSmoothingEnabled = false;
      this.ui.setAttribute("viewBox", `0 0 ${W} ${H}`);
      this.img.src = image.src;
      this.msg.remove();
      this.stage.append(this.canvas);
      const maxRadius = Math.max(20, Math.round(Math.min(W, H) / 4));
      this.sizeInput.max = String(maxRadius);
      this.setRadius(clamp(Math.round(Math.min(W, H) / 50), 2, 30));
      this.zoom.setImage(W, H);
      if (this.hasInitial) {
        this.initialPending = true;
        loadPixels(String(this.initialValue.src)).then((mask) => this.readInitialMask(mask), () => {
          this.initialPending = false;
          this.initialMap = this.map.slice();
          this.note.textContent = "The previous mask could not be loaded; start from an empty mask.";
        });
      }
      this.dispatchEvent(new CustomEvent("crowd-ready", { bubbles: true }));
    }

    /** The prior mask (adjustment): white or transparent pixels are background, a mapped colour is its label,
     * any other colour (a resampled edge) takes the nearest mapped colour when close, else background. */
    readInitialMask(mask) {
      const { width: W, height: H } = this.natural;
      const canvas = document.createElement("canvas");
      canvas.width = W;
      canvas.height = H;
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(mask, 0, 0, W, H);
      let data;
      try {
        data = ctx.getImageData(0, 0, W, H).data;
      } catch (err) {
        this.initialPending = false;
        this.initialMap = this.map.slice();
        this.note.textContent = "The previous mask could not be read; start from an empty mask.";
        return;
      }
      const byKey = new Map();
      this.rgb.forEach((rgb, k) => byKey.set((rgb[0] << 16) | (rgb[1] << 8) | rgb[2], k + 1));
      const map = this.map;
      for (let i = 0, p = 0; i < map.length; i++, p += 4) {
        if (data[p + 3] < 128) continue;
        const r = data[p];
        const g = data[p + 1];
        const b = data[p + 2];
        const key = (r << 16) | (g << 8) | b;
        if (key === 0xffffff) continue;
        let cls = byKey.get(key);
        if (cls === undefined) {
          let best = 0;
          let bestD = 48 * 48;
          this.rgb.forEach((c, k) => {
            const d = (c[0] - r) ** 2 + (c[1] - g) ** 2 + (c[2] - b) ** 2;
            if (d < bestD) {
              bestD = d;
              best = k + 1;
            }
          });
          cls = best;
          byKey.set(key, cls);
        }
        map[i] = cls;
      }
      this.setRegion(0, 0, W, H, null);
      this.initialMap = this.map.slice();
      this.initialPending = false;
      this.renderClasses();
    }

    renderClasses() {
      this.classList_.textContent = "";
      if (!this.labels.length) {
        this.classList_.append(C.el("li", { class: "crowd-hints" }, "No labels were given."));
        return;
      }
      this.labels.forEach((name, k) => {
        this.classList_.append(C.el("li", {}, C.el("button", {
          type: "button", class: "crowd-class", "data-index": k, "aria-pressed": String(k === this.active),
          title: k < 9 ? `${name} (key ${k + 1})` : name, onclick: () => this.pickLabel(k),
        }, k < 9 ? C.el("span", { class: "crowd-key" }, String(k + 1)) : C.el("span", { class: "crowd-key" }, ""),
        C.el("span", { class: "crowd-swatch", style: { background: this.colors[k] } }),
        C.el("span", { class: "crowd-class-name" }, name))));
      });
    }

    pickLabel(k) {
      if (k < 0 || k >= this.labels.length) return;
      this.active = k;
      if (this.tool === "eraser") this.setTool("brush");
      for (const b of this.classList_.querySelectorAll(".crowd-class")) {
        b.setAttribute("aria-pressed", String(Number(b.dataset.index) === k));
      }
      this.drawUi();
    }

    setTool(tool) {
      if (tool !== "polygon") this.poly = [];
      this.tool = tool;
      for (const b of this.toolButtons) b.setAttribute("aria-pressed", String(b.dataset.tool === tool));
      this.canvas.className = "crowd-canvas crowd-tool-" + tool;
      this.drawUi();
    }

    setRadius(r) {
      this.radius = clamp(Math.round(r) || 1, 1, Number(this.sizeInput.max) || 50);
      this.sizeInput.value = String(this.radius);
      this.sizeOut.textContent = this.radius + " px";
      this.drawUi();
    }

    setOpacity(o) {
      this.opacity = clamp(o, 0, 1);
      this.opacityInput.value = String(Math.round(this.opacity * 100));
      this.opacityOut.textContent = Math.round(this.opacity * 100) + "%";
      this.maskCanvas.style.opacity = String(this.opacity);
    }

    // -- painting (own pixel loops: exact colours, no antialiasing) -----------------------------------------------

    /** Write class `cls` (0 = background) at pixel index i, in the class map and the displayed pixels. */
    put(i, cls) {
      this.map[i] = cls;
      const p = i * 4;
      const d = this.pixels.data;
      if (cls) {
        const c = this.rgb[cls - 1];
        d[p] = c[0];
        d[p + 1] = c[1];
        d[p + 2] = c[2];
        d[p + 3] = 255;
      } else {
        d[p] = d[p + 1] = d[p + 2] = d[p + 3] = 0;
      }
    }

    /** Refresh the displayed pixels of a rectangle from the class map (`values` given: write them first). */
    setRegion(x, y, w, h, values) {
      const W = this.natural.width;
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const i = (y + row) * W + x + col;
          this.put(i, values ? values[row * w + col] : this.map[i]);
        }
      }
      this.flush(x, y, w, h);
    }

    flush(x, y, w, h) {
      if (w > 0 && h > 0) this.maskCtx.putImageData(this.pixels, 0, 0, x, y, w, h);
    }

    /** Every pixel whose centre lies within `r` of the segment a–b (a disc when a = b) gets class `cls`. */
    paintSegment(a, b, r, cls) {
      const { width: W, height: H } = this.natural;
      const x0 = clamp(Math.floor(Math.min(a.x, b.x) - r - 1), 0, W);
      const x1 = clamp(Math.ceil(Math.max(a.x, b.x) + r + 1), 0, W);
      const y0 = clamp(Math.floor(Math.min(a.y, b.y) - r - 1), 0, H);
      const y1 = clamp(Math.ceil(Math.max(a.y, b.y) + r + 1), 0, H);
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      const len2 = dx * dx + dy * dy;
      const r2 = r * r;
      for (let y = y0; y < y1; y++) {
        const cy = y + 0.5;
        for (let x = x0; x < x1; x++) {
          const cx = x + 0.5;
          let t = len2 ? ((cx - a.x) * dx + (cy - a.y) * dy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = cx - (a.x + t * dx);
          const ey = cy - (a.y + t * dy);
          if (ex * ex + ey * ey <= r2) this.put(y * W + x, cls);
        }
      }
      this.flush(x0, y0, x1 - x0, y1 - y0);
      this.touch(x0, y0, x1, y1);
    }

    /** Even-odd fill: every pixel whose centre (x+0.5, y+0.5) lies inside the polygon gets class `cls`. */
    fillPolygon(points, cls) {
      const { width: W, height: H } = this.natural;
      const ys = points.map((p) => p.y);
      const y0 = clamp(Math.floor(Math.min(...ys)), 0, H);
      const y1 = clamp(Math.ceil(Math.max(...ys)), 0, H);
      let minX = W;
      let maxX = 0;
      const n = points.length;
      for (let y = y0; y < y1; y++) {
        const cy = y + 0.5;
        const xs = [];
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const a = points[j];
          const b = points[i];
          if ((a.y <= cy) !== (b.y <= cy)) xs.push(a.x + ((cy - a.y) * (b.x - a.x)) / (b.y - a.y));
        }
        xs.sort((p, q) => p - q);
        for (let k = 0; k + 1 < xs.length; k += 2) {
          const from = clamp(Math.ceil(xs[k] - 0.5), 0, W);
          const to = clamp(Math.ceil(xs[k + 1] - 0.5), 0, W);
          for (let x = from; x < to; x++) this.put(y * W + x, cls);
          if (to > from) {
            minX = Math.min(minX, from);
            maxX = Math.max(maxX, to);
          }
        }
      }
      this.flush(minX, y0, maxX - minX, y1 - y0);
    }

    // -- undo / redo: the changed rectangle's class values before and after ------------------------------------

    beginEdit() {
      this.before = this.map.slice();
      this.touched = null;
    }

    touch(x0, y0, x1, y1) {
      const t = this.touched;
      this.touched = t ? [Math.min(t[0], x0), Math.min(t[1], y0), Math.max(t[2], x1), Math.max(t[3], y1)]
        : [x0, y0, x1, y1];
    }

    endEdit() {
      const before = this.before;
      this.before = null;
      if (!before) return;
      const W = this.natural.width;
      const t = this.touched || [0, 0, W, this.natural.height];
      let [x0, y0, x1, y1] = [t[2], t[3], t[0], t[1]];
      for (let y = t[1]; y < t[3]; y++) {
        for (let x = t[0]; x < t[2]; x++) {
          const i = y * W + x;
          if (before[i] !== this.map[i]) {
            if (x < x0) x0 = x;
            if (x >= x1) x1 = x + 1;
            if (y < y0) y0 = y;
            if (y >= y1) y1 = y + 1;
          }
        }
      }
      if (x1 <= x0 || y1 <= y0) return;
      const w = x1 - x0;
      const h = y1 - y0;
      const prev = new Uint8Array(w * h);
      const next = new Uint8Array(w * h);
      for (let row = 0; row < h; row++) {
        const i = (y0 + row) * W + x0;
        prev.set(before.subarray(i, i + w), row * w);
        next.set(this.map.subarray(i, i + w), row * w);
      }
      this.undoStack.push({ x: x0, y: y0, w, h, prev, next });
      if (this.undoStack.length > MAX_UNDO) this.undoStack.shift();
      this.redoStack = [];
      this.updateHistoryButtons();
    }

    undo() {
      const edit = this.undoStack.pop();
      if (!edit) return;
      this.setRegion(edit.x, edit.y, edit.w, edit.h, edit.prev);
      this.redoStack.push(edit);
      this.updateHistoryButtons();
    }

    redo() {
      const edit = this.redoStack.pop();
      if (!edit) return;
      this.setRegion(edit.x, edit.y, edit.w, edit.h, edit.next);
      this.undoStack.push(edit);
      this.updateHistoryButtons();
    }

    updateHistoryButtons() {
      this.undoButton.disabled = !this.undoStack.length;
      this.redoButton.disabled = !this.redoStack.length;
    }

    // -- pointer -----------------------------------------------------------------------------------------------

    toImage(e) {
      const rect = this.canvas.getBoundingClientRect();
      return {
        x: ((e.clientX - rect.left) * this.natural.width) / rect.width,
        y: ((e.clientY - rect.top) * this.natural.height) / rect.height,
      };
    }

    onDown(e) {
      if (!this.map || this.initialPending || (e.button !== 0 && e.button !== 2)) return;
      e.preventDefault();
      C._activeDrawing = this;
      const p = this.toImage(e);
      if (this.tool === "polygon") {
        if (e.button !== 0) return;
        this.addVertex(p, e);
        return;
      }
      if (!this.labels.length && this.tool === "brush") return;
      const cls = this.tool === "eraser" || e.button === 2 ? 0 : this.active + 1;
      this.stroke = { last: p, cls };
      try {
        this.canvas.setPointerCapture(e.pointerId);
      } catch (err) {
        /* synthetic events have no capturable pointer */
      }
      this.beginEdit();
      this.paintSegment(p, p, this.radius, cls);
    }

    onMove(e) {
      if (!this.map) return;
      const p = this.toImage(e);
      this.hover = p;
      if (this.stroke) {
        this.paintSegment(this.stroke.last, p, this.radius, this.stroke.cls);
        this.stroke.last = p;
      }
      this.drawUi();
    }

    onUp() {
      if (!this.stroke) return;
      this.stroke = null;
      this.endEdit();
    }

    addVertex(p, e) {
      const { width: W, height: H } = this.natural;
      const v = { x: clamp(Math.round(p.x), 0, W), y: clamp(Math.round(p.y), 0, H) };
      if (this.poly.length >= 3) {
        const rect = this.canvas.getBoundingClientRect();
        const first = this.poly[0];
        const fx = rect.left + (first.x * rect.width) / W;
        const fy = rect.top + (first.y * rect.height) / H;
        if (Math.hypot(e.clientX - fx, e.clientY - fy) <= 8) {
          this.closePolygon();
          return;
        }
      }
      const last = this.poly[this.poly.length - 1];
      if (!last || last.x !== v.x || last.y !== v.y) this.poly.push(v);
      this.drawUi();
    }

    closePolygon() {
      const pts = this.poly.filter((v, i, all) => i === 0 || v.x !== all[i - 1].x || v.y !== all[i - 1].y);
      while (pts.length > 1 && pts[0].x === pts[pts.length - 1].x && pts[0].y === pts[pts.length - 1].y) pts.pop();
      this.poly = [];
      if (pts.length >= 3 && this.labels.length) {
        this.beginEdit();
        const xs = pts.map((v) => v.x);
        const ys = pts.map((v) => v.y);
        this.fillPolygon(pts, this.active + 1);
        this.touch(Math.max(0, Math.min(...xs) - 1), Math.max(0, Math.min(...ys) - 1),
          Math.min(this.natural.width, Math.max(...xs) + 1), Math.min(this.natural.height, Math.max(...ys) + 1));
        this.endEdit();
      }
      this.drawUi();
    }

    /** The brush outline and the polygon being drawn, in image coordinates (the SVG's viewBox). */
    drawUi() {
      if (!this.natural || !this.ui) return;
      this.ui.textContent = "";
      const scale = this.zoom ? this.zoom.scale : 1;
      const color = this.tool === "eraser" ? "#ffffff" : this.colors[this.active] || "#ffffff";
      const stroke = { "vector-effect": "non-scaling-stroke", fill: "none" };
      if (this.tool === "polygon" && this.poly.length) {
        const pts = this.poly.map((v) => `${v.x},${v.y}`);
        if (this.hover) pts.push(`${this.hover.x},${this.hover.y}`);
        this.ui.append(svg("polygon", { points: pts.join(" "), ...stroke, fill: color, "fill-opacity": 0.2 }));
        this.ui.append(svg("polyline", { points: pts.join(" "), ...stroke, stroke: "#000", "stroke-width": 3,
          "stroke-opacity": 0.5 }));
        this.ui.append(svg("polyline", { points: pts.join(" "), ...stroke, stroke: color, "stroke-width": 1.5 }));
        this.poly.forEach((v, i) => {
          this.ui.append(svg("circle", { cx: v.x, cy: v.y, r: (i === 0 ? 5 : 3.5) / scale, fill: i === 0 ? "#fff" : color,
            stroke: i === 0 ? color : "#fff", "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" }));
        });
      } else if (this.tool !== "polygon" && this.hover) {
        const { x, y } = this.hover;
        this.ui.append(svg("circle", { cx: x, cy: y, r: this.radius, ...stroke, stroke: "#000", "stroke-width": 3,
          "stroke-opacity": 0.45 }));
        this.ui.append(svg("circle", { cx: x, cy: y, r: this.radius, ...stroke, stroke: color, "stroke-width": 1.5 }));
      }
    }

    // -- keyboard ----------------------------------------------------------------------------------------------

    onKey(e) {
      if (!this.map || !ownsKeys(this) || document.querySelector(".crowd-modal-backdrop")) return;
      const index = C.keyIndex(e);
      if (index >= 0) {
        if (index < this.labels.length) {
          e.preventDefault();
          this.pickLabel(index);
        }
        return;
      }
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
      if (e.ctrlKey || e.metaKey) {
        if (key === "z" && !e.shiftKey) this.undo();
        else if ((key === "z" && e.shiftKey) || key === "y") this.redo();
        else return;
        e.preventDefault();
        return;
      }
      if (e.altKey) return;
      const actions = {
        b: () => this.setTool("brush"),
        e: () => this.setTool("eraser"),
        p: () => this.setTool("polygon"),
        "[": () => this.setRadius(this.radius - 1),
        "]": () => this.setRadius(this.radius + 1),
        "+": () => this.zoom.by(ZOOM_STEP),
        "=": () => this.zoom.by(ZOOM_STEP),
        "-": () => this.zoom.by(1 / ZOOM_STEP),
        _: () => this.zoom.by(1 / ZOOM_STEP),
        0: () => this.zoom.fit(),
        Enter: () => (this.poly.length ? this.closePolygon() : C.requestSubmit(this)),
        Escape: () => {
          this.poly = [];
          this.drawUi();
        },
        Backspace: () => {
          if (!this.poly.length) return false;
          this.poly.pop();
          this.drawUi();
          return true;
        },
      };
      const action = actions[key];
      if (!action) return;
      if (action() === false) return;
      e.preventDefault();
    }
  }

  C.define("crowd-semantic-segmentation", CrowdSemanticSegmentation);
})();
