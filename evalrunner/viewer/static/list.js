// The list of logs: task, model, status, main metric, samples, when and how long.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;

  function logHref(id) {
    return `#/log/${encodeURIComponent(id)}`;
  }

  function samplesCell(row) {
    if (row.completed === null || row.completed === undefined) return "";
    const total = row.total ? row.total * (row.epochs || 1) : null;
    const done = total ? `${EVR.number(row.completed)} / ${EVR.number(total)}` : EVR.number(row.completed);
    return row.errors ? [done, h("span", { class: "bad", text: ` (${row.errors} errors)` })] : done;
  }

  // Logs ticked for comparison (kept while the list refreshes).
  const picked = new Set();

  function compareBar() {
    const ids = [...picked];
    const button = h("button", { testid: "compare-button", disabled: ids.length < 2,
      onclick: () => { location.hash = `#/compare?logs=${ids.map(encodeURIComponent).join(",")}`; } },
    ids.length < 2 ? "Compare (tick 2 or more logs)" : `Compare ${ids.length} logs`);
    return h("div", { class: "filters", testid: "compare-bar" }, button);
  }

  function pickBox(row, main) {
    return h("input", { type: "checkbox", testid: "compare-pick", "aria-label": `compare ${row.task} ${row.model}`,
      checked: picked.has(row.id),
      onclick: (e) => { e.stopPropagation(); },
      onchange: (e) => {
        if (e.target.checked) picked.add(row.id); else picked.delete(row.id);
        const bar = main.querySelector('[data-testid="compare-bar"]');
        if (bar) bar.replaceWith(compareBar());
      } });
  }

  // A run's params, the ones that tell it from the task's other runs (its variant) first
  // and in bold.
  function paramText(value) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  }

  function paramsCell(row) {
    const params = row.params || {}, variant = row.variant || {};
    const keys = [...Object.keys(variant), ...Object.keys(params).filter((k) => !(k in variant))];
    return keys.map((k) => h("span", { class: `param mono${k in variant ? " variant" : ""}`, testid: "log-param",
      title: `${k} = ${typeof params[k] === "string" ? params[k] : JSON.stringify(params[k])}`, text: `${k}=${paramText(params[k])}` }));
  }

  function variantText(row) {
    return Object.entries(row.variant || {}).map(([k, v]) => `${k}=${paramText(v)}`).join(" ");
  }

  function logRow(row, main) {
    const open = () => { location.hash = logHref(row.id); };
    const metric = row.metric
      ? [h("span", { class: "muted", text: `${row.metric.name} ` }), h("b", { text: EVR.metric(row.metric.value) })]
      : "";
    const took = EVR.between(row.started_at, row.completed_at);
    return h("tr", { class: "clickable", testid: "log-row", onclick: open },
      h("td", { class: "pick" }, pickBox(row, main)),
      h("td", {}, h("a", { href: logHref(row.id), text: row.task, testid: "log-link" }),
        variantText(row) ? h("span", { class: "mono small", testid: "log-variant", text: ` · ${variantText(row)}` }) : null,
        row.suite && row.suite !== row.task ? h("div", { class: "muted small", text: row.suite }) : null),
      h("td", { class: "mono", text: row.model }),
      h("td", { testid: "log-params" }, paramsCell(row)),
      h("td", {}, EVR.statusPill(row.status, row.missed_thresholds)),
      h("td", { testid: "log-metric" }, metric),
      h("td", { class: "num" }, samplesCell(row)),
      h("td", { class: "nowrap", text: EVR.when(row.created) }),
      h("td", { class: "num", text: row.status === "started" ? "" : EVR.seconds(took) }));
  }

  // Draws the list into `main`; returns whether any log is still being written.
  let shownKey = null;

  async function renderList(main, again) {
    const rows = await EVR.api.logs();
    const key = JSON.stringify(rows);
    const live = rows.some((r) => r.status === "started");
    if (again && key === shownKey && main.querySelector('[data-testid="log-list"]')) return live;
    shownKey = key;
    main.replaceChildren();
    main.append(h("h1", { text: "Logs" }));
    if (rows.length === 0) {
      main.append(EVR.message("info", "No logs in this folder yet. Run an eval with `evalrunner run`."));
      return true;
    }
    const head = ["", "Task", "Model", "Params", "Status", "Result", "Samples", "Created", "Time"];
    const table = h("table", { class: "grid", testid: "log-list" },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { text: t })))),
      h("tbody", {}, rows.map((r) => logRow(r, main))));
    const byRow = new Map(rows.map((r, i) => [table.tBodies[0].rows[i], r]));
    const by = (f) => (tr) => f(byRow.get(tr));
    EVR.sortable(table, [null, by((r) => `${r.task} ${variantText(r)}`), by((r) => r.model),
      by((r) => JSON.stringify(r.params || {})), by((r) => r.status),
      by((r) => (r.metric ? r.metric.value : null)), by((r) => r.completed), by((r) => r.created),
      by((r) => EVR.between(r.started_at, r.completed_at))]);
    main.append(compareBar(), table);
    return live;
  }

  EVR.renderList = renderList;
  EVR.logHref = logHref;
})();
