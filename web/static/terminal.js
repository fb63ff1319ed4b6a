// The console page's terminal. The server keeps the terminal's screen (a vt100 parser,
// src/service/terminal) and sends what changed on it as JSON frames of styled runs;
// this script only draws them, and sends back what the person types, pastes and how
// big the window is. Which bytes a key means is decided on the server, so this script
// names keys (KeyboardEvent.key) and never writes an escape sequence itself.
"use strict";

(() => {
  const root = document.getElementById("console");
  if (!root) return;
  const terminal = document.getElementById("terminal");
  const screen = document.getElementById("terminal-screen");
  const cursorBox = document.getElementById("terminal-cursor");
  const input = document.getElementById("terminal-input");
  const stateLine = document.getElementById("console-state");
  const note = document.getElementById("console-note");
  const reconnectButton = document.getElementById("console-reconnect");
  const copyButton = document.getElementById("console-copy");
  const pasteButton = document.getElementById("console-paste");
  const writable = root.dataset.writable === "true";

  // Keys that have no text of their own; the server turns them into bytes.
  const NAMED = new Set([
    "ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown",
    "Insert", "Delete", "Enter", "Tab", "Escape", "Backspace",
    "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
  ]);

  // xterm's 256 colours: the 16 of the theme, a 6x6x6 cube, 24 greys.
  const palette = [
    "#000000", "#cd3131", "#0dbc79", "#e5e510", "#2472c8", "#bc3fbc", "#11a8cd", "#e5e5e5",
    "#666666", "#f14c4c", "#23d18b", "#f5f543", "#3b8eea", "#d670d6", "#29b8db", "#ffffff",
  ];
  const levels = [0, 95, 135, 175, 215, 255];
  const hex = (n) => n.toString(16).padStart(2, "0");
  for (let i = 0; i < 216; i++) {
    palette.push("#" + hex(levels[Math.floor(i / 36)]) + hex(levels[Math.floor(i / 6) % 6]) + hex(levels[i % 6]));
  }
  for (let i = 0; i < 24; i++) palette.push("#" + hex(8 + 10 * i).repeat(3));
  const colour = (c) => (typeof c === "number" ? palette[c] : c);

  let socket = null;
  let rows = 0;
  let cols = 0;
  let lines = [];
  let rowElements = [];
  let cursor = { y: 0, x: 0, visible: false };
  let cell = { width: 8, height: 17 };
  let alternate = false;

  function text(name) {
    return root.dataset["text" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  }

  function setState(state) {
    root.dataset.state = state;
    stateLine.textContent = text(state);
    reconnectButton.hidden = !(state === "closed" || state === "ended");
  }

  function say(message) {
    note.textContent = message;
    clearTimeout(say.timer);
    say.timer = setTimeout(() => { note.textContent = ""; }, 4000);
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  // ---- drawing ----

  // The size of one cell in the terminal's font.
  function measure() {
    const probe = document.createElement("span");
    probe.className = "terminal-probe";
    probe.textContent = "W".repeat(50);
    screen.appendChild(probe);
    const box = probe.getBoundingClientRect();
    probe.remove();
    if (box.width > 0 && box.height > 0) cell = { width: box.width / 50, height: box.height };
  }

  function drawRun(run) {
    const span = document.createElement("span");
    span.textContent = run.text;
    let fg = run.fg !== undefined ? colour(run.fg) : null;
    let bg = run.bg !== undefined ? colour(run.bg) : null;
    // Bold in one of the 8 base colours is drawn bright, as xterm does.
    if (run.b && typeof run.fg === "number" && run.fg < 8) fg = palette[run.fg + 8];
    if (run.v) {
      [fg, bg] = [bg || "var(--term-bg)", fg || "var(--term-fg)"];
    }
    if (fg) span.style.color = fg;
    if (bg) span.style.backgroundColor = bg;
    const classes = [];
    if (run.b) classes.push("b");
    if (run.d) classes.push("d");
    if (run.i) classes.push("i");
    if (run.u) classes.push("u");
    if (classes.length) span.className = classes.join(" ");
    return span;
  }

  function drawRow(y) {
    const row = rowElements[y];
    if (!row) return;
    row.replaceChildren(...(lines[y] || []).map(drawRun));
  }

  function drawCursor() {
    cursorBox.hidden = !cursor.visible;
    cursorBox.style.left = cursor.x * cell.width + "px";
    cursorBox.style.top = cursor.y * cell.height + "px";
    cursorBox.style.width = cell.width + "px";
    cursorBox.style.height = cell.height + "px";
    // The text box follows the cursor, so an input method's window opens there.
    input.style.left = cursorBox.style.left;
    input.style.top = cursorBox.style.top;
  }

  function applyFrame(frame) {
    const resized = frame.rows !== rows || frame.cols !== cols;
    if (frame.full || resized) {
      rows = frame.rows;
      cols = frame.cols;
      lines = new Array(rows).fill(null).map(() => []);
      rowElements = [];
      const fresh = [];
      for (let y = 0; y < rows; y++) {
        const row = document.createElement("div");
        row.className = "terminal-row";
        rowElements.push(row);
        fresh.push(row);
      }
      screen.replaceChildren(...fresh);
    }
    for (const line of frame.lines) {
      lines[line.y] = line.runs;
      drawRow(line.y);
    }
    cursor = frame.cursor;
    alternate = frame.alternate;
    terminal.dataset.rows = String(rows);
    terminal.dataset.cols = String(cols);
    terminal.dataset.alternate = String(frame.alternate);
    terminal.dataset.scrollback = String(frame.scrollback);
    if (resized && !writable) fitWatcher();
    drawCursor();
  }

  // ---- size ----

  // A watcher gets the typist's size: smaller letters when it does not fit.
  function fitWatcher() {
    screen.style.fontSize = "";
    measure();
    if (!cols || !rows) return;
    const ratio = Math.min(1, screen.clientWidth / (cols * cell.width), screen.clientHeight / (rows * cell.height));
    if (ratio < 1) {
      screen.style.fontSize = Math.max(6, Math.floor(15 * ratio * 10) / 10) + "px";
      measure();
    }
    drawCursor();
  }

  function fit() {
    if (!writable) {
      fitWatcher();
      return;
    }
    measure();
    const wanted = {
      cols: Math.max(2, Math.floor(screen.clientWidth / cell.width)),
      rows: Math.max(2, Math.floor(screen.clientHeight / cell.height)),
    };
    if (wanted.cols !== cols || wanted.rows !== rows) send({ type: "resize", ...wanted });
  }

  let fitTimer = null;
  new ResizeObserver(() => {
    clearTimeout(fitTimer);
    fitTimer = setTimeout(fit, 80);
  }).observe(screen);

  // ---- the connection ----

  function connect() {
    if (socket) socket.onclose = null;
    setState("connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const opened = new WebSocket(scheme + location.host + root.dataset.socket);
    socket = opened;
    let ended = false;
    opened.onopen = () => {
      setState("connected");
      fit();
    };
    opened.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      const message = JSON.parse(event.data);
      if (message.type === "screen") applyFrame(message);
      else if (message.type === "exit") ended = true;
    };
    opened.onclose = () => {
      if (socket === opened) setState(ended ? "ended" : "closed");
    };
  }

  reconnectButton.addEventListener("click", () => {
    connect();
    input.focus();
  });

  // ---- typing ----

  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    const { key, ctrlKey: ctrl, altKey: alt, shiftKey: shift, metaKey: meta } = event;
    if (ctrl && shift && (key === "C" || key === "c")) {
      event.preventDefault();
      copySelection();
      return;
    }
    // Ctrl+Shift+V pastes: the browser fires a paste event on the text box.
    if (ctrl && shift && (key === "V" || key === "v")) return;
    // Shift+Tab leaves the terminal, so the keyboard alone can reach the buttons.
    if (key === "Tab" && shift && !ctrl && !alt) return;
    if (shift && (key === "PageUp" || key === "PageDown")) {
      event.preventDefault();
      send({ type: "scroll", rows: (key === "PageUp" ? 1 : -1) * Math.max(1, rows - 1) });
      return;
    }
    if (meta) return;
    const altGraph = event.getModifierState && event.getModifierState("AltGraph");
    const named = NAMED.has(key);
    const chord = key.length === 1 && (ctrl || alt) && !altGraph;
    if (!named && !chord) return; // text: the input event sends it
    event.preventDefault();
    if (writable) send({ type: "key", key, ctrl, alt, shift });
  });

  // Text as the browser composed it (keyboard layouts, dead keys, input methods).
  function sendTyped() {
    const typed = input.value;
    input.value = "";
    if (typed && writable) send({ type: "text", data: typed });
  }
  input.addEventListener("input", (event) => {
    if (!event.isComposing) sendTyped();
  });
  input.addEventListener("compositionend", sendTyped);

  input.addEventListener("paste", (event) => {
    event.preventDefault();
    const pasted = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    if (pasted && writable) send({ type: "paste", data: pasted });
  });

  if (pasteButton) {
    pasteButton.addEventListener("click", async () => {
      try {
        const pasted = await navigator.clipboard.readText();
        if (pasted) send({ type: "paste", data: pasted });
      } catch (_) {
        say(text("pasteByKeys"));
      }
      input.focus();
    });
  }

  // ---- scrolling, selecting, copying ----

  terminal.addEventListener("wheel", (event) => {
    event.preventDefault();
    const steps = Math.sign(event.deltaY) * 3;
    if (!steps) return;
    // A full-screen program scrolls itself: it gets arrows, as in a terminal.
    if (alternate) {
      if (!writable) return;
      const key = steps > 0 ? "ArrowDown" : "ArrowUp";
      for (let i = 0; i < Math.abs(steps); i++) send({ type: "key", key, ctrl: false, alt: false, shift: false });
    } else {
      send({ type: "scroll", rows: -steps });
    }
  }, { passive: false });

  // A click without a selection puts the keyboard back into the terminal.
  terminal.addEventListener("mouseup", () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) input.focus();
  });

  function selectedText() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !screen.contains(selection.anchorNode)) return "";
    // Rows are padded with blanks on the screen, not in what is copied.
    return selection.toString().split("\n").map((l) => l.replace(/\s+$/, "")).join("\n");
  }

  // The page's own copy (Ctrl+C outside the terminal, the menu) gets the trimmed text too.
  document.addEventListener("copy", (event) => {
    const chosen = selectedText();
    if (!chosen || !event.clipboardData) return;
    event.clipboardData.setData("text/plain", chosen);
    event.preventDefault();
  });

  async function copySelection() {
    const chosen = selectedText();
    if (!chosen) {
      say(text("nothingSelected"));
      return;
    }
    try {
      await navigator.clipboard.writeText(chosen);
    } catch (_) {
      document.execCommand("copy"); // without the clipboard API (plain http): the copy event above
    }
    say(text("copied"));
  }

  copyButton.addEventListener("click", () => copySelection());
  // With the mouse in the screen the text box has no focus: the shortcut works there too.
  document.addEventListener("keydown", (event) => {
    if (event.target === input) return;
    if (event.ctrlKey && event.shiftKey && (event.key === "C" || event.key === "c")) {
      event.preventDefault();
      copySelection();
    }
  });

  input.addEventListener("focus", () => terminal.classList.add("focused"));
  input.addEventListener("blur", () => terminal.classList.remove("focused"));

  measure();
  connect();
  input.focus();
})();
