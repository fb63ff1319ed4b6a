// asbuilt's pages: the few things every page does in the browser. Pages read on the
// server; what they change goes through the JSON API with the session's CSRF token.
// No library, nothing loaded from elsewhere (the Content-Security-Policy forbids it).
"use strict";

const asbuilt = (() => {
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)asbuilt_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Calls the API; resolves to { ok, status, data } (data: the parsed JSON, or null).
  // Rejects only when the server cannot be reached.
  async function api(method, url, body) {
    const headers = { "X-CSRF-Token": csrfToken() };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
      data = await response.json();
    }
    if (response.status === 401) {
      location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    }
    return { ok: response.ok, status: response.status, data };
  }

  // The message of an API error body, or the generic network text.
  function errorMessage(result) {
    return (result && result.data && result.data.error && result.data.error.message) || text("network_error");
  }

  // `{name}` in a text filled from values; a name without a value becomes "".
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => (values[key] === undefined ? "" : String(values[key])));
  }

  // A text of the page's language that the base template put in <body data-...>.
  function text(key) {
    return document.body.dataset[key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] || key;
  }

  // <form data-api="/api/..." data-method="POST" data-next="/x">: the named fields as
  // JSON (data-type="number" or "bool" on a field converts it). The error goes into the
  // form's [data-form-error] element, read out by screen readers (role=alert).
  function wireForm(form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const field of form.querySelectorAll("[name]")) {
        if (field.disabled || (field.type === "checkbox" && field.dataset.type !== "bool" && !field.checked)) continue;
        let value = field.type === "checkbox" ? field.checked : field.value;
        if (field.dataset.type === "number") value = value === "" ? null : Number(value);
        if (field.dataset.optional !== undefined && value === "") continue;
        body[field.name] = value;
      }
      const error = form.querySelector("[data-form-error]");
      const button = form.querySelector("[type=submit]");
      if (error) error.textContent = "";
      if (button) button.disabled = true;
      try {
        const result = await api(form.dataset.method || "POST", form.dataset.api, body);
        if (result.ok) {
          form.dispatchEvent(new CustomEvent("asbuilt:done", { detail: result.data }));
          if (form.dataset.next) location.href = form.dataset.next;
        } else if (error) {
          error.textContent = errorMessage(result);
        }
      } catch (_) {
        if (error) error.textContent = text("network_error");
      } finally {
        if (button) button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-api]").forEach(wireForm);
    document.querySelectorAll("[data-logout]").forEach((button) =>
      button.addEventListener("click", async () => {
        try { await api("POST", "/api/auth/logout"); } finally { location.href = "/login"; }
      }));
  });

  return { api, csrfToken, errorMessage, fill, text, wireForm };
})();
