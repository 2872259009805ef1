/* The classifiers: crowd-image-classifier, crowd-image-classifier-multi-select, crowd-classifier,
 * crowd-classifier-multi-select.
 *
 * One UI for all four: instructions on the left, the header, the image (or the classification-target) and the
 * category buttons, each with its key (1..9). Keys pick (single) or toggle (multi); Enter submits the form.
 */
(function () {
  "use strict";
  const Crowd = window.Crowd;
  if (!Crowd || customElements.get("crowd-classifier")) return;
  const { el } = Crowd;
  const MAX_W = 800;
  const MAX_H = 600;

  const CSS = `
  .crowd-cls { align-items: flex-start; }
  .crowd-cls .crowd-main { display: flex; flex-direction: column; gap: 10px; }
  .crowd-cls .crowd-cls-header { font: 600 17px/1.35 system-ui, sans-serif; margin: 0; color: #16191f; }
  .crowd-cls .crowd-cls-body { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
  .crowd-cls .crowd-cls-target { flex: 0 1 auto; min-width: 0; max-width: 100%; }
  .crowd-cls .crowd-cls-target.crowd-cls-target-text { flex: 1 1 360px; max-width: 720px; }
  .crowd-cls .crowd-image-frame { position: relative; display: inline-block; line-height: 0; background: #f2f3f3;
    border: 1px solid #d5dbdb; border-radius: 4px; overflow: hidden; }
  .crowd-cls .crowd-image-frame > img.crowd-cls-image { display: block; max-width: none; max-height: none;
    margin: 0; padding: 0; border: 0; }
  .crowd-cls .crowd-image-frame > .crowd-overlay { position: absolute; left: 0; top: 0; width: 100%; height: 100%;
    pointer-events: none; margin: 0; padding: 0; border: 0; max-width: none; }
  .crowd-cls .crowd-image-frame > img.crowd-overlay-mask { opacity: .5; image-rendering: pixelated; }
  .crowd-cls .crowd-image-error { line-height: 1.4; padding: 24px; color: #d13212; }
  .crowd-cls .crowd-cls-text { font: 16px/1.55 system-ui, sans-serif; padding: 14px 16px; border: 1px solid #d5dbdb;
    border-radius: 4px; background: #fafafa; max-width: 720px; overflow-wrap: anywhere; color: #16191f; }
  .crowd-cls .crowd-cls-text blockquote { margin: 0; padding: 0; border: 0; }
  .crowd-cls .crowd-cls-side { flex: 0 0 220px; display: flex; flex-direction: column; gap: 6px; }
  .crowd-cls .crowd-cls-hint { font-size: 12px; color: #687078; margin: 0 0 2px; }
  .crowd-cls button.crowd-option { display: flex; align-items: center; gap: 8px; width: 100%; text-align: left;
    font: 14px/1.3 system-ui, sans-serif; color: #16191f; background: #fff; border: 1px solid #aab7b8;
    border-radius: 4px; padding: 8px 10px; margin: 0; cursor: pointer; min-height: 36px; box-shadow: none; }
  .crowd-cls button.crowd-option:hover { border-color: #0073bb; background: #f1faff; }
  .crowd-cls button.crowd-option:focus-visible { outline: 2px solid #0073bb; outline-offset: 1px; }
  .crowd-cls button.crowd-option.selected { background: #0073bb; border-color: #0073bb; color: #fff; }
  .crowd-cls button.crowd-option.selected .crowd-key { background: #fff; color: #0073bb; border-color: #fff; }
  .crowd-cls button.crowd-option .crowd-key { flex: 0 0 auto; margin: 0; color: #16191f; }
  .crowd-cls button.crowd-option .crowd-check { margin-left: auto; font-weight: 700; visibility: hidden; }
  .crowd-cls button.crowd-option.selected .crowd-check { visibility: visible; }
  .crowd-cls .crowd-option-sep { border: 0; border-top: 1px dashed #d5dbdb; margin: 4px 0; }
  .crowd-cls .crowd-comment { display: flex; flex-direction: column; gap: 4px; margin-top: 10px; }
  .crowd-cls .crowd-comment label { font-weight: 600; }
  .crowd-cls .crowd-comment textarea { box-sizing: border-box; width: 100%; font: 14px/1.4 system-ui, sans-serif;
    padding: 6px 8px; border: 1px solid #aab7b8; border-radius: 4px; resize: vertical; min-height: 64px; }
  `;

  const injectStyle = () => { Crowd.addStyle("crowd-classifiers-style", CSS); };

  const whenParsed = Crowd.whenParsed;

  function categoryText(c) {
    if (c && typeof c === "object") return String(c.label || c.text || c.name || "");
    return String(c);
  }

  class Classifier extends Crowd.Element {
    static get multi() { return false; }
    static get image() { return false; }

    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    get multi() { return this.constructor.multi; }

    get categories() {
      if (!this._categories) this._categories = Crowd.parseList(this.getAttribute("categories")).map(categoryText);
      return this._categories;
    }

    /** The exclusion option's text ("None of the above"), or null. */
    get exclusion() {
      if (!this.multi) return null;
      const raw = Crowd.parseValue(this.getAttribute("exclusion-category"), null);
      if (raw === null || raw === "") return null;
      const text = typeof raw === "object" ? raw.text || raw.label : String(raw);
      return text ? String(text) : null;
    }

    _render() {
      if (this._ui) return;
      this._selected = new Set();
      this._excluded = false;
      const panel = this.instructionsPanel();
      const regions = this.takeRegions(["classification-target", "worker-comment"]);
      this.textContent = "";

      const header = this.getAttribute("header");
      const target = el("div", { class: this.constructor.image ? "crowd-cls-target" : "crowd-cls-target crowd-cls-target-text" });
      if (this.constructor.image) target.append(this._imageFrame());
      else {
        const source = regions["classification-target"];
        target.append(el("div", { class: "crowd-cls-text" }, ...(source ? Array.from(source.childNodes) : [])));
      }

      this._buttons = this.categories.map((label, i) => this._optionButton(label, i, () => this.choose(i)));
      const side = el("div", { class: "crowd-cls-side", role: "group", "aria-label": header || "Categories" },
        el("p", { class: "crowd-cls-hint" }, this.multi ? "Choose all that apply (keys toggle)" : "Choose one"),
        this._buttons);
      const exclusion = this.exclusion;
      if (exclusion) {
        this._exclusionButton = this._optionButton(exclusion, this.categories.length, () => this.chooseExclusion());
        this._exclusionButton.classList.add("crowd-option-exclusion");
        side.append(el("hr", { class: "crowd-option-sep" }), this._exclusionButton);
      }
      const comment = regions["worker-comment"];
      if (comment) {
        const id = `crowd-comment-${Math.random().toString(36).slice(2, 8)}`;
        this._comment = el("textarea", { id, rows: 3, placeholder: comment.getAttribute("placeholder") || "" });
        const intro = comment.textContent.trim();
        side.append(el("div", { class: "crowd-comment" },
          el("label", { for: id }, comment.getAttribute("header") || "Comment"),
          intro ? el("div", { class: "crowd-cls-hint" }, intro) : null,
          this._comment));
      }

      const main = el("div", { class: "crowd-main" },
        header ? el("h2", { class: "crowd-cls-header" }, header) : null,
        el("div", { class: "crowd-cls-body" }, target, side));
      this._ui = el("div", { class: "crowd-layout crowd-cls" }, panel, main);
      this.append(this._ui);

      Crowd.onKey(this, (event) => this._onKey(event));
      this._refresh();
    }

    _optionButton(label, i, onChoose) {
      return el("button", { type: "button", class: "crowd-option", "aria-pressed": "false", "data-index": i,
        onclick: onChoose },
        i < 9 ? el("span", { class: "crowd-key", "aria-hidden": "true" }, String(i + 1)) : null,
        el("span", { class: "crowd-option-text" }, label),
        el("span", { class: "crowd-check", "aria-hidden": "true" }, "✓"));
    }

    _onKey(event) {
      if (document.querySelector(".crowd-modal-backdrop")) return;
      if (event.key === "Enter") {
        event.preventDefault();
        Crowd.requestSubmit(this);
        return;
      }
      const index = Crowd.keyIndex(event);
      if (index < 0) return;
      if (index < this.categories.length) this.choose(index);
      else if (this._exclusionButton && index === this.categories.length) this.chooseExclusion();
      else return;
      event.preventDefault();
    }

    /** Pick category `index` (single) or toggle it (multi). */
    choose(index) {
      if (this.multi) {
        if (this._selected.has(index)) this._selected.delete(index);
        else this._selected.add(index);
        this._excluded = false;
      } else {
        this._selected = new Set([index]);
      }
      this._changed();
    }

    chooseExclusion() {
      this._excluded = !this._excluded;
      if (this._excluded) this._selected.clear();
      this._changed();
    }

    _changed() {
      this._refresh();
      const form = this.closest("crowd-form");
      if (form && typeof form.clearErrors === "function") form.clearErrors();
      this.dispatchEvent(new CustomEvent("crowd-change", { bubbles: true, detail: { value: this.value } }));
    }

    _refresh() {
      this._buttons.forEach((button, i) => {
        const on = this._selected.has(i);
        button.classList.toggle("selected", on);
        button.setAttribute("aria-pressed", String(on));
      });
      if (this._exclusionButton) {
        this._exclusionButton.classList.toggle("selected", this._excluded);
        this._exclusionButton.setAttribute("aria-pressed", String(this._excluded));
      }
    }

    get value() {
      if (!this._ui) return this.multi ? { labels: [] } : {};
      if (this.multi) {
        return { labels: this.categories.filter((_, i) => this._selected.has(i)) };
      }
      const [index] = Array.from(this._selected);
      const out = index === undefined ? {} : { label: this.categories[index] };
      const comment = this._comment ? this._comment.value.trim() : "";
      if (comment) out.workerComment = comment;
      return out;
    }

    validate() {
      if (!this._ui) return null;
      if (this.multi) {
        if (this._selected.size || this._excluded) return null;
        const exclusion = this.exclusion;
        return exclusion ? `Choose at least one category, or ${exclusion}` : "Choose at least one category";
      }
      return this._selected.size ? null : "Choose a category";
    }

    /* ---- image and overlay ---- */

    _imageFrame() {
      const frame = el("div", { class: "crowd-image-frame" });
      const img = el("img", { class: "crowd-cls-image", alt: this.getAttribute("header") || "Image to classify",
        draggable: "false" });
      frame.append(img);
      this._img = img;
      img.addEventListener("load", () => {
        this._fit();
        this._drawOverlay(frame);
      });
      img.addEventListener("error", () => {
        frame.replaceChildren(el("div", { class: "crowd-image-error" }, "The image could not be loaded."));
      });
      img.src = this.getAttribute("src") || "";
      if (!this._resize) {
        this._resize = () => {
          if (!this.isConnected) return;
          this._fit();
          this._paintBoxes();
        };
        window.addEventListener("resize", this._resize);
      }
      return frame;
    }

    /** Scale the image to fit (at most 800x600 and the space beside the buttons), keeping its aspect. */
    _fit() {
      const img = this._img;
      if (!img || !img.naturalWidth) return;
      const body = this.querySelector(".crowd-cls-body");
      const room = body ? Math.max(200, body.clientWidth - 264) : MAX_W;
      const scale = Math.min(Math.min(MAX_W, room) / img.naturalWidth, MAX_H / img.naturalHeight);
      img.style.width = `${Math.round(img.naturalWidth * scale)}px`;
      img.style.height = `${Math.round(img.naturalHeight * scale)}px`;
    }

    _drawOverlay(frame) {
      if (frame.querySelector(".crowd-overlay")) return;
      const overlay = Crowd.parseValue(this.getAttribute("overlay"), null);
      if (!overlay || typeof overlay !== "object") return;
      const boxes = overlay["bounding-box"] || overlay.boundingBox;
      const seg = overlay["semantic-segmentation"] || overlay.semanticSegmentation;
      if (boxes) {
        this._boxes = boxes;
        this._canvas = el("canvas", { class: "crowd-overlay crowd-overlay-boxes", "aria-hidden": "true" });
        frame.append(this._canvas);
        this._paintBoxes();
      } else if (seg && seg.src) {
        frame.append(el("img", { class: "crowd-overlay crowd-overlay-mask", src: seg.src, alt: "" }));
      }
    }

    /** Draw the prior boxes at the image's displayed size (crisp lines and readable labels at any zoom). */
    _paintBoxes() {
      const img = this._img;
      const canvas = this._canvas;
      if (!canvas || !img || !img.naturalWidth) return;
      const dpr = window.devicePixelRatio || 1;
      const rect = img.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round((rect.width || img.naturalWidth) * dpr));
      canvas.height = Math.max(1, Math.round((rect.height || img.naturalHeight) * dpr));
      const sx = canvas.width / img.naturalWidth;
      const sy = canvas.height / img.naturalHeight;
      const ctx = canvas.getContext("2d");
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const boxes = this._boxes;
      const labels = Array.isArray(boxes.labels) ? boxes.labels.map(categoryText) : [];
      const values = Array.isArray(boxes.value) ? boxes.value : Array.isArray(boxes) ? boxes : [];
      const line = Math.max(2, Math.round(2 * dpr));
      const size = Math.round(12 * dpr);
      values.forEach((box, i) => {
        const index = labels.indexOf(box.label);
        const color = Crowd.colorFor(index >= 0 ? index : i);
        const nums = [box.left, box.top, box.width, box.height].map(Number);
        if (!nums.every(Number.isFinite)) return;
        const x = Math.round(nums[0] * sx);
        const y = Math.round(nums[1] * sy);
        const w = Math.round(nums[2] * sx);
        const h = Math.round(nums[3] * sy);
        ctx.lineWidth = line;
        ctx.strokeStyle = color;
        ctx.strokeRect(x, y, w, h);
        if (box.label) {
          ctx.font = `600 ${size}px system-ui, sans-serif`;
          const tw = Math.ceil(ctx.measureText(box.label).width) + 8 * dpr;
          const th = size + 6 * dpr;
          const ty = y - th >= 0 ? y - th : y;
          ctx.fillStyle = color;
          ctx.fillRect(x - line / 2, ty, tw, th);
          ctx.fillStyle = "#fff";
          ctx.textBaseline = "top";
          ctx.fillText(box.label, x - line / 2 + 4 * dpr, ty + 3 * dpr);
        }
      });
    }
  }

  class ImageClassifier extends Classifier {
    static get image() { return true; }
  }

  class ImageClassifierMulti extends Classifier {
    static get image() { return true; }
    static get multi() { return true; }
  }

  class TextClassifier extends Classifier {}

  class TextClassifierMulti extends Classifier {
    static get multi() { return true; }
  }

  Crowd.define("crowd-image-classifier", ImageClassifier);
  Crowd.define("crowd-image-classifier-multi-select", ImageClassifierMulti);
  Crowd.define("crowd-classifier", TextClassifier);
  Crowd.define("crowd-classifier-multi-select", TextClassifierMulti);
})();
