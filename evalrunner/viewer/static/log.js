// One log: its results, usage and config, then its samples a page at a time.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;
  const PAGE = 50;
  EVR.timings = EVR.timings || {};

  // A scorer's metrics: side by side when few, else one per row (grouped metrics give
  // one figure per group, which side by side would run out of the card).
  const SIDE_BY_SIDE = 4;

  function metricsTable(score) {
    const names = Object.keys(score.metrics);
    const title = score.name + (score.reducer ? ` (${score.reducer})` : "");
    const scored = `${score.scored_samples} scored` + (score.unscored_samples ? `, ${score.unscored_samples} unscored` : "");
    const scoredClass = score.unscored_samples ? "bad" : "muted";
    if (names.length <= SIDE_BY_SIDE) {
      return h("table", { class: "grid compact", testid: "metrics" },
        h("thead", {}, h("tr", {}, h("th", { text: title }),
          names.map((n) => h("th", { class: "num", text: n })))),
        h("tbody", {}, h("tr", {}, h("td", { class: scoredClass, text: scored }),
          names.map((n) => h("td", { class: "num big", text: EVR.metric(score.metrics[n].value) })))));
    }
    return h("table", { class: "grid compact metrics-rows", testid: "metrics" },
      h("thead", {}, h("tr", {}, h("th", { text: title }), h("th", { class: `num ${scoredClass}`, text: scored }))),
      h("tbody", {}, names.map((n) => h("tr", {}, h("td", { class: "mono", text: n }),
        h("td", { class: "num big", text: EVR.metric(score.metrics[n].value) })))));
  }

  function resultsCard(log) {
    const r = log.results;
    const body = [];
    for (const score of (r && r.scores) || []) body.push(metricsTable(score));
    if (r) {
      body.push(EVR.facts([
        ["samples", `${EVR.number(r.completed_samples)} of ${EVR.number(r.total_samples)}`],
        ["errors", r.error_samples ? h("span", { class: "bad", text: EVR.number(r.error_samples) }) : null],
        ["thresholds missed", r.missed_thresholds.length ? r.missed_thresholds.join(", ") : null],
      ]));
    } else {
      body.push(EVR.message("info", log.status === "started" ? "Running: results come when the eval ends." : "No results."));
    }
    return EVR.card("Results", body);
  }

  function usageCard(log) {
    const stats = log.stats || {};
    const rows = Object.entries(stats.model_usage || {}).map(([model, u]) => {
      const calls = (stats.models || {})[model] || {};
      return h("tr", {}, h("td", { class: "mono", text: model }),
        h("td", { class: "num", text: EVR.number(u.input_tokens) }),
        h("td", { class: "num", text: EVR.number(u.output_tokens) }),
        h("td", { class: "num", text: EVR.number(u.total_tokens) }),
        h("td", { class: "num", text: EVR.number(calls.calls) }),
        h("td", { class: "num", text: EVR.number(calls.retries) }),
        h("td", { class: "num", text: EVR.number(calls.rate_limits) }));
    });
    const took = EVR.between(stats.started_at, stats.completed_at);
    return EVR.card("Usage",
      rows.length ? h("table", { class: "grid compact" },
        h("thead", {}, h("tr", {}, ["model", "in", "out", "total", "calls", "retries", "rate limits"]
          .map((t, i) => h("th", { class: i ? "num" : "", text: t })))),
        h("tbody", {}, rows)) : null,
      rows.length || log.status !== "started" ? null : EVR.message("info", "Token usage comes when the eval ends."),
      EVR.facts([["started", EVR.when(stats.started_at)], ["time", EVR.seconds(took)]]));
  }

  // A plan step as a suite writes it: `system_message: terse.txt`, `match: {numeric: true}`.
  function argText(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function step(s) {
    const args = Object.entries(s.args || {});
    const own = s.key ? ` (${s.key})` : "";
    if (!args.length) return s.name + own;
    if (args.length === 1 && args[0][0] === "$0") return `${s.name}: ${argText(args[0][1])}${own}`;
    const inner = args.map(([k, v]) => (k.startsWith("$") ? argText(v) : `${k}: ${argText(v)}`)).join(", ");
    return `${s.name}: {${inner}}${own}`;
  }

  function configFold(log) {
    const e = log.eval, plan = log.plan || {};
    const list = (steps) => (steps && steps.length ? h("ol", {}, steps.map((s) => h("li", { class: "mono", text: step(s) }))) : null);
    return EVR.fold("Task config", false, EVR.facts([
      ["suite", e.suite], ["suite file", e.suite_file], ["model", e.model], ["model roles", e.model_roles],
      ["model args", e.model_args], ["params", e.params], ["generation config", e.config],
      ["dataset", e.dataset], ["epochs", `${e.epochs} (${(e.epochs_reducer || []).join(", ")})`],
      ["limits", e.limits], ["tags", (e.tags || []).join(", ")], ["plan", list(plan.steps)],
      ["finish", plan.finish ? step(plan.finish) : null], ["scorers", list(plan.scorers)],
      ["metrics", list(plan.metrics)], ["run id", e.run_id], ["stamp", e.stamp], ["file", log.id],
    ]));
  }

  function logFold(log) {
    const records = log.logging || [];
    if (!records.length) return null;
    return EVR.fold(`Log messages (${records.length})`, false, h("ul", { class: "records" },
      records.map((r) => h("li", { class: `level-${r.level}` },
        h("span", { class: "pill", text: r.level }), " ", h("span", { class: "muted", text: r.name || "" }), " ", r.message))));
  }

  function summary(log) {
    const expected = log.eval.dataset && log.eval.dataset.samples ? log.eval.dataset.samples * log.eval.epochs : null;
    const progress = log.status === "started" && expected
      ? h("div", { class: "progress", testid: "progress" },
        h("div", { class: "bar" }, h("div", { class: "fill" })),
        h("span", { text: `${EVR.number(log.sample_count)} of ${EVR.number(expected)} samples` }))
      : null;
    if (progress) {
      progress.querySelector(".fill").style.width = `${Math.min(100, (100 * log.sample_count) / expected)}%`;
      const run = log.running || {};
      if (run.value !== null && run.value !== undefined) {
        progress.append(h("span", { testid: "running-metric", text: ` · ${run.metric} ${EVR.metric(run.value)} over ${EVR.number(run.scored)} scored` }));
      }
      if (run.eta !== null && run.eta !== undefined) progress.append(h("span", { testid: "eta", text: ` · about ${EVR.seconds(run.eta)} left` }));
    }
    const r = log.results;
    const partial = log.status === "cancelled" || (log.status === "error" && r && r.completed_samples < r.total_samples);
    const missed = (r && r.missed_thresholds) || [];
    return [
      h("div", { class: "title" }, h("h1", { text: log.eval.task }), EVR.statusPill(log.status, missed)),
      h("p", { class: "muted" }, h("span", { class: "mono", text: log.eval.model }), ` · ${EVR.when(log.eval.created)}`),
      progress,
      partial ? h("div", { class: "notice warn", testid: "partial", role: "status",
        text: `${log.status === "cancelled" ? "Cancelled" : "Failed"} before the end: partial results, over ${EVR.number(r ? r.completed_samples : log.sample_count)} of ${EVR.number(r ? r.total_samples : "?")} samples.` }) : null,
      log.status === "success" && missed.length ? h("div", { class: "notice error", testid: "missed", role: "status",
        text: `The run finished but missed its thresholds: ${missed.join("; ")}` }) : null,
      // Samples a scorer could not score are never a silent success: how many, and why.
      ...((r && r.scores) || []).filter((s) => s.unscored_samples).map((s) =>
        h("div", { class: "notice warn", testid: "unscored", role: "status",
          text: `${s.name}: ${EVR.number(s.unscored_samples)} of ${EVR.number(s.scored_samples + s.unscored_samples)} samples unscored (no metric counts them): ${s.unscored_reason || "the scorer gave no value"}` })),
      h("div", { class: "cards" }, resultsCard(log), usageCard(log)),
      log.error ? EVR.card("Error", EVR.text(log.error.message, "bad"),
        log.error.traceback ? EVR.fold("Traceback", false, EVR.text(log.error.traceback)) : null) : null,
      configFold(log),
      logFold(log),
    ];
  }

  function sampleHref(id, n, params) {
    const qs = params.toString();
    return `#/log/${encodeURIComponent(id)}/sample/${n}${qs ? `?${qs}` : ""}`;
  }

  function sampleRow(id, item, params, epochs) {
    const href = sampleHref(id, item.n, params);
    const several = Object.keys(item.scores).length > 1;
    const scores = Object.entries(item.scores).flatMap(([name, s], i) => [i ? " " : null, EVR.scorePill(name, s.value, several, s.unscored)]);
    const answer = item.error ? h("span", { class: "bad", text: item.error }) : item.answer;
    return h("tr", { class: `clickable${item.error ? " row-error" : ""}`, testid: "sample-row",
      onclick: () => { location.hash = href; } },
    h("td", { class: "mono" }, h("a", { href, text: String(item.id) })),
    epochs > 1 ? h("td", { class: "num", text: item.epoch }) : null,
    h("td", { class: "clip", text: item.input }),
    h("td", { class: "clip narrow", text: item.target }),
    h("td", { class: "clip" }, answer),
    h("td", { testid: "sample-score" }, scores, item.limit ? h("span", { class: "pill", text: `limit: ${item.limit}` }) : null),
    h("td", { class: "num", text: EVR.number(item.tokens) }),
    h("td", { class: "num", text: EVR.seconds(item.time) }));
  }

  EVR.logParts = { summary, sampleRow, sampleHref, PAGE };
})();
