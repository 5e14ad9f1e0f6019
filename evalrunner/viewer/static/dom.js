// Building the page: elements from data, always as text (a log holds model output,
// which must never be read as HTML), and the small formats every view uses.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;

  // h("td", {class: "x", testid: "y", onclick: f}, child, [children], "text")
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "testid") el.dataset.testid = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "text") el.textContent = String(value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else if (child instanceof Node) el.append(child);
      else el.append(document.createTextNode(String(child)));
    }
  }

  function number(value) {
    return value === null || value === undefined ? "" : Number(value).toLocaleString("en-US");
  }

  function metric(value) {
    if (value === null || value === undefined) return "n/a";
    return Number.isInteger(value) ? String(value) : Number(value).toFixed(3);
  }

  function seconds(value) {
    if (value === null || value === undefined) return "";
    if (value < 60) return `${Number(value).toFixed(value < 10 ? 2 : 1)} s`;
    const s = Math.round(value);
    const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    return `${hh}:${String(mm).padStart(2, "0")}:${String(ss).padStart(2, "0")}`;
  }

  function between(start, end) {
    const a = Date.parse(start || ""), b = Date.parse(end || "");
    return Number.isNaN(a) || Number.isNaN(b) ? null : (b - a) / 1000;
  }

  function when(iso) {
    const t = Date.parse(iso || "");
    if (Number.isNaN(t)) return iso || "";
    return new Date(t).toLocaleString("sv-SE").slice(0, 16);
  }

  // A run's status as a pill. A cancelled or failed run is partial; a success that
  // missed a threshold is not shown as a plain (green) success.
  function statusPill(status, missed) {
    if (status === "success" && missed && missed.length) {
      return h("span", { class: "pill status-missed", testid: "status", title: `threshold missed: ${missed.join(", ")}`,
        text: "threshold missed" });
    }
    const text = status === "cancelled" ? "cancelled · partial" : status;
    return h("span", { class: `pill status-${status}`, testid: "status", text });
  }

  // A score value's look: correct, incorrect, partial, or a plain value.
  function scoreClass(value) {
    const v = String(value).toUpperCase();
    if (["C", "CORRECT", "TRUE", "1"].includes(v)) return "score-c";
    if (["I", "INCORRECT", "FALSE", "0", "N"].includes(v)) return "score-i";
    if (v === "P" || v === "PARTIAL") return "score-p";
    return "score-other";
  }

  // A scorer's value; `unscored` when the scorer could not decide (not a wrong answer).
  function scorePill(name, value, showName, unscored) {
    const shown = unscored ? "unscored" : String(value);
    const label = showName ? `${name}: ${shown}` : shown;
    return h("span", { class: `pill ${unscored ? "score-unscored" : scoreClass(value)}`, title: name,
      testid: "score-pill", text: label });
  }

  // Sort a table's body by a column when its header is clicked (again: the other way).
  function sortable(table, keys) {
    const heads = [...table.querySelectorAll("thead th")];
    heads.forEach((th, i) => {
      if (!keys[i]) return;
      th.classList.add("sortable");
      th.addEventListener("click", () => {
        const desc = th.dataset.sort === "asc";
        heads.forEach((x) => { delete x.dataset.sort; });
        th.dataset.sort = desc ? "desc" : "asc";
        const body = table.tBodies[0];
        const rows = [...body.rows];
        rows.sort((a, b) => compareValues(keys[i](a), keys[i](b)) * (desc ? -1 : 1));
        body.append(...rows);
      });
    });
  }

  // Numbers by value, text naturally (s2 before s10), blanks last.
  const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
  function compareValues(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined || a === "") return 1;
    if (b === null || b === undefined || b === "") return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return collator.compare(String(a), String(b));
  }

  function json(value) {
    return h("pre", { class: "json", text: JSON.stringify(value, null, 2) });
  }

  function text(value, cls) {
    return h("pre", { class: `text ${cls || ""}`, text: value === null || value === undefined ? "" : String(value) });
  }

  function isFlat(value) {
    return !Array.isArray(value) && Object.values(value).every((v) => v === null || typeof v !== "object");
  }

  // Key/value rows; a value may be a node, text, a flat object (rows again) or JSON.
  function facts(rows) {
    const table = h("table", { class: "facts" });
    for (const [key, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      if (typeof value === "object" && !(value instanceof Node) && Object.keys(value).length === 0) continue;
      let cell = typeof value === "boolean" ? String(value) : value;
      if (!(value instanceof Node) && typeof value === "object") cell = isFlat(value) ? facts(Object.entries(value)) : json(value);
      table.append(h("tr", {}, h("th", { text: key }), h("td", {}, cell)));
    }
    return table;
  }

  function card(title, ...body) {
    return h("section", { class: "card" }, h("h2", { text: title }), body);
  }

  // A foldable card; `data-fold` names it across redraws (a count in its title may change).
  function fold(title, open, ...body) {
    const key = title.replace(/ \(\d+\)$/, "");
    return h("details", { class: "card fold", open, "data-fold": key }, h("summary", { text: title }), body);
  }

  // Replace an element's children, keeping open whichever folds were open.
  function redraw(el, children) {
    const open = new Set([...el.querySelectorAll("details[open]")].map((d) => d.dataset.fold));
    el.replaceChildren(...children.filter(Boolean));
    for (const d of el.querySelectorAll("details")) if (open.has(d.dataset.fold)) d.open = true;
  }

  function message(kind, words) {
    return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", text: words });
  }

  Object.assign(EVR, {
    h, number, metric, seconds, between, when, statusPill, scorePill, scoreClass, sortable, compareValues,
    json, text, facts, card, fold, redraw, message,
  });
})();
