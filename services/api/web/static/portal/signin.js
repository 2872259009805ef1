/* Sign-in page: an invitation link (#token= or ?token=), a pasted token, a public workforce's sign-up
 * (?workforce=<id>) or a vendor's key. Every way ends with a labeler token in localStorage. */
(function () {
  "use strict";
  const { api, el, formError } = window.GW;
  const params = new URLSearchParams(location.search);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const status = document.getElementById("signin-status");
  const busy = document.getElementById("signin-busy");

  /** A token is good when the API accepts it on a labeler endpoint. /work/jobs exists in every version, so it
   * is the check (GET /work/me, when present, is read by the home page). */
  async function verify(token) {
    await api("GET", "/work/jobs", null, { token, noRedirect: true });
  }

  /** Where a new labeler goes first: the qualification when its workforce asks for one, otherwise home. */
  async function landing() {
    try {
      const q = await api("GET", "/work/qualification", null, { noRedirect: true });
      if (q && q.status === "required") {
        return "/portal/qualification";
      }
    } catch (e) { /* no qualification endpoint or none needed */ }
    return "/portal/";
  }

  async function useToken(token, form) {
    token = (token || "").trim();
    if (!/^gwl_/.test(token) && !confirm("This does not look like a Groundwork labeler token (gwl_…). Try it anyway?")) return;
    try {
      await verify(token);
    } catch (err) {
      if (err.status === 401 || err.status === 403) err.message = "This token was not accepted. It may have been revoked: ask for a new invitation.";
      if (form) formError(form, err); else showFailure(err.message);
      return;
    }
    window.GW.setToken(token);
    location.replace("/portal/");
  }

  function showFailure(message) {
    busy.hidden = true;
    status.textContent = message;
    status.className = "gw-field-error";
  }

  // (a) Invitation link: the token is in the fragment (never sent to a server) or, from older links, the query.
  const invited = hash.get("token") || params.get("token");
  if (invited) {
    history.replaceState(null, "", "/portal/signin" + (params.get("workforce") ? "?workforce=" + params.get("workforce") : ""));
    busy.hidden = false;
    status.textContent = "Signing you in with your invitation.";
    useToken(invited, null).finally(() => { busy.hidden = true; });
  } else if (params.get("expired")) {
    status.textContent = "Your session ended. Sign in again.";
  } else if (window.GW.token()) {
    const p = el("p", { class: "gw-muted" }, "You are already signed in. ", el("a", { href: "/portal/" }, "Go to your jobs"), ".");
    status.after(p);
  }

  // (b) A pasted token.
  const tokenForm = document.getElementById("token-form");
  tokenForm.addEventListener("submit", (e) => {
    e.preventDefault();
    formError(tokenForm, null);
    useToken(tokenForm.elements.token.value, tokenForm);
  });

  // (c) A public workforce's sign-up.
  const workforce = params.get("workforce");
  const signupForm = document.getElementById("signup-form");
  if (workforce && /^\d+$/.test(workforce) && !invited) {
    signupForm.hidden = false;
    status.textContent = "You were invited to join a public workforce.";
    tokenForm.classList.add("gw-secondary");
    signupForm.elements.name.focus();
    signupForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      formError(signupForm, null);
      const body = { name: signupForm.elements.name.value.trim() };
      const email = signupForm.elements.email.value.trim();
      if (email) body.email = email;
      const button = signupForm.querySelector("button");
      button.disabled = true;
      try {
        const made = await api("POST", `/workforces/${workforce}/signup`, body, { noRedirect: true });
        window.GW.setToken(made.token);
        location.replace(await landing());
      } catch (err) {
        formError(signupForm, err);
      } finally {
        button.disabled = false;
      }
    });
  }

  // (d) A vendor's labelers sign in with the vendor key.
  const vendorForm = document.getElementById("vendor-form");
  if (params.get("vendor") !== null) document.getElementById("vendor").open = true;
  vendorForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    formError(vendorForm, null);
    const f = vendorForm.elements;
    const button = vendorForm.querySelector("button");
    button.disabled = true;
    try {
      const made = await api("POST", "/portal/vendor-signin",
        { vendor_key: f.vendor_key.value.trim(), name: f.name.value.trim(), email: f.email.value.trim() },
        { noRedirect: true });
      window.GW.setToken(made.token);
      location.replace("/portal/");
    } catch (err) {
      if (err.status === 401 || err.status === 403) err.message = err.message || "This vendor key was not accepted.";
      formError(vendorForm, err);
    } finally {
      button.disabled = false;
    }
  });
})();
