/* crowd-entity-annotation: named entity recognition.
 *
 * The worker selects text with the mouse and presses 1..9 (or clicks a label) to tag it. Spans are kept as
 * offsets into the `text` attribute (UTF-16 code units, end exclusive), computed by walking the text nodes of
 * the rendered text, so repeated words and characters outside the BMP map to the right place.
 *
 * The keyboard alone works too (for workers who cannot or would rather not drag a mouse): a word cursor moves
 * with ← →, Shift+← → extends a selection word by word from an anchor, 1..9 tag it (punctuation around the
 * words trimmed, so "London." tags "London") and Delete removes the span under the cursor. A mouse selection,
 * or a clicked highlight, wins over the cursor, so mixing the two never tags something the worker did not see.
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
  .crowd-ner .crowd-ner-kbsel { background: rgba(0, 115, 187, .18); border-radius: 2px; }
  .crowd-ner .crowd-ner-cursor { outline: 2px solid #0073bb; outline-offset: 1px; border-radius: 2px; }
  `;

  const injectStyle = () => { Crowd.addStyle("crowd-entities-style", CSS); };

  const whenParsed = Crowd.whenParsed;

  // Punctuation trimmed from a keyboard selection's ends: "London." tags "London", "(Ada" tags "Ada".
  const LEADING = new Set(["(", "[", '"', "'", "\u201c", "\u2018"]);
  const TRAILING = new Set([".", ",", ";", ":", "!", "?", ")", "]", '"', "'", "\u201d", "\u2019"]);

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
      this._cursor = -1; // the keyboard cursor: an index into _words, -1 before the first arrow key
      this._anchor = -1; // where a Shift+arrow selection started; -1 when only the cursor word is selected

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
          "Delete (or its ✕) to remove it.", el("br"),
          "Keyboard: ← → move · Shift+← → extend · 1–9 tag · Del remove · Esc clear."),
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

    /** The words of `text` (runs of non-whitespace) as [start, end) offsets, the stops of the keyboard cursor. */
    get _words() {
      if (!this._wordList) {
        this._wordList = Array.from(this.text.matchAll(/\S+/g), (m) => [m.index, m.index + m[0].length]);
      }
      return this._wordList;
    }

    /** The keyboard selection (anchor word to cursor word) as [start, end) in `text`, untrimmed; null when none. */
    _keyboardRange() {
      const words = this._words;
      if (this._cursor < 0 || this._cursor >= words.length) return null;
      const anchor = this._anchor >= 0 && this._anchor < words.length ? this._anchor : this._cursor;
      return [words[Math.min(anchor, this._cursor)][0], words[Math.max(anchor, this._cursor)][1]];
    }

    /** The keyboard selection as the span it would tag: punctuation trimmed from its ends (kept if it is all). */
    keyboardOffsets() {
      const range = this._keyboardRange();
      if (!range) return null;
      const text = this.text;
      let [start, end] = range;
      while (start < end && LEADING.has(text[start])) start += 1;
      while (end > start && TRAILING.has(text[end - 1])) end -= 1;
      return start < end ? [start, end] : range;
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
        if (span.startOffset > at) box.append(...this._pieces(at, span.startOffset));
        const index = this._labelIndex(span.label);
        const info = this.labels[index] || { short: span.label, full: span.label };
        const color = Crowd.colorFor(index >= 0 ? index : 9);
        const mark = el("mark", { class: "crowd-entity", "data-span": i, title: info.full, tabindex: "-1",
          style: { "--crowd-entity-color": color } });
        mark.style.setProperty("--crowd-entity-color", color);
        if (i === this._selectedSpan) mark.classList.add("selected");
        mark.append(...this._pieces(span.startOffset, span.endOffset));
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
      if (at < text.length) box.append(...this._pieces(at, text.length));
      const n = this._spans.length;
      this._summary.textContent = n ? `${n} ${n === 1 ? "entity" : "entities"} tagged.` : "No entities tagged yet.";
    }

    /** text[start, end) as nodes: plain text, with the keyboard selection and the cursor word wrapped in spans
     * that show them (their text nodes still count as text, so offsets and mouse selections are unchanged). */
    _pieces(start, end) {
      const text = this.text;
      const selection = this._anchor >= 0 ? this._keyboardRange() : null;
      const word = this._cursor >= 0 ? this._words[this._cursor] : null;
      const cuts = new Set([start, end]);
      for (const range of [selection, word]) {
        if (!range) continue;
        for (const cut of range) if (cut > start && cut < end) cuts.add(cut);
      }
      const sorted = Array.from(cuts).sort((a, b) => a - b);
      const nodes = [];
      for (let k = 0; k + 1 < sorted.length; k += 1) {
        const [a, b] = [sorted[k], sorted[k + 1]];
        const node = document.createTextNode(text.slice(a, b));
        const inside = (range) => range && a >= range[0] && b <= range[1];
        const classes = [inside(selection) ? "crowd-ner-kbsel" : "", inside(word) ? "crowd-ner-cursor" : ""]
          .filter(Boolean);
        nodes.push(classes.length ? el("span", { class: classes.join(" ") }, node) : node);
      }
      return nodes;
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

    /** Tag the current selection with label `index`: the mouse selection, else relabel the clicked span, else
     * the keyboard selection (or the cursor word). */
    applyLabel(index) {
      const label = this.labels[index];
      if (!label) return false;
      const mouse = this.selectionOffsets();
      const offsets = mouse || (this._selectedSpan >= 0 ? null : this.keyboardOffsets());
      if (offsets) {
        const [start, end] = offsets;
        this._spans = this._spans.filter((s) => !(start < s.endOffset && s.startOffset < end));
        this._spans.push({ label: label.label, startOffset: start, endOffset: end });
        this._spans.sort((a, b) => a.startOffset - b.startOffset);
        this._selectedSpan = -1;
        if (mouse) window.getSelection().removeAllRanges();
        else this._anchor = -1; // the cursor stays on its word, ready for the next one
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

    /** ← → move the word cursor (Shift extends the keyboard selection from its anchor); the page does not scroll. */
    _moveCursor(step, extend) {
      const words = this._words;
      if (!words.length) return false;
      const from = this._cursor;
      if (extend && this._anchor < 0) this._anchor = from >= 0 ? from : (step > 0 ? 0 : words.length - 1);
      if (!extend) this._anchor = -1;
      this._cursor = from < 0 ? (step > 0 ? 0 : words.length - 1) : Crowd.clamp(from + step, 0, words.length - 1);
      this._selectedSpan = -1;
      const selection = window.getSelection();
      if (selection && selection.rangeCount && selection.getRangeAt(0).intersectsNode(this._textBox)) {
        selection.removeAllRanges(); // the keyboard takes over from the mouse
      }
      this._draw();
      const cursor = this._textBox.querySelector(".crowd-ner-cursor");
      if (cursor && cursor.scrollIntoView) cursor.scrollIntoView({ block: "nearest", inline: "nearest" });
      return true;
    }

    /** The indexes of the spans that overlap the cursor word (what Delete removes when no highlight is clicked). */
    _spansUnderCursor() {
      const word = this._cursor >= 0 ? this._words[this._cursor] : null;
      if (!word) return [];
      return this._spans.map((s, i) => (s.startOffset < word[1] && word[0] < s.endOffset ? i : -1))
        .filter((i) => i >= 0);
    }

    _onKey(event) {
      if (document.querySelector(".crowd-modal-backdrop")) return;
      if (event.key === "Enter") {
        event.preventDefault();
        Crowd.requestSubmit(this);
        return;
      }
      const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
      if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && plain) {
        if (this._moveCursor(event.key === "ArrowRight" ? 1 : -1, event.shiftKey)) event.preventDefault();
        return;
      }
      if (event.key === "Backspace" || event.key === "Delete") {
        if (this._selectedSpan >= 0) {
          event.preventDefault();
          this.removeSpan(this._selectedSpan);
          return;
        }
        const under = this.selectionOffsets() ? [] : this._spansUnderCursor();
        if (under.length) {
          event.preventDefault();
          this._spans = this._spans.filter((_, i) => !under.includes(i));
          this._anchor = -1;
          this._changed();
        }
        return;
      }
      if (event.key === "Escape") {
        if (this._selectedSpan >= 0 || this._anchor >= 0) {
          this._selectedSpan = -1;
          this._anchor = -1;
        } else if (this._cursor >= 0) {
          this._cursor = -1;
        } else {
          return;
        }
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
