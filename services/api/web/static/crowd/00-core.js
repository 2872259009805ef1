/* Groundwork's Crowd HTML Elements: the shared core.
 *
 * Ground Truth templates load https://assets.crowd.aws/crowd-html-elements.js; Groundwork serves its own
 * implementation at /crowd-html-elements.js (this file and its siblings, concatenated in name order). Every
 * element is a light-DOM custom element; an element's answer is its `value` in Ground Truth's output shape.
 */
(function () {
  "use strict";
  if (window.Crowd) return;

  const PALETTE = ["#2ca02c", "#1f77b4", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
    "#9edae5", "#dbdb8d", "#393b79"];

  /** A JS literal as templates write it (`['Cat', 'Dog']`, `{ text: 'None' }`) made into JSON text. */
  function literalToJson(text) {
    let out = "";
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === "'" || ch === '"') {
        let j = i + 1;
        let body = "";
        while (j < text.length && text[j] !== ch) {
          if (text[j] === "\\" && j + 1 < text.length) {
            body += text[j + 1] === "'" ? "'" : text[j] + text[j + 1];
            j += 2;
            continue;
          }
          body += text[j] === '"' ? '\\"' : text[j];
          j += 1;
        }
        out += '"' + body + '"';
        i = j + 1;
        continue;
      }
      if (/[A-Za-z_$]/.test(ch)) {
        let j = i;
        while (j < text.length && /[\w$-]/.test(text[j])) j += 1;
        const word = text.slice(i, j);
        let k = j;
        while (k < text.length && /\s/.test(text[k])) k += 1;
        out += text[k] === ":" && !["true", "false", "null"].includes(word) ? '"' + word + '"' : word;
        i = j;
        continue;
      }
      out += ch;
      i += 1;
    }
    return out.replace(/,\s*([}\]])/g, "$1");
  }

  /** An attribute's value: JSON, or a JS literal; `fallback` when empty or unreadable. */
  function parseValue(text, fallback) {
    if (text === null || text === undefined) return fallback === undefined ? null : fallback;
    if (typeof text !== "string") return text;
    const trimmed = text.trim();
    if (!trimmed) return fallback === undefined ? null : fallback;
    try {
      return JSON.parse(trimmed);
    } catch (e) {
      /* not JSON: try a JS literal */
    }
    try {
      return JSON.parse(literalToJson(trimmed));
    } catch (e) {
      return fallback === undefined ? trimmed : fallback;
    }
  }

  function parseList(text) {
    const value = parseValue(text, []);
    if (Array.isArray(value)) return value;
    if (typeof value === "string" && value) return value.split(",").map((s) => s.trim()).filter(Boolean);
    return [];
  }

  /** el("div", {class: "x", onclick: fn}, "text", child) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function isTypingTarget(target) {
    if (!target || !(target instanceof Element)) return false;
    const tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  /** Keys 1..9 (digit row or numpad) → 0..8; anything else → -1. */
  function keyIndex(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return -1;
    const m = /^(?:Digit|Numpad)([1-9])$/.exec(event.code || "");
    if (m) return Number(m[1]) - 1;
    if (/^[1-9]$/.test(event.key)) return Number(event.key) - 1;
    return -1;
  }

  /** A keydown listener for an element's shortcuts; it never fires while the worker types in a field. */
  function onKey(element, handler) {
    const listener = (event) => {
      if (!element.isConnected || event.defaultPrevented || isTypingTarget(event.target)) return;
      handler(event);
    };
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }

  function loadImage(src) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error("the image could not be loaded: " + src));
      img.src = src;
    });
  }

  function requestSubmit(from) {
    const form = from && from.closest ? from.closest("crowd-form") : null;
    const target = form || document.querySelector("crowd-form");
    if (target && typeof target.submitAnswer === "function") target.submitAnswer();
  }

  const CSS = `
  .crowd-layout { display: flex; gap: 16px; font: 14px/1.4 system-ui, sans-serif; color: #16191f; }
  .crowd-side { flex: 0 0 240px; border-right: 1px solid #d5dbdb; padding-right: 12px; }
  .crowd-main { flex: 1 1 auto; min-width: 0; }
  .crowd-header { font-size: 16px; font-weight: 600; margin: 0 0 8px; }
  .crowd-short { margin: 8px 0; }
  .crowd-link { background: none; border: 0; padding: 0; color: #0073bb; cursor: pointer; font: inherit; }
  .crowd-modal-backdrop { position: fixed; inset: 0; background: rgba(0,0,0,.4); display: flex;
    align-items: center; justify-content: center; z-index: 1000; }
  .crowd-modal { background: #fff; max-width: 760px; max-height: 80vh; overflow: auto; padding: 16px 20px;
    border-radius: 6px; }
  .crowd-examples { display: grid; gap: 8px; }
  positive-example, negative-example { display: block; border-left: 4px solid #1d8102; padding: 4px 8px; }
  negative-example { border-left-color: #d13212; }
  positive-example img, negative-example img { max-width: 100%; }
  .crowd-key { display: inline-block; min-width: 1.4em; text-align: center; border: 1px solid #aab7b8;
    border-radius: 3px; font-size: 12px; margin-right: 6px; background: #f2f3f3; }
  `;

  function injectStyle() {
    if (document.getElementById("crowd-core-style")) return;
    const style = el("style", { id: "crowd-core-style" });
    style.textContent = CSS;
    (document.head || document.documentElement).append(style);
  }

  /** The base class of every crowd element with an answer. */
  class CrowdElement extends HTMLElement {
    get name() {
      return this.getAttribute("name") || this.tagName.toLowerCase();
    }

    get value() {
      return null;
    }

    validate() {
      return null;
    }

    region(tag) {
      for (const child of this.children) if (child.tagName.toLowerCase() === tag) return child;
      return this._regions ? this._regions[tag] || null : null;
    }

    /** Detach the element's regions (instructions, examples, comment) before it renders its own UI. */
    takeRegions(tags) {
      this._regions = this._regions || {};
      for (const tag of tags) {
        const node = this.region(tag);
        if (node) {
          this._regions[tag] = node;
          node.remove();
        }
      }
      return this._regions;
    }

    /** The left panel: header, short instructions, the full instructions (with examples) in a modal. */
    instructionsPanel() {
      injectStyle();
      const regions = this.takeRegions(["short-instructions", "full-instructions", "positive-example",
        "negative-example"]);
      const panel = el("div", { class: "crowd-side" });
      const short = regions["short-instructions"];
      if (short) panel.append(el("div", { class: "crowd-short" }, ...Array.from(short.childNodes)));
      const full = regions["full-instructions"];
      const examples = ["positive-example", "negative-example"].map((t) => regions[t]).filter(Boolean);
      if (full || examples.length) {
        const title = (full && full.getAttribute("header")) || "Instructions";
        const body = el("div", { class: "crowd-full" });
        if (full) body.append(...Array.from(full.childNodes));
        for (const ex of examples) body.append(ex);
        panel.append(el("button", {
          type: "button", class: "crowd-link crowd-full-instructions-button",
          onclick: () => openModal(title, body),
        }, "View full instructions"));
      }
      return panel;
    }
  }

  function openModal(title, body) {
    injectStyle();
    const close = () => backdrop.remove();
    const backdrop = el("div", { class: "crowd-modal-backdrop", onclick: (e) => { if (e.target === backdrop) close(); } },
      el("div", { class: "crowd-modal", role: "dialog", "aria-label": title },
        el("h2", { class: "crowd-header" }, title), body,
        el("p", {}, el("button", { type: "button", class: "crowd-modal-close", onclick: close }, "Close"))));
    document.body.append(backdrop);
    const onEsc = (e) => { if (e.key === "Escape") { close(); document.removeEventListener("keydown", onEsc); } };
    document.addEventListener("keydown", onEsc);
    return backdrop;
  }

  /** Inside the portal's sandboxed task frame, tell the portal the worker is active (at most every 5 s), so it
   * keeps the lease alive while they work: the portal cannot watch events in a frame of another origin. */
  function reportActivity() {
    if (window.parent === window) return;
    let last = 0;
    const ping = () => {
      const now = Date.now();
      if (now - last < 5000) return;
      last = now;
      window.parent.postMessage({ type: "crowd-activity" }, "*");
    };
    for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "input"]) {
      document.addEventListener(type, ping, { passive: true, capture: true });
    }
  }
  reportActivity();

  /** The core style plus one file's own, each injected once per document. */
  function addStyle(id, css) {
    injectStyle();
    if (document.getElementById(id)) return;
    const style = el("style", { id });
    style.textContent = css;
    (document.head || document.documentElement).append(style);
  }

  /** Run `fn` once the element's children are parsed (custom elements connect before their children exist). */
  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn, { once: true });
    else fn();
  }

  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

  /** Zoom and fit for a scroll container (`stage`) around a surface (`canvas`) showing a w×h image. */
  class Zoom {
    constructor(stage, canvas, onChange) {
      this.stage = stage;
      this.canvas = canvas;
      this.onChange = onChange;
      this.scale = 1;
      this.fitting = true;
      this.w = 0;
      this.h = 0;
      this.lastWidth = 0;
      if (window.ResizeObserver) {
        new ResizeObserver(() => {
          const width = this.stage.clientWidth;
          if (this.w && this.fitting && width && width !== this.lastWidth) this.fit();
        }).observe(stage);
      }
    }

    viewHeight() {
      return Math.round(clamp(window.innerHeight * 0.72, 240, 760));
    }

    setImage(w, h) {
      this.w = w;
      this.h = h;
      this.stage.style.maxHeight = this.viewHeight() + "px";
      this.fit();
    }

    fit() {
      this.fitting = true;
      this.lastWidth = this.stage.clientWidth;
      const availW = Math.max(100, (this.stage.clientWidth || 800) - 2);
      const availH = this.viewHeight() - 2;
      this.apply(Math.min(availW / this.w, availH / this.h, 8));
    }

    /** Zoom by `factor`, keeping the image point under client point (ax, ay) (default: the view's centre) still. */
    by(factor, ax, ay) {
      if (!this.w) return;
      const view = this.stage.getBoundingClientRect();
      if (ax === undefined) {
        ax = view.left + this.stage.clientWidth / 2;
        ay = view.top + this.stage.clientHeight / 2;
      }
      const before = this.canvas.getBoundingClientRect();
      const ix = (ax - before.left) / this.scale;
      const iy = (ay - before.top) / this.scale;
      this.fitting = false;
      this.apply(clamp(this.scale * factor, 0.05, 32));
      const after = this.canvas.getBoundingClientRect();
      this.stage.scrollLeft += after.left + ix * this.scale - ax;
      this.stage.scrollTop += after.top + iy * this.scale - ay;
    }

    apply(scale) {
      this.scale = scale;
      this.canvas.style.width = this.w * scale + "px";
      this.canvas.style.height = this.h * scale + "px";
      this.canvas.classList.toggle("crowd-pixelated", scale >= 3); // see the pixels you label
      if (this.onChange) this.onChange(scale);
    }
  }
  function define(tag, cls) {
    if (!customElements.get(tag)) customElements.define(tag, cls);
  }

  window.Crowd = {
    PALETTE, parseValue, parseList, el, isTypingTarget, keyIndex, onKey, loadImage, requestSubmit, injectStyle,
    addStyle, whenParsed, clamp, Zoom, openModal, define, Element: CrowdElement,
    colorFor(index) { return PALETTE[index % PALETTE.length]; },
  };
})();
