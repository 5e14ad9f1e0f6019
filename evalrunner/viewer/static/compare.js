// Comparing logs of the same task: metrics side by side with a bar chart, the paired
// differences, and a sample table with one column per model (filterable to the samples
// the models disagree on); from a row, the transcripts side by side.
// #/compare?logs=A,B[&only=disagree]   #/compare/sample?logs=A,B&id=ID&epoch=E
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = ["#2f5bd3", "#d9822b", "#2e9e5b", "#a23bb5", "#c23b3b", "#3b9fb5", "#8a8a2e", "#666"];
  const ROWS = 200;

  function svg(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    for (const c of children) if (c) el.append(c);
    return el;
  }

  function svgText(x, y, words, attrs) {
    const t = svg("text", { x, y, ...(attrs || {}) });
    t.textContent = words;
    return t;
  }

  // The axis top: a round number at or above `v` whose quarters are round too (1, 2, 4,
  // 10, 20, 40, ...), so ticks read 0, 0.25, 0.5, 0.75, 1.
  function roundUp(v) {
    const scale = 10 ** Math.floor(Math.log10(v));
    const step = [1, 2, 4, 10].find((s) => s * scale >= v - 1e-9);
    return step * scale;
  }

  function tick(v) {
    return String(Number(v.toPrecision(6)));
  }

  // The same chart as `evalrunner compare --plot`: per task and scorer, a bar per model
  // with its 95% interval.
  function chart(bars, labels) {
    const groups = [...new Map(bars.map((b) => [`${b.scorer}/${b.metric}`, b])).keys()];
    const width = Math.max(360, 140 * groups.length + 80), height = 240, left = 44, top = 12, bottom = 44;
    const plotH = height - top - bottom, plotW = width - left - 12;
    // Figures within [0, 1] (accuracies) keep a 0–1 axis, their intervals clipped to it.
    const proportions = bars.every((b) => b.value >= 0 && b.value <= 1);
    const max = proportions ? 1 : roundUp(Math.max(1, ...bars.map((b) => b.value + (b.error || 0))));
    const y = (v) => top + plotH - (plotH * Math.min(max, Math.max(0, v))) / max;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
      "aria-label": "metrics per model", "data-testid": "compare-chart" });
    for (let i = 0; i <= 4; i += 1) {
      const v = (max * i) / 4;
      root.append(svg("line", { x1: left, x2: left + plotW, y1: y(v), y2: y(v), class: "grid-line" }),
        svgText(left - 6, y(v) + 4, tick(v), { "text-anchor": "end", class: "axis" }));
    }
    const slot = plotW / groups.length, barW = (slot * 0.7) / labels.length;
    groups.forEach((group, g) => {
      labels.forEach((label, m) => {
        const bar = bars.find((b) => `${b.scorer}/${b.metric}` === group && b.model === label);
        if (!bar) return;
        const x = left + g * slot + slot * 0.15 + m * barW;
        // A bar at 0 keeps a sliver, so a zero reads as zero, not as a missing bar.
        const tall = Math.max(2, y(0) - y(bar.value));
        const rect = svg("rect", { x, y: y(0) - tall, width: barW * 0.9, height: tall,
          fill: COLORS[m % COLORS.length], "data-testid": "chart-bar" });
        rect.append(svg("title", {}, document.createTextNode(`${label}: ${EVR.metric(bar.value)}`)));
        root.append(rect);
        if (bar.error) {
          const cx = x + barW * 0.45;
          root.append(svg("line", { x1: cx, x2: cx, y1: y(bar.value + bar.error), y2: y(Math.max(0, bar.value - bar.error)), class: "error-bar" }),
            svg("line", { x1: cx - 4, x2: cx + 4, y1: y(bar.value + bar.error), y2: y(bar.value + bar.error), class: "error-bar" }),
            svg("line", { x1: cx - 4, x2: cx + 4, y1: y(Math.max(0, bar.value - bar.error)), y2: y(Math.max(0, bar.value - bar.error)), class: "error-bar" }));
        }
      });
      root.append(svgText(left + g * slot + slot / 2, height - bottom + 16, group, { "text-anchor": "middle", class: "axis" }));
    });
    const legend = h("div", { class: "legend" }, labels.map((label, m) =>
      h("span", { class: "legend-item" }, h("span", { class: "swatch", style: null, "data-color": m }), label)));
    legend.querySelectorAll(".swatch").forEach((el) => { el.style.background = COLORS[Number(el.dataset.color) % COLORS.length]; });
    return h("div", { class: "chart-wrap" }, root, legend,
      h("p", { class: "muted small", text: "Error bars: 95% interval (1.96 × stderr)." }));
  }

  function metricsTable(task) {
    const names = [];
    for (const run of task.runs) {
      for (const [scorer, metrics] of Object.entries(run.metrics)) {
        for (const name of Object.keys(metrics)) {
          const key = task.scorers.length > 1 ? `${scorer}/${name}` : name;
          if (name !== "stderr" && !names.some((n) => n.key === key)) names.push({ key, scorer, name });
        }
      }
    }
    const head = ["Model", "Status", ...names.map((n) => n.key), ...task.scorers.map((s) => (task.scorers.length > 1 ? `${s}/stderr` : "stderr"))];
    return h("table", { class: "grid compact", testid: "compare-metrics" },
      h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { class: i > 1 ? "num" : "", text: t })))),
      h("tbody", {}, task.runs.map((run) => h("tr", {},
        h("td", {}, h("a", { href: EVR.logHref(run.id), class: "mono", text: run.label })),
        h("td", {}, EVR.statusPill(run.status)),
        names.map((n) => h("td", { class: "num big", text: EVR.metric((run.metrics[n.scorer] || {})[n.name]) })),
        task.scorers.map((s) => h("td", { class: "num", text: EVR.metric(run.stderr[s]) }))))));
  }

  function pairsTable(task) {
    if (!task.pairs.length) return null;
    const methods = [...new Set(task.pairs.map((p) => p.method))];
    return h("div", {},
      h("table", { class: "grid compact", testid: "compare-pairs" },
        h("thead", {}, h("tr", {}, ["B - A", "Scorer", "n", "Difference", "95% interval", "p"].map((t, i) => h("th", { class: i > 1 ? "num" : "", text: t })))),
        h("tbody", {}, task.pairs.map((p) => h("tr", {},
          h("td", { class: "mono", text: `${p.b} - ${p.a}` }), h("td", { text: p.scorer }),
          h("td", { class: "num", text: p.n }),
          h("td", { class: `num ${p.ci95[0] > 0 ? "good" : p.ci95[1] < 0 ? "bad" : ""}`, text: signed(p.delta) }),
          h("td", { class: "num", text: `[${signed(p.ci95[0])}, ${signed(p.ci95[1])}]` }),
          h("td", { class: "num", text: p.p_value === null ? "–" : p.p_value.toFixed(3) }))))),
      methods.map((m) => h("p", { class: "muted small", testid: "compare-method", text: `Method: ${m}.` })));
  }

  function signed(v) {
    return `${v >= 0 ? "+" : "-"}${Math.abs(v).toFixed(3)}`;
  }

  function cellView(cell, scorers) {
    if (!cell) return h("span", { class: "muted", text: "—" });
    const several = scorers.length > 1;
    return [
      Object.entries(cell.scores).map(([name, value]) => EVR.scorePill(name, value, several, value === "unscored")),
      cell.error ? h("div", { class: "bad clip-text", text: cell.error }) : h("div", { class: "clip-text", text: cell.answer }),
    ];
  }

  function sampleTable(task, ids, params, body) {
    const labels = task.runs.map((r) => r.label);
    const only = params.get("only") === "disagree";
    const rows = task.samples.filter((s) => !only || s.disagree);
    const disagreeing = task.samples.filter((s) => s.disagree).length;
    const toggle = h("label", { class: "toggle" },
      h("input", { type: "checkbox", testid: "only-disagree", checked: only,
        onchange: (e) => {
          if (e.target.checked) params.set("only", "disagree"); else params.delete("only");
          history.replaceState(null, "", `#/compare?${params.toString()}`);
          sampleTable(task, ids, params, body);
        } }),
      ` Only samples the models disagree on (${disagreeing} of ${task.samples.length})`);
    const head = ["Id", task.epochs > 1 ? "Epoch" : null, "Question", ...labels];
    const table = h("table", { class: "grid", testid: "compare-samples" },
      h("thead", {}, h("tr", {}, head.filter(Boolean).map((t) => h("th", { class: "mono", text: t })))),
      h("tbody", {}, rows.slice(0, ROWS).map((s) => {
        const href = `#/compare/sample?logs=${ids.map(encodeURIComponent).join(",")}&id=${encodeURIComponent(s.id)}&epoch=${s.epoch}`;
        return h("tr", { class: `clickable${s.disagree ? " row-disagree" : ""}`, testid: "compare-row",
          "data-id": s.id, onclick: () => { location.hash = href; } },
        h("td", { class: "mono" }, h("a", { href, text: s.id })),
        task.epochs > 1 ? h("td", { class: "num", text: s.epoch }) : null,
        h("td", { class: "clip compare-question", testid: "compare-question", title: s.input || "", text: s.input || "" }),
        labels.map((label) => h("td", { class: "compare-cell" }, cellView(s.cells[label], task.scorers))));
      })));
    const more = rows.length > ROWS ? h("p", { class: "muted", text: `First ${ROWS} of ${rows.length} shown; filter to disagreements, or export the data.` }) : null;
    body.replaceChildren(h("div", { class: "filters" }, toggle), h("div", { class: "table-wrap" }, table), more || "");
  }

  async function renderCompare(main, ids, params) {
    const data = await EVR.api.compare(ids);
    document.title = `Compare · evalrunner view`;
    const parts = [h("h1", { text: "Compare" })];
    for (const task of data.tasks) {
      const labels = task.runs.map((r) => r.label);
      const body = h("div", {});
      parts.push(h("section", { class: "compare-task", testid: "compare-task" },
        h("h2", { class: "task-title", text: `Task ${task.task}` }),
        task.runs.length < 2 ? EVR.message("info", "Only one of the chosen logs runs this task: nothing to compare it with.") : null,
        h("div", { class: "cards" },
          EVR.card("Metrics", metricsTable(task), pairsTable(task)),
          EVR.card("Chart", task.bars.length ? chart(task.bars, labels) : h("p", { class: "muted", text: "No metrics." }))),
        h("section", { class: "card", testid: "compare-samples-card" }, h("h2", { text: "Samples" }), body)));
      sampleTable(task, task.runs.map((r) => r.id), params, body);
    }
    main.replaceChildren(...parts);
  }

  async function renderCompareSample(main, ids, params) {
    const data = await EVR.api.compare(ids);
    const id = params.get("id"), epoch = Number(params.get("epoch") || 1);
    const task = data.tasks.find((t) => t.samples.some((s) => String(s.id) === id && s.epoch === epoch));
    if (!task) throw new Error(`no sample ${id} in these logs`);
    const row = task.samples.find((s) => String(s.id) === id && s.epoch === epoch);
    const samples = await Promise.all(task.runs.map((run) => {
      const cell = row.cells[run.label];
      return cell ? EVR.api.sample(run.id, cell.n) : Promise.resolve(null);
    }));
    const back = `#/compare?logs=${ids.map(encodeURIComponent).join(",")}`;
    const { transcript, outputCard, scoreBox } = EVR.sampleParts;
    const columns = task.runs.map((run, i) => {
      const s = samples[i];
      if (!s) return h("div", { class: "side" }, h("h2", { class: "mono", text: run.label }), h("p", { class: "muted", text: "Not in this log." }));
      return h("div", { class: "side", testid: "side" },
        h("h2", { class: "mono", text: run.label }),
        s.error ? EVR.card("Error", EVR.text(s.error.message, "bad")) : null,
        Object.keys(s.scores || {}).length ? EVR.card("Scores", Object.entries(s.scores).map(([name, score]) => scoreBox(name, score))) : null,
        h("section", { class: "card", testid: "transcript" }, h("h2", { text: "Transcript" }), transcript(s.messages)),
        outputCard(s.output || {}));
    });
    const first = samples.find(Boolean);
    const target = first ? (Array.isArray(first.target) ? first.target.join(", ") : first.target) : "";
    main.replaceChildren(
      h("p", {}, h("a", { href: back, testid: "back", text: "‹ Compare" })),
      h("div", { class: "title" }, h("h1", { text: `Sample ${id}` }), row.disagree ? h("span", { class: "pill score-i", text: "models disagree" }) : null),
      first ? h("div", { class: "cards" }, EVR.card("Input", typeof first.input === "string" ? EVR.text(first.input) : transcript(first.input)), EVR.card("Target", EVR.text(target))) : null,
      h("div", { class: "sides", testid: "sides" }, columns));
  }

  EVR.renderCompare = renderCompare;
  EVR.renderCompareSample = renderCompareSample;
})();
