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

  function logRow(row) {
    const open = () => { location.hash = logHref(row.id); };
    const metric = row.metric
      ? [h("span", { class: "muted", text: `${row.metric.name} ` }), h("b", { text: EVR.metric(row.metric.value) })]
      : "";
    const took = EVR.between(row.started_at, row.completed_at);
    return h("tr", { class: "clickable", testid: "log-row", onclick: open },
      h("td", {}, h("a", { href: logHref(row.id), text: row.task, testid: "log-link" }),
        row.suite && row.suite !== row.task ? h("div", { class: "muted small", text: row.suite }) : null),
      h("td", { class: "mono", text: row.model }),
      h("td", {}, EVR.statusPill(row.status)),
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
    const head = ["Task", "Model", "Status", "Result", "Samples", "Created", "Time"];
    main.append(h("table", { class: "grid", testid: "log-list" },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { text: t })))),
      h("tbody", {}, rows.map(logRow))));
    return live;
  }

  EVR.renderList = renderList;
  EVR.logHref = logHref;
})();
