// The sample's events as a timeline: one row per event, nested and folded by span (each
// plan step, sub-agent, handoff and the scorers), so a long agent run reads step by step.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;

  // Spans and their events as a tree; an event belongs to the span its `span` names.
  function tree(events) {
    const root = { children: [] };
    const spans = new Map();
    for (const e of events) {
      const parent = (e.span && spans.get(e.span)) || root;
      if (e.event === "span_begin") {
        const node = { begin: e, children: [], end: null };
        spans.set(e.id, node);
        parent.children.push(node);
      } else if (e.event === "span_end") {
        const node = spans.get(e.id);
        if (node) node.end = e;
      } else {
        parent.children.push({ event: e });
      }
    }
    return root;
  }

  function count(node) {
    return node.children.reduce((n, c) => n + (c.event ? 1 : 1 + count(c)), 0);
  }

  function at(t) {
    return h("span", { class: "tl-time mono", text: `${(t || 0).toFixed(2)}s` });
  }

  function brief(value) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.length > 160 ? `${text.slice(0, 160)}…` : text;
  }

  // A command as a shell would read it; for logs written before sandbox events kept the
  // tool's own command, the part after bubblewrap's `--` (its wrapper is not the user's).
  function shellLine(cmd) {
    let own = cmd;
    const at = cmd.indexOf("bwrap");
    if (at !== -1 && cmd.indexOf("--", at) !== -1) own = cmd.slice(cmd.indexOf("--", at) + 1);
    const script = own.indexOf("-c");
    if (/^(ba)?sh$/.test(own[0] || "") && script !== -1 && script === own.length - 2) return own[script + 1];
    return own.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
  }

  function row(e) {
    const kind = h("span", { class: `tl-kind tl-${e.event}`, text: e.event });
    let what = [];
    if (e.event === "model") {
      const tokens = e.usage ? `${e.usage.input_tokens} in, ${e.usage.output_tokens} out` : "";
      const sent = Array.isArray(e.messages) ? e.messages.length : e.messages;
      const count = sent === null || sent === undefined ? "" : `${sent} message${sent === 1 ? "" : "s"} · `;
      what = [h("b", { text: e.model }), h("span", { class: "muted", text: ` ${count}${tokens}${e.time != null ? ` · ${EVR.seconds(e.time)}` : ""}${e.cost != null ? ` · $${e.cost.toPrecision(3)}` : ""}${e.cached ? " · cached" : ""}` }),
        e.tool_calls && e.tool_calls.length ? h("div", { class: "mono", text: `→ ${e.tool_calls.join(", ")}` }) : null,
        e.output ? h("div", { class: "tl-text", text: brief(e.output) }) : null,
        e.error ? h("div", { class: "bad", text: e.error }) : null];
    } else if (e.event === "tool") {
      const viewed = EVR.toolView.viewOf(e.id, e.view);
      const shown = viewed ? [h("b", { class: "mono", text: e.function }), viewed]
        : EVR.sampleParts && ["bash", "bash_session", "python", "text_editor"].includes(e.function)
        ? [h("b", { class: "mono", text: e.function }), EVR.sampleParts.toolArguments(e.function, e.arguments || {})]
        : [h("b", { class: "mono", text: `${e.function}(${brief(e.arguments || {})})` })];
      what = [...shown,
        h("div", { class: e.error ? "bad" : "tl-text", text: e.error || brief(e.result || "") })];
    } else if (e.event === "approval") {
      what = [h("b", { text: `${e.decision}` }), h("span", { class: "muted", text: ` ${e.function} by ${e.approver || "no rule"}${e.explanation ? `: ${e.explanation}` : ""}` }),
        e.modified ? h("div", { class: "mono", text: brief(e.modified) }) : null];
    } else if (e.event === "sandbox") {
      what = [h("b", { class: "mono", text: shellLine(e.cmd || []) }), h("span", { class: "muted", text: ` exit ${e.returncode}` }),
        e.output ? h("div", { class: "tl-text", text: brief(e.output) }) : null];
    } else if (e.event === "limit") {
      what = [h("b", { class: "bad", text: e.message || `${e.type} limit` })];
    } else if (e.event === "error") {
      what = [h("b", { class: "bad", text: e.message })];
    } else if (e.event === "store") {
      what = [h("span", { class: "mono", text: (e.changes || []).map((c) => c.op === "delete" ? `-${c.key}` : `${c.key} = ${brief(c.value)}`).join("; ") })];
    } else if (e.event === "compaction") {
      const removed = e.tool_results_dropped ? `${e.tool_results_dropped} tool results dropped` : `${e.messages_removed || 0} messages removed`;
      what = [h("b", { text: e.strategy }), h("span", { class: "muted", text: ` ~${e.tokens_before} → ~${e.tokens_after} tokens · ${removed}` }),
        e.summary ? h("div", { class: "tl-text", text: brief(e.summary) }) : null];
    } else {
      what = [h("span", { class: "mono", text: brief(e) })];
    }
    return h("div", { class: "tl-row", testid: `event-${e.event}` }, at(e.t), kind, h("div", { class: "tl-what" }, what));
  }

  function spanView(node) {
    const b = node.begin;
    const took = node.end ? ` · ${EVR.seconds(node.end.t - b.t)}` : "";
    const open = b.type !== "scorers";
    return h("details", { class: `tl-span tl-span-${b.type}`, open, testid: `span-${b.type}`, "data-span": b.name },
      h("summary", {}, at(b.t), h("span", { class: "tl-kind", text: b.type }), h("b", { text: ` ${b.name}` }),
        h("span", { class: "muted", text: ` · ${count(node)} events${took}` })),
      h("div", { class: "tl-children" }, node.children.map(view)));
  }

  function view(node) {
    return node.event ? row(node.event) : spanView(node);
  }

  // A foldable card with the timeline, or nothing for a sample without events.
  function timeline(events) {
    if (!events || !events.length) return null;
    const root = tree(events);
    return h("details", { class: "card fold", "data-fold": "Timeline", testid: "timeline" },
      h("summary", { text: `Timeline (${events.length} events)` }),
      h("div", { class: "timeline" }, root.children.map(view)));
  }

  EVR.timeline = timeline;
})();
