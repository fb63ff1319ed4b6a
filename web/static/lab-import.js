// The lab import page: sends the chosen archive or containerlab file as it is to
// POST /api/labs/import, then shows the import report, or every problem at its file,
// line and column.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const page = document.getElementById("lab-import-page");
  if (!page) return;
  const texts = page.dataset;
  const form = document.getElementById("lab-import-form");
  const file = document.getElementById("lab-import-file");
  const lab = document.getElementById("lab-import-lab");
  const strict = document.getElementById("lab-import-strict");
  const button = document.getElementById("lab-import-button");
  const status = document.getElementById("lab-import-status");
  const error = document.getElementById("lab-import-error");
  const problems = document.getElementById("lab-import-problems");
  const result = document.getElementById("lab-import-result");

  const place = (file, line, column) => (line ? `${file}:${line}:${column || 1}` : file);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    const chosen = file.files[0];
    error.textContent = "";
    problems.textContent = "";
    result.hidden = true;
    status.textContent = texts.textBusy;
    button.disabled = true;
    const query = new URLSearchParams({ filename: chosen.name });
    if (lab.value.trim()) query.set("lab", lab.value.trim());
    if (strict.checked) query.set("strict", "true");
    try {
      // The archive goes as it is, not as JSON: app.js's api() sends JSON only.
      const response = await fetch(`/api/labs/import?${query}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": asbuilt.csrfToken() },
        body: chosen,
      });
      const data = await response.json().catch(() => null);
      if (response.ok) {
        show(data);
      } else {
        error.textContent = asbuilt.errorMessage({ data });
        const diagnostics = (data && data.error && data.error.diagnostics) || [];
        for (const d of diagnostics) {
          const item = document.createElement("li");
          item.className = "diagnostic error";
          const where = d.file ? place(d.file, d.line, d.column) : "";
          item.textContent = where ? `${where}: ${d.message}` : d.message;
          problems.appendChild(item);
        }
      }
    } catch (_) {
      error.textContent = asbuilt.text("network_error");
    } finally {
      status.textContent = "";
      button.disabled = false;
    }
  });

  function show(imported) {
    const findings = imported.report.findings;
    const count = (kind) => findings.filter((f) => f.kind === kind).length;
    document.getElementById("lab-import-summary").textContent = asbuilt.fill(texts.textSummary, {
      name: imported.name,
      version: imported.version,
      format: imported.format === "kathara" ? "Kathará" : "containerlab",
      loss: count("mapped-with-loss"),
      refused: count("refused"),
      passthrough: count("passthrough"),
    });
    document.getElementById("lab-import-open").href = `/teach/labs/${imported.lab_id}/edit`;
    const nodes = document.getElementById("lab-import-nodes");
    nodes.textContent = "";
    for (const n of imported.report.nodes) {
      const item = document.createElement("li");
      const mode = n.mode === "design" ? texts.textModeDesign : texts.textModePassthrough;
      item.textContent = `${n.node}: ${mode}`;
      nodes.appendChild(item);
    }
    const body = document.querySelector("#lab-import-findings tbody");
    body.textContent = "";
    for (const f of findings) {
      const row = body.insertRow();
      row.className = `finding ${f.kind}`;
      const where = row.insertCell();
      where.className = "mono";
      where.textContent = place(f.file, f.line, f.column);
      const key = "textKind" + f.kind.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase());
      row.insertCell().textContent = texts[key] || f.kind;
      row.insertCell().textContent = f.message;
    }
    result.hidden = false;
    result.scrollIntoView();
  }
});
