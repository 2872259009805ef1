/* crowd-entity-annotation: named entity recognition.
 *
 * The worker selects text with the mouse and presses 1..9 (or clicks a label) to tag it. Spans are kept as
 * offsets into the `text` attribute (UTF-16 code units, end exclusive), computed by walking the text nodes of
 * the rendered text, so repeated words and characters outside the BMP map to the right place.
 */
(function () {
  "use strict";
  const Crowd = window.Crowd;
  if (!Crowd || customElements.get("crowd-entity-annotation")) return;
  const { el } = Crowd;

  const CSS = `
  .crowd-ner { align-items: flex-start; }
  .crowd-ner .crowd-main { display: flex; flex-direction: column; gap: 12px; max-width: 860px; }
  .crowd-ner .crowd-ner-header { font: 600 17px/1.35 system-ui, sans-serif; margin: 0; color: #16191f; }
  .crowd-ner .crowd-ner-labels { display: flex; flex-wrap: wrap; gap: 6px; }
  .crowd-ner button.crowd-ner-label { display: inline-flex; align-items: center; gap: 6px; margin: 0;
    font: 14px/1.2 system-ui, sans-serif; color: #16191f; background: #fff; border: 1px solid #aab7b8;
    border-radius: 4px; padding: 6px 10px; cursor: pointer; box-shadow: none; }
  .crowd-ner button.crowd-ner-label:hover { border-color: #0073bb; }
  .crowd-ner button.crowd-ner-label .crowd-key { margin: 0; }
  .crowd-ner .crowd-ner-swatch { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
  .crowd-ner .crowd-ner-hint { font-size: 12px; color: #687078; margin: 0; }
  .crowd-ner .crowd-ner-text { font: 16px/2.1 system-ui, sans-serif; color: #16191f; white-space: pre-wrap;
    overflow-wrap: anywhere; padding: 12px 16px; border: 1px solid #d5dbdb; border-radius: 4px; background: #fff;
    cursor: text; user-select: text; -webkit-user-select: text; }
  .crowd-ner mark.crowd-entity { color: inherit; padding: 2px 0; border-radius: 3px; cursor: pointer;
    border-bottom: 2px solid var(--crowd-entity-color, #7f7f7f);
    background: color-mix(in srgb, var(--crowd-entity-color, #7f7f7f) 28%, transparent); }
  .crowd-ner mark.crowd-entity.selected { outline: 2px solid #16191f; outline-offset: 1px; }
  .crowd-ner .crowd-entity-tag { display: inline-flex; align-items: center; gap: 2px; margin: 0 2px 0 3px;
    padding: 0 2px 0 5px; border-radius: 3px; font: 600 11px/16px system-ui, sans-serif; color: #fff;
    background: var(--crowd-entity-color, #7f7f7f); vertical-align: 1px; user-select: none;
    -webkit-user-select: none; white-space: nowrap; }
  .crowd-ner button.crowd-entity-remove { border: 0; background: none; color: #fff; cursor: pointer; margin: 0;
    padding: 0 3px; font: 700 11px/16px system-ui, sans-serif; box-shadow: none; }
  .crowd-ner button.crowd-entity-remove:hover { background: rgba(0,0,0,.25); border-radius: 2px; }
  .crowd-ner .crowd-ner-summary { font-size: 13px; color: #545b64; margin: 0; }
  `;

  const injectStyle = () => { Crowd.addStyle("crowd-entities-style", CSS); };

  const whenParsed = Crowd.whenParsed;

  function normalizeLabel(item) {
    if (item && typeof item === "object") {
      const label = String(item.label || item.name || "");
      return { label, short: String(item.shortDisplayName || label), full: String(item.fullDisplayName || label) };
    }
    return { label: String(item), short: String(item), full: String(item) };
  }

  class EntityAnnotation extends Crowd.Element {
    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    get text() {
      return this.getAttribute("text") || "";
    }

    get labels() {
      if (!this._labels) this._labels = Crowd.parseList(this.getAttribute("labels")).map(normalizeLabel).filter((l) => l.label);
      return this._labels;
    }

    _render() {
      if (this._ui) return;
      const panel = this.instructionsPanel();
      this.textContent = "";
      this._spans = this._initialSpans();
      this._selectedSpan = -1;

      const header = this.getAttribute("header");
      this._labelButtons = this.labels.map((label, i) => el("button", {
        type: "button", class: "crowd-ner-label", title: label.full, "data-index": i,
        onmousedown: (event) => event.preventDefault(), // keep the worker's text selection
        onclick: () => this.applyLabel(i),
      }, i < 9 ? el("span", { class: "crowd-key", "aria-hidden": "true" }, String(i + 1)) : null,
      el("span", { class: "crowd-ner-swatch", style: { background: Crowd.colorFor(i) } }),
      el("span", {}, label.full)));
      this._textBox = el("div", { class: "crowd-ner-text", "aria-label": "Text to annotate" });
      this._textBox.addEventListener("click", (event) => this._onTextClick(event));
      this._summary = el("p", { class: "crowd-ner-summary", "aria-live": "polite" });
      const main = el("div", { class: "crowd-main" },
        header ? el("h2", { class: "crowd-ner-header" }, header) : null,
        el("div", { class: "crowd-ner-labels", role: "group", "aria-label": "Labels" }, this._labelButtons),
        el("p", { class: "crowd-ner-hint" },
          "Select words with the mouse, then press a number key or click a label. Click a highlight and press " +
          "Delete (or its ✕) to remove it."),
        this._textBox, this._summary);
      this._ui = el("div", { class: "crowd-layout crowd-ner" }, panel, main);
      this.append(this._ui);
      Crowd.onKey(this, (event) => this._onKey(event));
      this._draw();
    }

    _initialSpans() {
      let raw = Crowd.parseValue(this.getAttribute("initial-value"), null);
      if (raw && !Array.isArray(raw) && Array.isArray(raw.entities)) raw = raw.entities;
      if (!Array.isArray(raw)) return [];
      const n = this.text.length;
      const spans = [];
      for (const s of raw) {
        const start = Number(s && s.startOffset);
        const end = Number(s && s.endOffset);
        if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) continue;
        if (spans.some((o) => start < o.endOffset && o.startOffset < end)) continue;
        spans.push({ label: String(s.label), startOffset: start, endOffset: end });
      }
      return spans.sort((a, b) => a.startOffset - b.startOffset);
    }

    _labelIndex(label) {
      return this.labels.findIndex((l) => l.label === label);
    }

    /** Render the text as plain text nodes with a <mark> per span (its tag and ✕ are not part of the text). */
    _draw() {
      const text = this.text;
      const box = this._textBox;
      box.replaceChildren();
      let at = 0;
      this._spans.forEach((span, i) => {
        if (span.startOffset > at) box.append(document.createTextNode(text.slice(at, span.startOffset)));
        const index = this._labelIndex(span.label);
        const info = this.labels[index] || { short: span.label, full: span.label };
        const color = Crowd.colorFor(index >= 0 ? index : 9);
        const mark = el("mark", { class: "crowd-entity", "data-span": i, title: info.full, tabindex: "-1",
          style: { "--crowd-entity-color": color } });
        mark.style.setProperty("--crowd-entity-color", color);
        if (i === this._selectedSpan) mark.classList.add("selected");
        mark.append(document.createTextNode(text.slice(span.startOffset, span.endOffset)));
        const tag = el("span", { class: "crowd-entity-tag", "data-skip": "", contenteditable: "false" },
          info.short,
          el("button", { type: "button", class: "crowd-entity-remove", "aria-label": `Remove ${info.full}`,
            onmousedown: (event) => event.preventDefault(),
            onclick: (event) => { event.stopPropagation(); this.removeSpan(i); } }, "✕"));
        tag.style.setProperty("--crowd-entity-color", color);
        mark.append(tag);
        box.append(mark);
        at = span.endOffset;
      });
      if (at < text.length) box.append(document.createTextNode(text.slice(at)));
      const n = this._spans.length;
      this._summary.textContent = n ? `${n} ${n === 1 ? "entity" : "entities"} tagged.` : "No entities tagged yet.";
    }

    /** The text nodes that belong to `text`, in order (the tags' label and ✕ are skipped). */
    _textNodes() {
      const nodes = [];
      const walker = document.createTreeWalker(this._textBox, NodeFilter.SHOW_TEXT, {
        acceptNode: (node) => (node.parentElement && node.parentElement.closest("[data-skip]")
          ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
      });
      for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
      return nodes;
    }

    /** The offset in `text` of a DOM boundary point (node, offset). */
    _offsetOf(node, offset) {
      const box = this._textBox;
      if (!box.contains(node)) {
        const before = box.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
        return before ? 0 : this.text.length;
      }
      const point = document.createRange();
      point.setStart(node, offset);
      point.collapse(true);
      let total = 0;
      for (const t of this._textNodes()) {
        if (t === node) return total + Math.min(offset, t.length);
        if (point.comparePoint(t, 0) < 0) total += t.length;
        else return total;
      }
      return total;
    }

    /** The selected text as [start, end) in `text`, trimmed of surrounding whitespace; null when none. */
    selectionOffsets() {
      const selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
      const range = selection.getRangeAt(0);
      if (!range.intersectsNode(this._textBox)) return null;
      let start = this._offsetOf(range.startContainer, range.startOffset);
      let end = this._offsetOf(range.endContainer, range.endOffset);
      if (start > end) [start, end] = [end, start];
      const text = this.text;
      while (start < end && /\s/.test(text[start])) start += 1;
      while (end > start && /\s/.test(text[end - 1])) end -= 1;
      // never split a surrogate pair
      if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start]) && /[\uD800-\uDBFF]/.test(text[start - 1])) start -= 1;
      if (end < text.length && /[\uDC00-\uDFFF]/.test(text[end]) && /[\uD800-\uDBFF]/.test(text[end - 1])) end += 1;
      return start < end ? [start, end] : null;
    }

    /** Tag the current selection with label `index` (or relabel the selected span when nothing is selected). */
    applyLabel(index) {
      const label = this.labels[index];
      if (!label) return false;
      const offsets = this.selectionOffsets();
      if (offsets) {
        const [start, end] = offsets;
        this._spans = this._spans.filter((s) => !(start < s.endOffset && s.startOffset < end));
        this._spans.push({ label: label.label, startOffset: start, endOffset: end });
        this._spans.sort((a, b) => a.startOffset - b.startOffset);
        this._selectedSpan = -1;
        window.getSelection().removeAllRanges();
      } else if (this._selectedSpan >= 0) {
        this._spans[this._selectedSpan].label = label.label;
      } else {
        return false;
      }
      this._changed();
      return true;
    }

    removeSpan(i) {
      if (i < 0 || i >= this._spans.length) return;
      this._spans.splice(i, 1);
      this._selectedSpan = -1;
      this._changed();
    }

    _changed() {
      this._draw();
      const form = this.closest("crowd-form");
      if (form && typeof form.clearErrors === "function") form.clearErrors();
      this.dispatchEvent(new CustomEvent("crowd-change", { bubbles: true, detail: { value: this.value } }));
    }

    _onTextClick(event) {
      const target = event.target instanceof Element ? event.target : null;
      const mark = target && target.closest("mark.crowd-entity");
      const selection = window.getSelection();
      if (selection && !selection.isCollapsed) return; // the click ended a drag-selection
      const i = mark ? Number(mark.getAttribute("data-span")) : -1;
      if (i === this._selectedSpan && i < 0) return;
      this._selectedSpan = i === this._selectedSpan ? -1 : i;
      this._draw();
    }

    _onKey(event) {
      if (document.querySelector(".crowd-modal-backdrop")) return;
      if (event.key === "Enter") {
        event.preventDefault();
        Crowd.requestSubmit(this);
        return;
      }
      if ((event.key === "Backspace" || event.key === "Delete") && this._selectedSpan >= 0) {
        event.preventDefault();
        this.removeSpan(this._selectedSpan);
        return;
      }
      if (event.key === "Escape" && this._selectedSpan >= 0) {
        this._selectedSpan = -1;
        this._draw();
        return;
      }
      const index = Crowd.keyIndex(event);
      if (index >= 0 && this.applyLabel(index)) event.preventDefault();
    }

    get value() {
      const spans = (this._spans || this._initialSpans()).slice();
      spans.sort((a, b) => a.startOffset - b.startOffset || a.endOffset - b.endOffset);
      return { entities: spans.map((s) => ({ label: s.label, startOffset: s.startOffset, endOffset: s.endOffset })) };
    }

    validate() {
      return null;
    }
  }

  Crowd.define("crowd-entity-annotation", EntityAnnotation);
})();
