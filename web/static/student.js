// The student's pages in the browser: times in the reader's own time zone, and on the
// lab page everything that changes while the student looks: the lab coming up (the
// lifecycle's events), each node's state, "check my work" as each check finishes, and
// the buttons that request, reset and extend the lab and hand in. Everything goes
// through the JSON API (asbuilt.api from app.js); this file decides nothing the server
// would not let the student do.
"use strict";

(() => {
  // Times the server wrote as RFC 3339, shown in the browser's time zone.
  function localTimes(root, lang) {
    root.querySelectorAll("time[data-local-time]").forEach((el) => {
      const when = el.getAttribute("datetime");
      if (!when) return;
      const date = new Date(when);
      if (!isNaN(date)) el.textContent = date.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
    });
  }

  function formatTime(iso, lang) {
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleString(lang, { dateStyle: "medium", timeStyle: "short" });
  }

  // "{x} of {y}" with the values filled in.
  function fill(template, values) {
    return Object.entries(values).reduce((text, [key, value]) => text.split("{" + key + "}").join(String(value)), template);
  }

  // A text of a report or design in the page's language, else the other one.
  function pick(text, lang) {
    if (!text) return "";
    if (typeof text === "string") return text;
    return text[lang] || text.nl || text.en || "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    const lang = document.documentElement.lang || "nl";
    localTimes(document, lang);
    const page = document.querySelector("[data-lab-page]");
    if (page) labPage(page, lang);
  });

  function labPage(page, lang) {
    const texts = JSON.parse(document.getElementById("student-texts").textContent);
    const t = (key) => texts[key] || key;
    const assignment = page.dataset.assignment;
    const instance = page.dataset.instance;
    const closed = page.dataset.closed === "true";
    const $ = (id) => document.getElementById(id);
    let state = page.dataset.state;
    let events = null;
    let nodePoll = null;

    // Lab state ----------------------------------------------------------------------

    function showState(newState, view) {
      state = newState;
      page.dataset.state = state;
      const badge = $("lab-state");
      badge.textContent = t("state_" + state);
      badge.className = "badge state-" + state;
      const position = view && view.position;
      $("lab-position").textContent = state === "queued" && position ? fill(t("queue_position"), { position }) : "";
      if (state !== "deploying") $("lab-step").textContent = "";
      if (view) {
        const expiry = $("lab-expiry");
        expiry.hidden = !(state === "ready" && view.expires_at);
        for (const [id, value] of [["lab-expires", view.expires_at], ["lab-idle-expires", view.idle_expires_at]]) {
          const el = $(id);
          el.setAttribute("datetime", value || "");
          el.textContent = value ? formatTime(value, lang) : "";
        }
      }
      const ready = state === "ready";
      $("request-lab").hidden = closed || !["not_requested", "expired", "destroyed"].includes(state);
      $("reset-lab").hidden = !["ready", "failed", "lost"].includes(state);
      $("extend-lab").hidden = !ready;
      $("check-work").disabled = !ready;
      // Only a running lab can be graded at hand-in.
      const handIn = $("hand-in");
      if (handIn) handIn.disabled = !ready;
      if ($("hand-in-needs-lab")) $("hand-in-needs-lab").hidden = ready;
      document.querySelectorAll("[data-console-link]").forEach((a) => { a.hidden = !ready; });
      $("console-note").hidden = ready;
      $("console-box").hidden = !ready;
      if (!ready) $("console-frame").removeAttribute("src");
      if (ready) startNodePoll(); else stopNodePoll();
      if (["not_requested", "expired", "destroyed", "failed", "lost"].includes(state)) {
        document.querySelectorAll("[data-node-state]").forEach((el) => setNode(el.dataset.nodeState, "waiting"));
      }
    }

    async function refreshStatus() {
      try {
        const result = await asbuilt.api("GET", "/api/instances/" + encodeURIComponent(instance));
        if (result.ok) showState(result.data.state, result.data);
      } catch (_) { /* the next event or poll tries again */ }
    }

    // The lifecycle's events: the status first, then every state, queue position,
    // deploy step and node as they happen. EventSource reconnects by itself.
    function follow() {
      if (events) return;
      events = new EventSource("/api/instances/" + encodeURIComponent(instance) + "/events");
      events.addEventListener("status", (e) => {
        const view = JSON.parse(e.data);
        showState(view.state, view);
      });
      events.addEventListener("state", (e) => {
        const data = JSON.parse(e.data);
        showState(data.state, null);
        if (data.state === "deploying") {
          document.querySelectorAll("[data-node-state]").forEach((el) => setNode(el.dataset.nodeState, "waiting"));
        }
        // The view has the times and position the event does not carry.
        refreshStatus();
      });
      events.addEventListener("position", (e) => {
        const data = JSON.parse(e.data);
        $("lab-position").textContent = fill(t("queue_position"), { position: data.position });
      });
      events.addEventListener("step", (e) => {
        $("lab-step").textContent = t("step") + ": " + JSON.parse(e.data).step;
      });
      events.addEventListener("node", (e) => {
        const data = JSON.parse(e.data);
        setNode(data.node, data.state === "started again" ? "started" : data.state);
      });
      events.addEventListener("lagged", refreshStatus);
    }

    // Nodes ----------------------------------------------------------------------------

    // One node's state in the table and on the diagram (`waiting`, `started`,
    // `configured`, `running`, `stopped`).
    function setNode(node, nodeState) {
      // A node its deploy found ready is a node that runs.
      const normal = nodeState === "ready" ? "running" : nodeState;
      const shown = ["waiting", "started", "configured", "running"].includes(normal) ? normal : "stopped";
      document.querySelectorAll("[data-node-state]").forEach((el) => {
        if (el.dataset.nodeState !== node) return;
        el.textContent = t("node_" + shown);
        el.className = "badge node-state node-" + shown;
      });
      document.querySelectorAll("#diagram g.node").forEach((g) => {
        if (g.dataset.node === node) g.setAttribute("data-state", shown);
      });
    }

    // Once the lab is ready the lifecycle sends nothing more about its nodes: ask the
    // engine now and then whether each still runs.
    async function pollNodes() {
      try {
        const result = await asbuilt.api("GET", "/api/instances/" + encodeURIComponent(instance) + "/nodes");
        if (result.ok) result.data.forEach((n) => setNode(n.node, n.state === "running" ? "running" : "stopped"));
      } catch (_) { /* next time */ }
    }

    function startNodePoll() {
      if (nodePoll) return;
      pollNodes();
      nodePoll = setInterval(pollNodes, 5000);
    }

    function stopNodePoll() {
      if (nodePoll) clearInterval(nodePoll);
      nodePoll = null;
    }

    // Actions --------------------------------------------------------------------------

    async function act(button, method, url, body, done) {
      const error = $("lab-action-error");
      error.textContent = "";
      $("lab-action-note").textContent = "";
      button.disabled = true;
      try {
        const result = await asbuilt.api(method, url, body);
        if (result.ok) done(result.data);
        else error.textContent = asbuilt.errorMessage(result);
      } catch (_) {
        error.textContent = asbuilt.text("network_error");
      } finally {
        button.disabled = false;
        // A button the new state hides takes the keyboard focus with it: keep it on
        // the lab's status instead.
        if (button.hidden) $("status-heading").focus();
      }
    }

    $("request-lab").addEventListener("click", (e) =>
      act(e.currentTarget, "POST", "/api/assignments/" + assignment + "/instance", undefined, (view) => {
        showState(view.state, view);
        follow();
      }));
    $("reset-lab").addEventListener("click", (e) => {
      if (!window.confirm(t("reset_confirm"))) return;
      act(e.currentTarget, "POST", "/api/instances/" + encodeURIComponent(instance) + "/reset", undefined, (view) => {
        showState(view.state, view);
        follow();
      });
    });
    $("extend-lab").addEventListener("click", (e) =>
      act(e.currentTarget, "POST", "/api/instances/" + encodeURIComponent(instance) + "/extend", { seconds: 3600 }, (view) => {
        showState(view.state, view);
        $("lab-action-note").textContent = view.expires_at ? fill(t("extended"), { time: formatTime(view.expires_at, lang) }) : "";
      }));

    // Working on the page is working in the lab: its idle time starts again, at most
    // once a minute (the consoles do the same for typing in them).
    let lastTouch = 0;
    const touch = () => {
      if (state !== "ready" || Date.now() - lastTouch < 60000) return;
      lastTouch = Date.now();
      asbuilt.api("POST", "/api/instances/" + encodeURIComponent(instance) + "/touch").catch(() => {});
    };
    document.addEventListener("keydown", touch);
    document.addEventListener("click", touch);

    // Consoles: the links load the iframe by themselves; say which node it shows.
    document.querySelectorAll("[data-console-link]").forEach((a) =>
      a.addEventListener("click", () => {
        const title = fill(t("console_of"), { node: a.dataset.consoleLink });
        $("console-heading").textContent = title;
        $("console-frame").title = title;
        document.querySelectorAll("[data-console-link]").forEach((o) => o.removeAttribute("aria-current"));
        a.setAttribute("aria-current", "true");
      }));

    // Check my work --------------------------------------------------------------------

    function checkItem(id) {
      return Array.from(document.querySelectorAll("[data-check]")).find((li) => li.dataset.check === id);
    }

    function setCheck(id, status) {
      const li = checkItem(id);
      if (!li) return null;
      const key = { pending: "check_pending", started: "check_started", pass: "check_pass", fail: "check_fail",
        error: "check_error_status", skipped: "check_skipped" }[status] || "check_pending";
      li.className = "check-item status-" + status;
      li.querySelector(".check-status").textContent = t(key);
      // A hint helps only with what failed.
      li.querySelector(".check-detail").hidden = !["fail", "error", "skipped"].includes(status);
      return li;
    }

    function showReport(report) {
      for (const check of report.checks) {
        const li = setCheck(check.id, check.status);
        if (!li) continue;
        const lines = [];
        if (check.observed) lines.push(t("observed") + ": " + pick(check.observed, lang));
        if (check.expected) lines.push(t("expected") + ": " + pick(check.expected, lang));
        if (check.reason) lines.push(pick(check.reason, lang));
        li.querySelector(".check-observed").textContent = lines.join(" · ");
      }
      const counts = report.counts;
      $("check-summary").textContent = fill(t("check_done"), {
        percent: report.score.percent, pass: counts.pass, fail: counts.fail + counts.error, skipped: counts.skipped,
      });
    }

    // One SSE block ("event: x\ndata: {...}") into its name and data.
    function parseBlock(block) {
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      return data.length ? { name, data: JSON.parse(data.join("\n")) } : null;
    }

    function onCheckEvent(name, data) {
      if (name === "check") {
        if (data.event === "settling") $("check-summary").textContent = t("check_settling");
        else if (data.event === "started") setCheck(data.id, "started");
        else if (data.event === "finished") {
          setCheck(data.id, data.status);
          $("check-summary").textContent = fill(t("check_running"), { done: data.done, total: data.total });
        }
      } else if (name === "report") {
        showReport(data.report);
      } else if (name === "error") {
        $("check-summary").textContent = fill(t("check_error"), { message: data.message });
      }
    }

    // "Check my work" as a POST whose answer streams the checks as they finish
    // (EventSource cannot POST, so the stream is read by hand).
    $("check-work").addEventListener("click", async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      document.querySelectorAll("[data-check]").forEach((li) => setCheck(li.dataset.check, "pending"));
      $("check-summary").textContent = fill(t("check_running"), { done: 0, total: document.querySelectorAll("[data-check]").length });
      try {
        const response = await fetch("/api/assignments/" + assignment + "/check", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRF-Token": asbuilt.csrfToken(), Accept: "text/event-stream" },
        });
        if (!response.ok) {
          let message = asbuilt.text("network_error");
          try { message = (await response.json()).error.message; } catch (_) { /* keep the generic text */ }
          $("check-summary").textContent = fill(t("check_error"), { message });
          return;
        }
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const event = parseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (event) onCheckEvent(event.name, event.data);
          }
        }
      } catch (_) {
        $("check-summary").textContent = fill(t("check_error"), { message: asbuilt.text("network_error") });
      } finally {
        button.disabled = state !== "ready";
      }
    });

    // Hand in --------------------------------------------------------------------------

    function showHandIn(view) {
      const box = $("hand-in-state");
      box.replaceChildren();
      const line = (text) => {
        const p = document.createElement("p");
        p.textContent = text;
        box.appendChild(p);
      };
      line(fill(t("handed_in_at"), { time: formatTime(view.handed_in_at, lang) }));
      if (view.state === "graded") line(fill(t("hand_in_graded"), { percent: view.percent }));
      else if (view.state === "not_graded") line(fill(t("hand_in_not_graded"), { error: view.error || "" }));
      else line(t("hand_in_grading"));
      box.dataset.handInState = view.state;
    }

    async function followHandIn() {
      for (let i = 0; i < 300; i += 1) {
        const result = await asbuilt.api("GET", "/api/assignments/" + assignment + "/hand-ins").catch(() => null);
        const mine = result && result.ok && result.data[0];
        if (mine) {
          showHandIn(mine);
          if (mine.state !== "grading") return;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }

    const handIn = $("hand-in");
    if (handIn) {
      handIn.addEventListener("click", async () => {
        if (!window.confirm(t("hand_in_confirm"))) return;
        const error = $("hand-in-error");
        error.textContent = "";
        handIn.disabled = true;
        try {
          // The texts the lab asks for go with the hand-in; a lab without any sends none.
          const fields = document.querySelectorAll("textarea[data-writing]");
          const texts = {};
          fields.forEach((field) => { if (field.value.trim() !== "") texts[field.dataset.writing] = field.value; });
          const body = fields.length > 0 ? { texts } : undefined;
          const result = await asbuilt.api("POST", "/api/assignments/" + assignment + "/hand-in", body);
          if (result.ok) {
            showHandIn(result.data);
            handIn.closest(".actions").remove();
            $("hand-in-needs-lab").remove();
            // What was handed in stays readable, no longer editable.
            fields.forEach((field) => { field.readOnly = true; });
            followHandIn();
          } else {
            error.textContent = asbuilt.errorMessage(result);
            handIn.disabled = false;
          }
        } catch (_) {
          error.textContent = asbuilt.text("network_error");
          handIn.disabled = false;
        }
      });
    }
    if ($("hand-in-state").dataset.handInState === "grading") followHandIn();

    // Start ----------------------------------------------------------------------------

    showState(state, null);
    if (!["not_requested", "unavailable"].includes(state)) follow();
    if (page.dataset.lastReport) {
      asbuilt.api("GET", "/api/reports/" + page.dataset.lastReport)
        .then((result) => { if (result.ok) showReport(result.data.report); })
        .catch(() => {});
    }
  }
})();
