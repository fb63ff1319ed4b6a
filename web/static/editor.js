// The topology editor (/teach/labs/new, /teach/labs/{id}/edit): a plain textarea over a
// mirrored <pre> that underlines the server's diagnostics at their line and column.
// Every check is the server's (POST /api/labs/validate, the library's own validation):
// this file only places what it says. No library; nothing from elsewhere.
"use strict";

(() => {
  const DEBOUNCE_MS = 300;
  const INDENT = "  ";

  document.addEventListener("DOMContentLoaded", () => {
    const page = document.getElementById("editor-page");
    if (!page) return;
    const source = document.getElementById("source");
    const mirror = document.getElementById("source-mirror");
    const gutter = document.getElementById("source-gutter");
    const status = document.getElementById("source-status");
    const list = document.getElementById("diagnostics");
    const viewAs = document.getElementById("view-as");
    const texts = page.dataset;
    let labId = page.dataset.labId || "";
    let timer = null;
    let sent = 0; // the newest request; older answers are dropped
    let leaveOnTab = false;

    const fill = asbuilt.fill;

    // ---- the mirror: the same text, with <mark> at each diagnostic's range ----------

    function lineStarts(text) {
      const starts = [0];
      for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
      return starts;
    }

    // A diagnostic's range as offsets in the text; at least one character, so an error
    // at the end of a line still shows.
    function range(diag, text, starts) {
      if (!diag.line || diag.line > starts.length) return null;
      const lineEnd = (n) => (n < starts.length ? starts[n] - 1 : text.length);
      const at = (line, column) => Math.min(starts[line - 1] + Math.max((column || 1) - 1, 0), lineEnd(line));
      const from = at(diag.line, diag.column);
      let to = diag.end_line ? at(Math.min(diag.end_line, starts.length), diag.end_column) : lineEnd(diag.line);
      if (to <= from) to = Math.min(from + 1, text.length);
      if (to <= from) return { from: Math.max(from - 1, 0), to: from };
      return { from, to };
    }

    function renderMirror(diagnostics) {
      const text = source.value;
      const starts = lineStarts(text);
      const ranges = [];
      diagnostics.forEach((diag, index) => {
        const r = range(diag, text, starts);
        if (r) ranges.push({ ...r, index, diag });
      });
      ranges.sort((a, b) => a.from - b.from);
      mirror.textContent = "";
      let at = 0;
      for (const r of ranges) {
        if (r.from < at) continue; // overlapping marks: the first one wins
        mirror.append(text.slice(at, r.from));
        const mark = document.createElement("mark");
        mark.className = r.diag.severity === "warning" ? "warning" : "error";
        mark.dataset.line = r.diag.line;
        mark.dataset.column = r.diag.column || 1;
        mark.id = "diagnostic-mark-" + r.index;
        mark.title = r.diag.message;
        mark.textContent = text.slice(r.from, r.to);
        mirror.append(mark);
        at = r.to;
      }
      // A final newline needs a character after it, or the mirror is a line short.
      mirror.append(text.slice(at) + "\n");
      const numbers = [];
      for (let n = 1; n <= starts.length; n++) numbers.push(n);
      gutter.textContent = numbers.join("\n") + "\n";
      syncScroll();
    }

    function syncScroll() {
      gutter.scrollTop = source.scrollTop;
      mirror.scrollTop = source.scrollTop;
      mirror.scrollLeft = source.scrollLeft;
    }

    // ---- the list of messages, each linking to its place ---------------------------

    function renderList(diagnostics) {
      list.textContent = "";
      diagnostics.forEach((diag) => {
        const item = document.createElement("li");
        item.className = diag.severity === "warning" ? "warning" : "error";
        if (diag.line) {
          const jump = document.createElement("button");
          jump.type = "button";
          jump.className = "link-button place";
          jump.textContent = `${texts.textLine} ${diag.line}:${diag.column || 1}`;
          jump.addEventListener("click", () => moveCursor(diag.line, diag.column || 1));
          item.append(jump, " ");
        }
        const message = document.createElement("span");
        message.className = "message";
        message.textContent = diag.message;
        item.append(message);
        if (diag.help) {
          const help = document.createElement("p");
          help.className = "help";
          help.textContent = `${texts.textHelp}: ${diag.help}`;
          item.append(help);
        }
        list.append(item);
      });
    }

    function moveCursor(line, column) {
      const starts = lineStarts(source.value);
      const offset = Math.min((starts[line - 1] || 0) + column - 1, source.value.length);
      source.focus();
      source.setSelectionRange(offset, offset);
      // Bring the line into view: its share of the whole height.
      const lineHeight = source.scrollHeight / Math.max(starts.length, 1);
      source.scrollTop = Math.max(0, (line - 3) * lineHeight);
      syncScroll();
    }

    function showDiagnostics(diagnostics, valid) {
      renderMirror(diagnostics);
      renderList(diagnostics);
      const errors = diagnostics.filter((d) => d.severity !== "warning").length;
      source.setAttribute("aria-invalid", valid ? "false" : "true");
      status.textContent = valid && errors === 0 ? texts.textValid : fill(texts.textErrors, { count: diagnostics.length });
      status.className = valid ? "ok" : "fail";
    }

    // ---- the preview: diagram, task and checks of the plan or a student's variant -----

    function showPreview(result) {
      const diagram = document.getElementById("diagram");
      if (!result.valid) {
        diagram.classList.add("stale");
        return;
      }
      diagram.classList.remove("stale");
      // asbuilt's own SVG (graph::svg), which escapes every text it draws.
      // Without the file's XML declaration, which has no place inside HTML.
      diagram.innerHTML = (result.svg || "").replace(/^<\?xml[^>]*>\s*/, "");
      document.getElementById("task").textContent = result.task || "";
      document.getElementById("variant-note").textContent =
        result.student ? fill(texts.textVariant, { student: result.student, seed: result.seed || "" }) : "";
      const body = document.querySelector("#checks tbody");
      body.textContent = "";
      for (const check of result.checks) {
        const row = body.insertRow();
        const title = row.insertCell();
        title.textContent = check.title;
        const id = document.createElement("div");
        id.className = "muted small";
        id.textContent = check.id;
        title.append(id);
        if (viewAs.value && !check.reveal && check.hint) {
          const hint = document.createElement("div");
          hint.className = "small";
          hint.textContent = `${texts.textHint}: ${check.hint}`;
          title.append(hint);
        }
        row.insertCell().textContent = check.weight;
        row.insertCell().textContent = check.trains.join(", ");
      }
      document.getElementById("check-count").textContent = result.checks.length;
    }

    async function validate() {
      const mine = ++sent;
      status.textContent = texts.textChecking;
      const body = { source: source.value, lang: texts.lang };
      if (viewAs.value) body.student = viewAs.value;
      try {
        const result = await asbuilt.api("POST", "/api/labs/validate", body);
        if (mine !== sent) return;
        if (!result.ok) {
          status.textContent = asbuilt.errorMessage(result);
          return;
        }
        showDiagnostics(result.data.diagnostics, result.data.valid);
        showPreview(result.data);
      } catch (_) {
        if (mine === sent) status.textContent = asbuilt.text("network_error");
      }
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(validate, DEBOUNCE_MS);
    }

    // ---- typing: the mirror follows at once, validation after a pause ---------------

    source.addEventListener("input", () => {
      // Until the server answers, the old marks would sit at the wrong places.
      renderMirror([]);
      schedule();
    });
    source.addEventListener("scroll", syncScroll);
    viewAs.addEventListener("change", validate);

    source.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        leaveOnTab = true;
        return;
      }
      if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) {
        leaveOnTab = false;
        return;
      }
      if (leaveOnTab) {
        leaveOnTab = false;
        return; // the browser moves the focus on
      }
      event.preventDefault();
      const text = source.value;
      const start = source.selectionStart;
      const end = source.selectionEnd;
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      if (event.shiftKey) {
        // Remove up to one indent from the start of the cursor's line.
        const removable = text.slice(lineStart, lineStart + INDENT.length).match(/^ */)[0].length;
        if (removable > 0) {
          source.setRangeText("", lineStart, lineStart + removable, "preserve");
          const moved = Math.max(start - removable, lineStart);
          source.setSelectionRange(moved, Math.max(end - removable, moved));
        }
      } else if (start !== end && text.slice(start, end).includes("\n")) {
        // A selection of several lines: indent each.
        const block = text.slice(lineStart, end);
        const indented = block.replace(/^/gm, INDENT);
        source.setRangeText(indented, lineStart, end, "preserve");
        source.setSelectionRange(start + INDENT.length, end + (indented.length - block.length));
      } else {
        source.setRangeText(INDENT, start, end, "end");
      }
      source.dispatchEvent(new Event("input"));
    });

    // ---- save: a new version through the upload API --------------------------------

    const saveError = document.getElementById("save-error");
    const saveResult = document.getElementById("save-result");
    document.getElementById("save-button").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      saveError.textContent = "";
      saveResult.textContent = "";
      button.disabled = true;
      try {
        const result = await asbuilt.api("POST", "/api/labs", { source: source.value });
        if (result.ok) {
          labId = String(result.data.lab_id);
          page.dataset.labId = labId;
          saveResult.textContent = fill(texts.textSaved, result.data);
          const version = document.getElementById("lab-version");
          if (version) version.textContent = result.data.version;
          history.replaceState(null, "", `/teach/labs/${labId}/edit`);
          showDiagnostics(result.data.warnings, true);
        } else {
          saveError.textContent = asbuilt.errorMessage(result);
          const diagnostics = result.data && result.data.error && result.data.error.diagnostics;
          if (diagnostics) showDiagnostics(diagnostics, false);
        }
      } catch (_) {
        saveError.textContent = asbuilt.text("network_error");
      } finally {
        button.disabled = false;
      }
    });

    // ---- publish: an assignment of the saved lab ----------------------------------

    const form = document.getElementById("publish-form");
    if (form) {
      const local = (date) => {
        const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
        return shifted.toISOString().slice(0, 16);
      };
      const opens = document.getElementById("publish-opens");
      const deadline = document.getElementById("publish-deadline");
      const now = new Date();
      now.setSeconds(0, 0);
      opens.value = local(now);
      deadline.value = local(new Date(now.getTime() + 7 * 24 * 3600 * 1000));
      const utc = (value) => new Date(value).toISOString().replace(/\.\d{3}Z$/, "Z");
      const fieldError = (field, message) => {
        const error = document.getElementById(field.id + "-error");
        error.textContent = message || "";
        field.setAttribute("aria-invalid", message ? "true" : "false");
      };

      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const error = document.getElementById("publish-error");
        const done = document.getElementById("publish-result");
        error.textContent = "";
        done.textContent = "";
        let bad = false;
        for (const field of [opens, deadline]) {
          const message = field.value ? "" : field.validationMessage || "?";
          fieldError(field, message);
          bad = bad || Boolean(message);
        }
        if (bad) return;
        if (!labId) {
          error.textContent = texts.textSaveFirst;
          return;
        }
        const body = {
          class_id: Number(document.getElementById("publish-class").value),
          lab_id: Number(labId),
          opens_at: utc(opens.value),
          deadline: utc(deadline.value),
          idle_ttl_secs: Math.round(Number(document.getElementById("publish-idle").value) * 60),
          max_lifetime_secs: Math.round(Number(document.getElementById("publish-lifetime").value) * 3600),
        };
        const title = document.getElementById("publish-title").value.trim();
        if (title) body.title = title;
        const button = document.getElementById("publish-button");
        button.disabled = true;
        try {
          const result = await asbuilt.api("POST", "/api/assignments", body);
          if (result.ok) {
            done.textContent = fill(texts.textPublished, result.data) + " ";
            const link = document.createElement("a");
            link.href = `/teach/assignments/${result.data.id}`;
            link.id = "published-link";
            link.textContent = texts.textOpenOverview;
            done.append(link);
          } else {
            const message = asbuilt.errorMessage(result);
            // The API's one timing rule belongs next to the deadline field.
            if (/deadline/.test(message)) fieldError(deadline, message);
            else error.textContent = message;
          }
        } catch (_) {
          error.textContent = asbuilt.text("network_error");
        } finally {
          button.disabled = false;
        }
      });
    }

    renderMirror([]);
    validate();
  });
})();
