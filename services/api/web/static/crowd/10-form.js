/* crowd-form and the simple form elements: crowd-button, crowd-alert, crowd-input, crowd-text-area,
 * crowd-checkbox, crowd-radio-group / crowd-radio-button, crowd-instructions.
 *
 * crowd-form collects one answer object keyed by each element's `name` (Ground Truth's shape), validates it, and
 * hands it to the worker portal (the parent frame) with postMessage. Enter anywhere outside a text area submits.
 */
(function () {
  "use strict";
  const Crowd = window.Crowd;
  if (!Crowd || customElements.get("crowd-form")) return;
  const { el } = Crowd;

  const CSS = `
  crowd-form { display: block; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #16191f; }
  crowd-form .crowd-form-errors { display: block; margin: 0 0 12px; }
  crowd-form .crowd-form-errors ul { margin: 4px 0 0; padding-left: 20px; }
  crowd-form .crowd-form-footer { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px;
    padding-top: 12px; border-top: 1px solid #eaeded; }
  crowd-form.crowd-submitted { opacity: .75; }
  crowd-button { display: inline-block; }
  crowd-button > button.crowd-btn { font: 600 14px/1 system-ui, sans-serif; padding: 9px 18px; border-radius: 4px;
    border: 1px solid #879596; background: #fff; color: #16191f; cursor: pointer; min-height: 34px; margin: 0; }
  crowd-button > button.crowd-btn:hover:not(:disabled) { background: #f2f3f3; }
  crowd-button > button.crowd-btn-primary { background: #ec7211; border-color: #ec7211; color: #fff; }
  crowd-button > button.crowd-btn-primary:hover:not(:disabled) { background: #eb5f07; }
  crowd-button > button.crowd-btn-link { border-color: transparent; background: none; color: #0073bb; }
  crowd-button > button.crowd-btn:disabled { opacity: .55; cursor: default; }
  crowd-button > button.crowd-btn:focus-visible { outline: 2px solid #0073bb; outline-offset: 2px; }
  crowd-alert { display: block; border: 1px solid #879596; border-left-width: 4px; border-radius: 4px;
    padding: 10px 14px; margin: 8px 0; background: #fff; color: #16191f; font: 14px/1.45 system-ui, sans-serif; }
  crowd-alert[type="error"] { border-color: #d13212; background: #fdf3f1; }
  crowd-alert[type="success"] { border-color: #1d8102; background: #f2f8f0; }
  crowd-alert[type="warning"] { border-color: #ff9900; background: #fffbf5; }
  crowd-alert[type="info"] { border-color: #0073bb; background: #f1faff; }
  crowd-alert .crowd-alert-dismiss { float: right; border: 0; background: none; font-size: 16px; cursor: pointer;
    color: #545b64; padding: 0 0 0 8px; }
  crowd-input, crowd-text-area { display: block; margin: 8px 0; }
  crowd-input .crowd-field-label, crowd-text-area .crowd-field-label { display: block; font-weight: 600;
    margin-bottom: 4px; }
  crowd-input input.crowd-field-input, crowd-text-area textarea.crowd-field-input { box-sizing: border-box;
    width: 100%; max-width: 640px; font: 14px/1.4 system-ui, sans-serif; padding: 7px 9px; border: 1px solid #aab7b8;
    border-radius: 4px; background: #fff; color: #16191f; }
  crowd-input input.crowd-field-input:focus, crowd-text-area textarea.crowd-field-input:focus {
    outline: 2px solid #0073bb; outline-offset: 0; border-color: #0073bb; }
  crowd-text-area .crowd-counter { font-size: 12px; color: #687078; }
  crowd-checkbox, crowd-radio-button { display: block; margin: 4px 0; }
  crowd-checkbox label, crowd-radio-button label { display: inline-flex; align-items: center; gap: 8px;
    cursor: pointer; }
  crowd-checkbox input, crowd-radio-button input { width: 16px; height: 16px; margin: 0; accent-color: #0073bb; }
  crowd-radio-group { display: block; margin: 8px 0; }
  crowd-instructions { display: inline-block; margin: 4px 0 10px; }
  .crowd-instructions-body h3 { font-size: 15px; margin: 14px 0 6px; }
  `;

  const injectStyle = () => { Crowd.addStyle("crowd-form-style", CSS); };

  const whenParsed = Crowd.whenParsed;

  function isCrowdElement(node) {
    return node instanceof Crowd.Element;
  }

  /** True when `node` sits inside a crowd element below `root` (its inner fields belong to that element). */
  function insideCrowdElement(node, root) {
    for (let p = node.parentElement; p && p !== root; p = p.parentElement) if (isCrowdElement(p)) return true;
    return false;
  }

  function isModalOpen() {
    return !!document.querySelector(".crowd-modal-backdrop");
  }

  class CrowdForm extends HTMLElement {
    connectedCallback() {
      injectStyle();
      if (!this._keyListener) {
        this._keyListener = (event) => this._onKeyDown(event);
        document.addEventListener("keydown", this._keyListener);
        this.addEventListener("click", (event) => this._onClick(event));
        this.addEventListener("submit", (event) => {
          // a native <form> inside the crowd-form: keep the page, submit through crowd-form instead
          if (event.target !== this) {
            event.preventDefault();
            this.submitAnswer();
          }
        });
      }
      whenParsed(() => this._setup());
    }

    disconnectedCallback() {
      if (this._keyListener && !this.isConnected) {
        document.removeEventListener("keydown", this._keyListener);
        this._keyListener = null;
      }
    }

    _setup() {
      if (this._ready) return;
      this._ready = true;
      const hasSubmit = this.querySelector('crowd-button[form-action="submit"], button[type="submit"], ' +
        'input[type="submit"]');
      if (!hasSubmit) {
        this.append(el("div", { class: "crowd-form-footer" },
          el("crowd-button", { "form-action": "submit", variant: "primary" }, "Submit")));
      }
    }

    _onClick(event) {
      const target = event.target instanceof Element ? event.target : null;
      const native = target && target.closest('button[type="submit"], input[type="submit"]');
      if (native && this.contains(native) && !native.closest("crowd-button")) {
        event.preventDefault();
        this.submitAnswer();
      }
    }

    _onKeyDown(event) {
      if (event.key !== "Enter" || event.defaultPrevented || event.isComposing) return;
      if (event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
      const forms = document.querySelectorAll("crowd-form");
      const target = event.target instanceof Element ? event.target : null;
      const owner = (target && target.closest("crowd-form")) || forms[0];
      if (owner !== this || isModalOpen()) return;
      if (target) {
        if (target.tagName === "TEXTAREA" || target.isContentEditable) return;
        // buttons and links keep their own Enter (activation), except the category buttons of the classifiers
        if (target.closest("button, a[href], select, summary") && !target.closest(".crowd-option")) return;
      }
      event.preventDefault();
      this.submitAnswer();
    }

    /** Every answer in the form, keyed by element name (Ground Truth's output object). */
    collect() {
      const answer = {};
      for (const node of this.querySelectorAll("*")) {
        if (insideCrowdElement(node, this)) continue;
        if (isCrowdElement(node)) {
          if (typeof node.entries === "function") Object.assign(answer, node.entries());
          else answer[node.name] = node.value;
          continue;
        }
        const tag = node.tagName;
        if ((tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") || !node.name || node.disabled) continue;
        const type = (node.type || "").toLowerCase();
        if (["submit", "button", "reset", "image", "file"].includes(type)) continue;
        if (type === "checkbox") {
          answer[node.name] = Object.assign(answer[node.name] || {}, { [node.value || "on"]: node.checked });
        } else if (type === "radio") {
          if (node.checked) answer[node.name] = node.value;
          else if (!(node.name in answer)) answer[node.name] = "";
        } else if (tag === "SELECT" && node.multiple) {
          answer[node.name] = Array.from(node.selectedOptions).map((o) => o.value);
        } else {
          answer[node.name] = node.value;
        }
      }
      return answer;
    }

    /** Validation messages of every element (empty when the answer can be submitted). */
    errors() {
      const messages = [];
      for (const node of this.querySelectorAll("*")) {
        if (insideCrowdElement(node, this)) continue;
        if (isCrowdElement(node)) {
          const message = node.validate();
          if (message) messages.push(message);
        } else if ((node.tagName === "INPUT" || node.tagName === "SELECT" || node.tagName === "TEXTAREA") &&
          typeof node.checkValidity === "function" && !node.disabled && !node.checkValidity()) {
          const label = node.getAttribute("aria-label") || node.name || "A field";
          messages.push(`${label}: ${node.validationMessage}`);
        }
      }
      return messages;
    }

    showErrors(messages) {
      this.clearErrors();
      const banner = el("crowd-alert", { type: "error", class: "crowd-form-errors", role: "alert" },
        el("strong", {}, messages.length === 1 ? messages[0] : "Please fix the following before you submit:"),
        messages.length > 1 ? el("ul", {}, messages.map((m) => el("li", {}, m))) : null);
      this.prepend(banner);
      if (typeof banner.scrollIntoView === "function") banner.scrollIntoView({ block: "nearest" });
      return banner;
    }

    clearErrors() {
      for (const banner of this.querySelectorAll(":scope > .crowd-form-errors")) banner.remove();
    }

    _setLocked(locked) {
      this._locked = locked;
      this.classList.toggle("crowd-submitted", locked);
      for (const button of this.querySelectorAll('crowd-button[form-action="submit"]')) {
        if (locked) button.setAttribute("disabled", "");
        else button.removeAttribute("disabled");
      }
    }

    /** Unlock after a submission the portal could not save (it posts {type: "crowd-unlock"}). */
    unlock() {
      this._setLocked(false);
    }

    submitAnswer() {
      if (this._locked) return false;
      // templates written for Ground Truth hook `crowd-form.onsubmit` to validate or fill hidden fields
      const submitEvent = new Event("submit", { bubbles: true, cancelable: true });
      if (!this.dispatchEvent(submitEvent)) return false;
      const messages = this.errors();
      if (messages.length) {
        this.showErrors(messages);
        return false;
      }
      this.clearErrors();
      const answer = this.collect();
      const event = new CustomEvent("crowd-submit", { bubbles: true, cancelable: true, composed: true,
        detail: { answer } });
      if (!this.dispatchEvent(event)) return false;
      this._setLocked(true);
      if (window.parent && window.parent !== window) {
        window.parent.postMessage({ type: "crowd-submit", answer }, "*");
      }
      return true;
    }

    /** Ground Truth's crowd-form extends <form>: templates call form.submit() / requestSubmit(). */
    submit() {
      return this.submitAnswer();
    }

    requestSubmit() {
      return this.submitAnswer();
    }
  }

  class CrowdButton extends HTMLElement {
    static get observedAttributes() {
      return ["disabled", "variant"];
    }

    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    _render() {
      if (this._button) return;
      const variant = this.getAttribute("variant") || (this.getAttribute("form-action") === "submit" ? "primary" : "normal");
      this._button = el("button", { type: "button", class: `crowd-btn crowd-btn-${variant}` },
        ...Array.from(this.childNodes));
      if (!this._button.textContent.trim()) {
        this._button.textContent = this.getAttribute("form-action") === "submit" ? "Submit" : "OK";
      }
      this._button.disabled = this.hasAttribute("disabled");
      this._button.addEventListener("click", (event) => {
        const action = this.getAttribute("form-action");
        if (action === "submit") {
          event.preventDefault();
          Crowd.requestSubmit(this);
        } else if (action === "reset") {
          const form = this.closest("crowd-form");
          if (form) form.clearErrors();
        }
      });
      this.append(this._button);
    }

    attributeChangedCallback(name) {
      if (!this._button) return;
      if (name === "disabled") this._button.disabled = this.hasAttribute("disabled");
      if (name === "variant") this._button.className = `crowd-btn crowd-btn-${this.getAttribute("variant") || "normal"}`;
    }

    click() {
      if (this._button) this._button.click();
    }
  }

  class CrowdAlert extends HTMLElement {
    connectedCallback() {
      injectStyle();
      if (!this.hasAttribute("role")) this.setAttribute("role", this.getAttribute("type") === "error" ? "alert" : "status");
      whenParsed(() => {
        if (this._ready || !this.hasAttribute("dismissible")) return;
        this._ready = true;
        this.prepend(el("button", { type: "button", class: "crowd-alert-dismiss", "aria-label": "Dismiss",
          onclick: () => this.remove() }, "✕"));
      });
    }
  }

  let fieldCounter = 0;

  /** A text field element: it renders its input once its children are parsed, and its answer is the text. */
  class CrowdField extends Crowd.Element {
    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    get value() {
      return this._input ? this._input.value : this.getAttribute("value") || "";
    }

    set value(v) {
      if (this._input) this._input.value = v;
      else this.setAttribute("value", v);
    }
  }

  /** A labelled single-line input; its answer is the text. */
  class CrowdInput extends CrowdField {
    _render() {
      if (this._input) return;
      fieldCounter += 1;
      const id = `crowd-field-${fieldCounter}`;
      const attr = (n) => this.getAttribute(n);
      this._input = el("input", {
        id, class: "crowd-field-input", type: attr("type") || "text", placeholder: attr("placeholder"),
        maxlength: attr("max-length"), minlength: attr("min-length"), pattern: attr("pattern"),
        min: attr("min"), max: attr("max"), step: attr("step"), required: this.hasAttribute("required"),
        disabled: this.hasAttribute("disabled"), "aria-label": attr("label") || this.name,
      });
      this._input.value = attr("value") || "";
      const label = attr("label");
      this.append(label ? el("label", { class: "crowd-field-label", for: id }, label) : null, this._input);
      if (this.hasAttribute("auto-focus")) this._input.focus();
    }

    validate() {
      if (!this._input) return null;
      const label = this.getAttribute("label") || this.name;
      if (this.hasAttribute("required") && !this._input.value.trim() && !this.hasAttribute("allow-empty")) {
        return this.getAttribute("error-message") || `${label}: this field is required`;
      }
      if (!this._input.checkValidity()) return this.getAttribute("error-message") || `${label}: ${this._input.validationMessage}`;
      return null;
    }
  }

  /** A labelled multi-line text field; its answer is the text. */
  class CrowdTextArea extends CrowdField {
    _render() {
      if (this._input) return;
      fieldCounter += 1;
      const id = `crowd-field-${fieldCounter}`;
      const attr = (n) => this.getAttribute(n);
      const initial = attr("value") !== null ? attr("value") : this.textContent.trim();
      this.textContent = "";
      this._input = el("textarea", {
        id, class: "crowd-field-input", rows: attr("rows") || 3, placeholder: attr("placeholder"),
        maxlength: attr("max-length"), required: this.hasAttribute("required"),
        disabled: this.hasAttribute("disabled"), "aria-label": attr("label") || this.name,
      });
      this._input.value = initial;
      const label = attr("label");
      this.append(label ? el("label", { class: "crowd-field-label", for: id }, label) : null, this._input);
      if (this.hasAttribute("char-counter")) {
        const counter = el("div", { class: "crowd-counter" });
        const max = attr("max-length");
        const update = () => { counter.textContent = max ? `${this._input.value.length} / ${max}` : `${this._input.value.length}`; };
        this._input.addEventListener("input", update);
        update();
        this.append(counter);
      }
      if (this.hasAttribute("auto-focus")) this._input.focus();
    }

    validate() {
      if (!this._input) return null;
      if (this.hasAttribute("required") && !this._input.value.trim()) {
        return this.getAttribute("error-message") || `${this.getAttribute("label") || this.name}: this field is required`;
      }
      return null;
    }
  }

  /** A checkbox; Ground Truth's answer is {"<value or 'on'>": checked}. */
  class CrowdCheckbox extends Crowd.Element {
    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    _render() {
      if (this._input) return;
      this._input = el("input", { type: "checkbox", checked: this.hasAttribute("checked"),
        disabled: this.hasAttribute("disabled") });
      const text = Array.from(this.childNodes);
      this.append(el("label", {}, this._input, el("span", {}, ...text)));
    }

    get checked() {
      return this._input ? this._input.checked : this.hasAttribute("checked");
    }

    set checked(v) {
      if (this._input) this._input.checked = !!v;
      else if (v) this.setAttribute("checked", "");
      else this.removeAttribute("checked");
    }

    get value() {
      return { [this.getAttribute("value") || "on"]: this.checked };
    }

    validate() {
      if (this.hasAttribute("required") && !this.checked) {
        return this.getAttribute("error-message") || `${this.textContent.trim() || this.name}: this box must be checked`;
      }
      return null;
    }
  }

  /** One radio of a crowd-radio-group: its answer is {"<name>": {"<value>": checked}} (Ground Truth's shape). */
  class CrowdRadioButton extends HTMLElement {
    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    _render() {
      if (this._input) return;
      const group = this.closest("crowd-radio-group");
      this._input = el("input", { type: "radio", checked: this.hasAttribute("checked"),
        disabled: this.hasAttribute("disabled"), name: group ? group._groupId : null });
      this._input.addEventListener("change", () => {
        if (!group) return;
        for (const other of group.querySelectorAll("crowd-radio-button")) if (other !== this) other.checked = false;
      });
      const text = Array.from(this.childNodes);
      this.append(el("label", {}, this._input, el("span", {}, ...text)));
    }

    get name() {
      return this.getAttribute("name") || this.getAttribute("value") || this.textContent.trim();
    }

    get checked() {
      return this._input ? this._input.checked : this.hasAttribute("checked");
    }

    set checked(v) {
      if (this._input) this._input.checked = !!v;
      else if (v) this.setAttribute("checked", "");
      else this.removeAttribute("checked");
    }
  }

  let groupCounter = 0;

  class CrowdRadioGroup extends Crowd.Element {
    constructor() {
      super();
      groupCounter += 1;
      this._groupId = `crowd-radio-${groupCounter}`;
    }

    connectedCallback() {
      injectStyle();
      this.setAttribute("role", "radiogroup");
    }

    buttons() {
      return Array.from(this.querySelectorAll("crowd-radio-button"));
    }

    /** One entry per radio button, as Ground Truth writes them. */
    entries() {
      const out = {};
      for (const button of this.buttons()) {
        out[button.name] = { [button.getAttribute("value") || button.name]: button.checked };
      }
      return out;
    }

    get value() {
      const chosen = this.buttons().find((b) => b.checked);
      return chosen ? chosen.getAttribute("value") || chosen.name : null;
    }

    validate() {
      if (this.hasAttribute("required") && !this.buttons().some((b) => b.checked)) {
        return this.getAttribute("error-message") || "Choose one of the options";
      }
      return null;
    }
  }

  /** A link that opens the instructions (summary, details, good and bad examples) in a modal. */
  class CrowdInstructions extends HTMLElement {
    connectedCallback() {
      injectStyle();
      whenParsed(() => this._render());
    }

    _render() {
      if (this._body) return;
      const take = (tag) => {
        const node = Array.from(this.children).find((c) => c.tagName.toLowerCase() === tag);
        if (node) node.remove();
        return node;
      };
      const sections = [
        ["Summary", take("short-summary")],
        ["Instructions", take("detailed-instructions")],
        ["Good examples", take("positive-example")],
        ["Bad examples", take("negative-example")],
      ].filter(([, node]) => node);
      this._body = el("div", { class: "crowd-instructions-body" },
        sections.map(([title, node]) => el("section", {}, el("h3", {}, title), node)));
      const linkText = this.getAttribute("link-text") || "View instructions";
      const kind = this.getAttribute("link-type") === "button" ? "crowd-btn crowd-btn-normal" : "crowd-link";
      this.textContent = "";
      this.append(el("button", { type: "button", class: `${kind} crowd-instructions-link`,
        onclick: () => this.open() }, linkText));
    }

    open() {
      return Crowd.openModal(this.getAttribute("title") || "Instructions", this._body);
    }
  }

  Crowd.define("crowd-form", CrowdForm);
  Crowd.define("crowd-button", CrowdButton);
  Crowd.define("crowd-alert", CrowdAlert);
  Crowd.define("crowd-input", CrowdInput);
  Crowd.define("crowd-text-area", CrowdTextArea);
  Crowd.define("crowd-checkbox", CrowdCheckbox);
  Crowd.define("crowd-radio-group", CrowdRadioGroup);
  Crowd.define("crowd-radio-button", CrowdRadioButton);
  Crowd.define("crowd-instructions", CrowdInstructions);

  window.addEventListener("message", (event) => {
    if (event.source === window.parent && event.data && event.data.type === "crowd-unlock") {
      for (const form of document.querySelectorAll("crowd-form")) form.unlock();
    }
  });

  /** A template with crowd elements but no crowd-form (Ground Truth's NER template): wrap the body in one. */
  function wrapBody() {
    if (!document.body || document.querySelector("crowd-form")) return;
    const hasCrowd = Array.from(document.body.querySelectorAll("*")).some((n) =>
      n.tagName.startsWith("CROWD-") && n.tagName !== "CROWD-ALERT");
    if (!hasCrowd) return;
    const form = document.createElement("crowd-form");
    const keep = (n) => n.nodeType === Node.ELEMENT_NODE && n.tagName === "SCRIPT";
    for (const node of Array.from(document.body.childNodes)) if (!keep(node)) form.append(node);
    document.body.prepend(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wrapBody, { once: true });
  else wrapBody();
})();
