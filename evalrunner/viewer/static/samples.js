// The log page: its summary, then the sample list with filters (score, error, text) and
// pages. Filters and page live in the address (#/log/ID?score=I&page=2), so the back
// button and a shared link show the same list.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;
  const { PAGE } = EVR.logParts;

  function scoreOptions(facets, params) {
    const select = h("select", { testid: "score-filter", "aria-label": "score" }, h("option", { value: "", text: "All scores" }));
    const scorers = Object.entries((facets && facets.scorers) || {});
    for (const [scorer, values] of scorers) {
      for (const [value, count] of Object.entries(values).sort()) {
        const label = scorers.length > 1 ? `${scorer}: ${value} (${count})` : `${value} (${count})`;
        select.append(h("option", { value: JSON.stringify([scorer, value]), text: label }));
      }
    }
    const current = params.get("score") ? JSON.stringify([params.get("scorer") || "", params.get("score")]) : "";
    if (current && ![...select.options].some((o) => o.value === current)) {
      select.append(h("option", { value: current, text: `${params.get("score")} (0)` }));
    }
    select.value = current;
    return select;
  }

  function errorOptions(facets, params) {
    const errors = facets ? ` (${facets.errors})` : "";
    const select = h("select", { testid: "error-filter", "aria-label": "errors" },
      h("option", { value: "", text: "With or without errors" }),
      h("option", { value: "1", text: `Errors only${errors}` }),
      h("option", { value: "0", text: "Without errors" }));
    select.value = params.get("error") || "";
    return select;
  }

  function metaOptions(facets, params) {
    const entries = Object.entries((facets && facets.metadata) || {});
    if (!entries.length) return null;
    const select = h("select", { testid: "meta-filter", "aria-label": "metadata" }, h("option", { value: "", text: "Any metadata" }));
    for (const [key, values] of entries) {
      for (const [value, count] of Object.entries(values).sort((a, b) => EVR.compareValues(a[0], b[0]))) {
        select.append(h("option", { value: `${key}=${value}`, text: `${key} = ${value} (${count})` }));
      }
    }
    const current = params.get("meta") || "";
    if (current && ![...select.options].some((o) => o.value === current)) select.append(h("option", { value: current, text: current }));
    select.value = current;
    return select;
  }

  // Columns the server can sort the whole list by (not just the page shown).
  const SORT_KEYS = { Id: "id", Score: "score", Tokens: "tokens", Time: "time" };

  class LogView {
    constructor(main, id, params) {
      this.main = main;
      this.id = id;
      this.params = params;
      this.live = false;
      this.count = -1;
      this.facets = null;
      this.top = h("div", { testid: "log-summary" });
      this.bar = h("div", { class: "filters" });
      this.table = h("div", { class: "table-wrap" });
      this.pager = h("div", { class: "pager" });
    }

    async start() {
      // The header and the first page are asked for at once: one round trip to first paint.
      const rows = this.fetchRows();
      const log = await EVR.api.header(this.id);
      this.main.replaceChildren(this.top,
        h("section", { class: "card", testid: "samples" }, h("h2", { text: "Samples" }), this.bar, this.table, this.pager));
      this.show(log);
      await this.loadRows(rows);
      this.loadFacets();
    }

    show(log) {
      this.live = EVR.api.live && log.status === "started";
      const { size, ...shown } = log; // the size changes with every sample; nothing shows it
      const key = JSON.stringify(shown);
      this.log = log;
      if (key === this.shownKey) return;
      this.shownKey = key;
      EVR.redraw(this.top, EVR.logParts.summary(log));
      document.title = `${log.eval.task} · evalrunner view`;
    }

    // Called every few seconds while the log is being written.
    async refresh() {
      const log = await EVR.api.header(this.id);
      const changed = log.sample_count !== this.log.sample_count || log.status !== this.log.status;
      this.show(log);
      if (changed) {
        await this.loadRows();
        this.loadFacets();
      }
    }

    async loadFacets() {
      try {
        this.facets = await EVR.api.facets(this.id);
      } catch (e) {
        this.facets = null;
      }
      this.drawFilters();
    }

    drawFilters() {
      const score = scoreOptions(this.facets, this.params);
      score.addEventListener("change", () => {
        const [scorer, value] = score.value ? JSON.parse(score.value) : ["", ""];
        this.update({ score: value, scorer: value ? scorer : "", page: "" });
      });
      const errors = errorOptions(this.facets, this.params);
      errors.addEventListener("change", () => this.update({ error: errors.value, page: "" }));
      const search = h("input", { type: "search", placeholder: "Search text", testid: "search", "aria-label": "search",
        value: this.params.get("q") || "" });
      let timer = null;
      const go = () => this.update({ q: search.value.trim(), page: "" });
      search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(go, 350); });
      search.addEventListener("keydown", (e) => { if (e.key === "Enter") { clearTimeout(timer); go(); } });
      const meta = metaOptions(this.facets, this.params);
      if (meta) meta.addEventListener("change", () => this.update({ meta: meta.value, page: "" }));
      const focused = document.activeElement && document.activeElement.dataset.testid === "search";
      this.bar.replaceChildren(score, errors, meta || "", search);
      if (focused) search.focus();
    }

    update(changes) {
      for (const [key, value] of Object.entries(changes)) {
        if (value) this.params.set(key, value); else this.params.delete(key);
      }
      const qs = this.params.toString();
      history.replaceState(null, "", `#/log/${encodeURIComponent(this.id)}${qs ? `?${qs}` : ""}`);
      this.loadRows();
    }

    page() {
      return Math.max(1, Number(this.params.get("page") || 1));
    }

    fetchRows() {
      const p = this.params;
      return EVR.api.samples(this.id, { offset: (this.page() - 1) * PAGE, limit: PAGE,
        score: p.get("score"), scorer: p.get("scorer"), error: p.get("error"), q: p.get("q"),
        meta: p.get("meta"), sort: p.get("sort") });
    }

    async loadRows(pending) {
      const page = this.page();
      const token = (this.token = {});
      const data = await (pending || this.fetchRows());
      if (token !== this.token) return; // a newer request was made meanwhile
      this.drawRows(data, page);
      if (!this.facets) this.drawFilters();
    }

    headCell(title) {
      const key = SORT_KEYS[title];
      if (!key) return h("th", { text: title });
      const current = this.params.get("sort") || "id";
      const state = current === key ? "asc" : current === `-${key}` ? "desc" : null;
      return h("th", { class: "sortable", testid: `sort-${key}`, "data-sort": state, title: "Sort by this column",
        onclick: () => this.update({ sort: state === "asc" ? `-${key}` : key === "id" ? "" : key, page: "" }) }, title);
    }

    drawRows(data, page) {
      const epochs = this.log.eval.epochs || 1;
      const head = ["Id", epochs > 1 ? "Epoch" : null, "Input", "Target", "Answer", "Score", "Tokens", "Time"];
      const rows = data.items.map((item) => EVR.logParts.sampleRow(this.id, item, this.params, epochs));
      this.table.replaceChildren(rows.length
        ? h("table", { class: "grid", testid: "sample-list" },
          h("thead", {}, h("tr", {}, head.filter(Boolean).map((t) => this.headCell(t)))), h("tbody", {}, rows))
        : EVR.message("info", data.count ? "No sample matches these filters." : "No sample finished yet."));
      const first = data.total ? data.offset + 1 : 0;
      const last = data.offset + data.items.length;
      const prev = h("button", { testid: "prev", disabled: page <= 1, onclick: () => this.update({ page: String(page - 1) }) }, "‹ Previous");
      const next = h("button", { testid: "next", disabled: last >= data.total, onclick: () => this.update({ page: String(page + 1) }) }, "Next ›");
      const of = data.total !== data.count ? ` (filtered from ${EVR.number(data.count)})` : "";
      this.pager.replaceChildren(prev, h("span", { testid: "pager-text", text: `${EVR.number(first)}–${EVR.number(last)} of ${EVR.number(data.total)}${of}` }), next);
      if (!EVR.timings.samplesPainted) {
        // Two frames: the rows are laid out and painted by the second.
        requestAnimationFrame(() => requestAnimationFrame(() => { EVR.timings.samplesPainted = performance.now(); }));
      }
    }
  }

  EVR.LogView = LogView;
})();
