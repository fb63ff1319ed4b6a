// The teacher's pages: reloading after a new class, the class-list import with each
// bad row's error next to the row, and the live class overview (lab states, scores,
// cables, a grading run's progress). Changes go through the JSON API (app.js).
"use strict";

(() => {
  const fill = asbuilt.fill;

  // ---- /teach: a form that changes the page's list reloads it -----------------------

  function wireReloads() {
    document.querySelectorAll("form[data-reload]").forEach((form) => {
      form.addEventListener("asbuilt:done", () => location.reload());
      // app.js writes the API's refusal next to the field; mark the field invalid with it.
      const error = form.querySelector("[data-form-error]");
      if (!error) return;
      new MutationObserver(() => {
        const bad = error.textContent.trim() !== "";
        form.querySelectorAll("input[name]").forEach((field) => field.setAttribute("aria-invalid", String(bad)));
      }).observe(error, { childList: true, characterData: true, subtree: true });
    });
  }

  // ---- /teach/classes/{id}: the import ---------------------------------------------

  function wireImport(section) {
    const texts = section.dataset;
    const classId = texts.classId;
    const text = document.getElementById("csv-text");
    const file = document.getElementById("csv-file");
    const error = document.getElementById("import-error");
    const summary = document.getElementById("import-summary");
    const table = document.getElementById("import-rows");

    file.addEventListener("change", async () => {
      if (file.files.length) text.value = await file.files[0].text();
    });

    document.getElementById("import-button").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      error.textContent = "";
      summary.textContent = "";
      text.removeAttribute("aria-invalid");
      button.disabled = true;
      const csv = text.value;
      try {
        // The import takes the CSV as it is, not JSON: app.js's api() sends JSON only.
        const response = await fetch(`/api/classes/${classId}/students/import`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "text/csv", "X-CSRF-Token": asbuilt.csrfToken() },
          body: csv,
        });
        const data = await response.json().catch(() => null);
        if (!response.ok) {
          error.textContent = asbuilt.errorMessage({ data });
          text.setAttribute("aria-invalid", "true");
          table.hidden = true;
          return;
        }
        summary.textContent = fill(texts.textImported, {
          imported: data.imported, created: data.created, errors: data.errors.length,
        });
        showRows(csv, data, texts, table);
        await refreshStudents(classId);
      } catch (_) {
        error.textContent = asbuilt.text("network_error");
      } finally {
        button.disabled = false;
      }
    });
  }

  // Every line of the list with what became of it; a spreadsheet's row numbers (the
  // header is row 1), as the API numbers its errors.
  function showRows(csv, report, texts, table) {
    const lines = csv.replace(/^\uFEFF/, "").split(/\r?\n/);
    while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
    const errors = new Map(report.errors.map((e) => [e.row, e.message]));
    const kept = new Map(report.kept.map((e) => [e.row, e.message]));
    const body = table.tBodies[0];
    body.textContent = "";
    lines.forEach((line, index) => {
      const number = index + 1;
      const row = body.insertRow();
      row.id = `import-row-${number}`;
      row.insertCell().textContent = number;
      const content = row.insertCell();
      content.className = "mono";
      content.textContent = line;
      const result = row.insertCell();
      if (errors.has(number)) {
        row.className = "bad-row";
        result.className = "row-error fail";
        result.textContent = errors.get(number);
      } else if (number === 1) {
        result.className = "muted";
        result.textContent = texts.textHeader;
      } else if (kept.has(number)) {
        result.className = "skip";
        result.textContent = `${texts.textRowKept}: ${kept.get(number)}`;
      } else if (line.trim() !== "") {
        result.className = "pass";
        result.textContent = texts.textRowOk;
      }
    });
    // Errors for rows the lines above do not show (a quoted field over two lines).
    for (const [number, message] of errors) {
      if (number > lines.length) {
        const row = body.insertRow();
        row.className = "bad-row";
        row.insertCell().textContent = number;
        row.insertCell();
        const cell = row.insertCell();
        cell.className = "row-error fail";
        cell.textContent = message;
      }
    }
    table.hidden = false;
  }

  async function refreshStudents(classId) {
    const result = await asbuilt.api("GET", `/api/classes/${classId}/students`);
    if (!result.ok) return;
    const body = document.querySelector("#student-list tbody");
    body.textContent = "";
    for (const student of result.data) {
      const row = body.insertRow();
      row.insertCell().textContent = student.student_number || "";
      row.insertCell().textContent = student.display_name;
      row.insertCell().textContent = student.email || "";
    }
    document.getElementById("student-count").textContent = result.data.length;
    const none = document.getElementById("no-students");
    if (none) none.hidden = result.data.length > 0;
  }

  // ---- /teach/assignments/{id}: the live overview ----------------------------------

  const POLL_MS = 4000;

  function wireOverview(root) {
    const texts = root.dataset;
    const assignmentId = texts.assignmentId;
    const rows = () => Array.from(document.querySelectorAll("#lab-states tbody tr"));
    const nameOf = (studentId) => {
      const row = document.querySelector(`#lab-states tr[data-student-id="${studentId}"]`);
      return row ? row.cells[1].textContent : `#${studentId}`;
    };
    const stateWord = (state) => texts["state" + state[0].toUpperCase() + state.slice(1)] || state;

    async function refresh() {
      if (texts.hasEngine === "true") {
        const instances = await asbuilt.api("GET", "/api/instances").catch(() => null);
        if (instances && instances.ok) {
          const states = new Map(instances.data.filter((i) => String(i.assignment_id) === assignmentId)
            .map((i) => [i.name, i.state]));
          for (const row of rows()) {
            const cell = row.querySelector(".lab-state");
            const state = states.get(row.dataset.instance) || "none";
            if (cell.dataset.state !== state) {
              cell.dataset.state = state;
              cell.textContent = stateWord(state);
            }
          }
        }
      }
      const reports = await asbuilt.api("GET", `/api/assignments/${assignmentId}/reports`).catch(() => null);
      if (reports && reports.ok) {
        const latest = new Map();
        for (const report of reports.data) latest.set(report.student_id, report); // ordered by id
        for (const row of rows()) {
          const report = latest.get(Number(row.dataset.studentId));
          const cell = row.querySelector(".latest-score");
          if (report && cell.dataset.report !== String(report.id)) {
            cell.dataset.report = String(report.id);
            cell.textContent = "";
            const link = document.createElement("a");
            link.href = `/teach/reports/${report.id}`;
            link.textContent = `${report.percent}%`;
            cell.append(link);
          }
        }
      }
      document.getElementById("live-note").textContent =
        fill(texts.textUpdated, { time: new Date().toLocaleTimeString() });
    }

    // Polled, not pushed: one request for the whole class, whatever its size.
    refresh();
    setInterval(refresh, POLL_MS);

    const cableForm = document.getElementById("cable-form");
    if (cableForm) {
      cableForm.querySelectorAll("[data-cable]").forEach((button) =>
        button.addEventListener("click", async () => {
          const instance = document.getElementById("cable-student").value;
          const endpoint = document.getElementById("cable-endpoint").value;
          const body = { endpoint };
          if (button.dataset.cable === "pull") body.up = false;
          if (button.dataset.cable === "plug") body.up = true;
          if (button.dataset.cable === "clear") Object.assign(body, { up: true, delay_ms: 0, loss_percent: 0 });
          const done = document.getElementById("cable-result");
          const error = document.getElementById("cable-error");
          done.textContent = "";
          error.textContent = "";
          button.disabled = true;
          try {
            const result = await asbuilt.api("POST", `/api/instances/${encodeURIComponent(instance)}/links`, body);
            if (result.ok) {
              const state = result.data.up ? "up" : "down";
              const extra = result.data.delay_ms || result.data.loss_percent
                ? `, ${result.data.delay_ms} ms, ${result.data.loss_percent}%` : "";
              done.textContent = fill(texts.textCableDone, { endpoint: result.data.endpoint, state: state + extra });
            } else {
              error.textContent = asbuilt.errorMessage(result);
            }
          } catch (_) {
            error.textContent = asbuilt.text("network_error");
          } finally {
            button.disabled = false;
          }
        }));
    }

    document.getElementById("run-button").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      const error = document.getElementById("run-error");
      const log = document.getElementById("run-log");
      error.textContent = "";
      log.textContent = "";
      button.disabled = true;
      const say = (line) => {
        const item = document.createElement("li");
        item.textContent = line;
        log.append(item);
      };
      try {
        const result = await asbuilt.api("POST", `/api/assignments/${assignmentId}/runs`, {});
        if (!result.ok) {
          error.textContent = asbuilt.errorMessage(result);
          button.disabled = false;
          return;
        }
        const events = new EventSource(result.data.events);
        const on = (name, handle) => events.addEventListener(name, (e) => handle(JSON.parse(e.data)));
        on("run-started", (u) => say(fill(texts.textRunStarted, u)));
        on("student-graded", (u) => say(fill(texts.textStudentGraded, { student: nameOf(u.student_id), percent: u.percent })));
        on("student-skipped", (u) => say(fill(texts.textStudentSkipped, { student: nameOf(u.student_id), reason: u.reason })));
        on("run-finished", (u) => {
          say(fill(texts.textRunFinished, u));
          events.close();
          button.disabled = false;
          // The results table is the server's: show the new one.
          setTimeout(() => location.reload(), 1500);
        });
        events.onerror = () => {
          events.close();
          button.disabled = false;
        };
      } catch (_) {
        error.textContent = asbuilt.text("network_error");
        button.disabled = false;
      }
    });
  }

  // Times come from the server in UTC (RFC 3339); shown in the reader's own zone.
  function localTimes() {
    const lang = document.documentElement.lang || undefined;
    document.querySelectorAll("time[datetime]").forEach((time) => {
      const date = new Date(time.dateTime);
      if (!Number.isNaN(date.getTime())) {
        time.textContent = date.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
      }
    });
  }

  // ---- /teach/classes/{id}: first passwords, shown once ----------------------------

  function wireFirstPasswords(section) {
    const texts = section.dataset;
    const error = document.getElementById("first-passwords-error");
    const summary = document.getElementById("first-passwords-summary");
    const table = document.getElementById("first-passwords-list");
    document.getElementById("first-passwords-button").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      error.textContent = "";
      button.disabled = true;
      try {
        const result = await asbuilt.api("POST", `/api/classes/${texts.classId}/students/first-passwords`);
        if (!result.ok) {
          error.textContent = asbuilt.errorMessage(result);
          return;
        }
        const made = result.data;
        summary.textContent = made.length ? texts.textMade.replace("{count}", made.length) : texts.textNone;
        const body = table.querySelector("tbody");
        for (const entry of made) {
          const row = body.insertRow();
          for (const value of [entry.student_number || "", entry.display_name, entry.username, entry.password]) {
            row.insertCell().textContent = value;
          }
          row.cells[3].className = "password";
        }
        table.hidden = body.rows.length === 0;
      } catch (_) {
        error.textContent = asbuilt.text("network_error");
      } finally {
        button.disabled = false;
      }
    });
  }

  // The rubric of a report: points and a comment per item, saved in one PUT; items
  // left without points are not sent, so they stay as they were.
  function wireRubric(form) {
    const status = document.getElementById("rubric-status");
    const error = document.getElementById("rubric-error");
    const saved = JSON.parse(document.getElementById("rubric-texts").textContent);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const scores = {};
      for (const item of form.querySelectorAll("[data-item]")) {
        const points = item.querySelector("[data-field=points]").value;
        if (points === "") continue;
        const comment = item.querySelector("[data-field=comment]").value;
        scores[item.dataset.item] = { points: Number(points), comment: comment === "" ? null : comment };
      }
      const button = form.querySelector("[type=submit]");
      status.textContent = "";
      error.textContent = "";
      button.disabled = true;
      try {
        const result = await asbuilt.api("PUT", form.dataset.rubricApi, scores);
        if (result.ok) {
          status.textContent = saved;
          // The page's score and subtotals now count the rubric: show them fresh.
          setTimeout(() => location.reload(), 600);
        } else {
          error.textContent = asbuilt.errorMessage(result);
        }
      } catch (_) {
        error.textContent = asbuilt.text("network_error");
      } finally {
        button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    localTimes();
    const rubric = document.getElementById("rubric-form");
    if (rubric) wireRubric(rubric);
    wireReloads();
    const section = document.getElementById("import");
    if (section) wireImport(section);
    const passwords = document.getElementById("first-passwords");
    if (passwords) wireFirstPasswords(passwords);
    const overview = document.getElementById("overview");
    if (overview) wireOverview(overview);
  });
})();
