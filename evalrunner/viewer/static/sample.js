// One sample: its input and target, the transcript (messages, tool calls and results),
// the model output, each score with its explanation and the grader's exchange, timing
// and tokens.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;

  function content(value) {
    if (typeof value === "string") return EVR.text(value);
    if (!Array.isArray(value)) return EVR.json(value);
    return value.map((part) => {
      if (part.type === "text") return EVR.text(part.text);
      if (part.type === "reasoning") {
        return EVR.fold("Reasoning", false,
          part.redacted ? h("p", { class: "muted", text: "[redacted by the provider]" }) : EVR.text(part.reasoning));
      }
      if (part.type === "image" && String(part.image).startsWith("data:")) {
        return h("img", { class: "image", src: part.image, alt: "image input" });
      }
      return h("p", { class: "muted", text: `[image: ${part.image}]` });
    });
  }

  // A tool call as its tool reads: a shell command, code, a file being viewed or edited;
  // any other tool's arguments as JSON.
  function codeBlock(text, cls, testid) {
    return h("pre", { class: `code ${cls}`, testid, text: text === null || text === undefined ? "" : String(text) });
  }

  function editorView(a) {
    const head = h("div", { class: "file-head mono" }, h("b", { text: a.command || "" }), " ", a.path || "",
      a.view_range ? h("span", { class: "muted", text: ` lines ${a.view_range.join("–")}` }) : null,
      a.insert_line !== undefined && a.insert_line !== null ? h("span", { class: "muted", text: ` after line ${a.insert_line}` }) : null);
    const body = [];
    if (a.command === "create") body.push(codeBlock(a.file_text, "file", "file-text"));
    if (a.command === "str_replace") {
      body.push(codeBlock((a.old_str || "").split("\n").map((l) => `- ${l}`).join("\n"), "diff-old", "file-old"),
        codeBlock((a.new_str || "").split("\n").map((l) => `+ ${l}`).join("\n"), "diff-new", "file-new"));
    }
    if (a.command === "insert") body.push(codeBlock((a.new_str || "").split("\n").map((l) => `+ ${l}`).join("\n"), "diff-new", "file-new"));
    return h("div", { class: "file-view", testid: "file-view" }, head, body);
  }

  function toolArguments(name, a) {
    if (!a || typeof a !== "object") return EVR.json(a);
    const keys = Object.keys(a);
    if ((name === "bash" && keys.join() === "cmd") || (name === "bash_session" && typeof a.command === "string")) {
      return codeBlock(`$ ${name === "bash" ? a.cmd : a.command}`, "shell", "tool-command");
    }
    if (name === "python" && keys.join() === "code") return codeBlock(a.code, "python", "tool-code");
    if (name === "text_editor" && typeof a.path === "string") return editorView(a);
    return EVR.json(a);
  }

  function toolCall(call) {
    return h("div", { class: "tool-call", testid: "tool-call" },
      h("div", { class: "mono" }, h("b", { text: call.function }), h("span", { class: "muted", text: `  #${call.id}` })),
      EVR.toolView.viewOf(call.id) || toolArguments(call.function, call.arguments),
      call.parse_error ? EVR.text(call.parse_error, "bad") : null);
  }

  function messageBox(m) {
    const extra = [];
    if (m.role === "tool") {
      extra.push(h("span", { class: "muted mono", text: ` ${m.function || ""}${m.tool_call_id ? ` #${m.tool_call_id}` : ""}` }));
    }
    // A failed tool call's message holds its error as its content too: show it once.
    const said = typeof m.content === "string" ? m.content : null;
    const failed = m.error && said !== null && said.trim() === String(m.error).trim();
    return h("div", { class: `message role-${m.role}`, testid: "message" },
      h("div", { class: "role" }, m.role, extra),
      failed ? EVR.text(m.error, "bad") : content(m.content),
      m.error && !failed ? EVR.text(m.error, "bad") : null,
      (m.tool_calls || []).map(toolCall));
  }

  function transcript(messages) {
    return h("div", { class: "transcript" }, (messages || []).map(messageBox));
  }

  // A grader's exchange is a list of messages (or a prompt/reply pair) in the metadata.
  function isMessages(value) {
    return Array.isArray(value) && value.length > 0 && value.every((m) => m && typeof m === "object" && "role" in m && "content" in m);
  }

  // Model-graded scorers keep one entry per grader: {model, grade, messages}.
  function isGradings(value) {
    return Array.isArray(value) && value.length > 0 && value.every((g) => g && typeof g === "object" && isMessages(g.messages));
  }

  function gradingsView(gradings) {
    return gradings.map((g) => h("div", { class: "grading" },
      EVR.facts([["grader", g.model], ["grade", g.grade == null ? "no grade" : String(g.grade)]]),
      transcript(g.messages)));
  }

  function metadataView(meta) {
    return Object.entries(meta || {}).map(([key, value]) => {
      let body;
      if (isGradings(value)) body = gradingsView(value);
      else if (isMessages(value)) body = transcript(value);
      else if (typeof value === "string") body = EVR.text(value);
      else body = EVR.json(value);
      return h("div", { class: "meta-entry" }, h("div", { class: "label", text: key }), body);
    });
  }

  function scoreBox(name, score) {
    return h("div", { class: "score", testid: "score" },
      h("div", { class: "score-head" }, h("b", { text: name }), " ", EVR.scorePill(name, typeof score.value === "object" ? JSON.stringify(score.value) : score.value, false, unscored(score))),
      EVR.facts([["answer", score.answer], ["explanation", score.explanation ? EVR.text(score.explanation) : null],
        ["unscored", score.metadata && score.metadata.unscored_reason ? EVR.text(score.metadata.unscored_reason, "bad") : null]]),
      score.metadata && Object.keys(score.metadata).length
        ? EVR.fold("Grader and details", true, metadataView(score.metadata)) : null);
  }

  function outputCard(output) {
    const choices = output.choices || [];
    return EVR.card("Model output",
      choices.length ? choices.map((c) => h("div", {}, content(c.message.content), (c.message.tool_calls || []).map(toolCall)))
        : h("p", { class: "muted", text: "No output." }),
      EVR.facts([
        ["model", output.model], ["stop reason", choices[0] && choices[0].stop_reason],
        ["usage", output.usage ? `${EVR.number(output.usage.input_tokens)} in, ${EVR.number(output.usage.output_tokens)} out` : null],
        ["time", EVR.seconds(output.time)], ["cached", output.cached ? "yes" : null],
        ["error", output.error ? EVR.text(output.error, "bad") : null],
      ]));
  }

  function timingCard(s) {
    const usage = Object.entries(s.model_usage || {}).map(([model, u]) =>
      [model, `${EVR.number(u.input_tokens)} in, ${EVR.number(u.output_tokens)} out, ${EVR.number(u.total_tokens)} total`]);
    const started = s.started_at ? new Date(s.started_at * 1000).toISOString().replace("T", " ").slice(0, 19) : null;
    return EVR.card("Timing and tokens", EVR.facts([["started", started], ["time", EVR.seconds(s.total_time)], ["limit reached", s.limit], ...usage]));
  }

  function choicesList(choices) {
    if (!choices || !choices.length) return null;
    return h("ol", { class: "choices", type: "A" }, choices.map((c) => h("li", { text: c })));
  }

  function unscored(score) {
    return score.value === null || score.value === undefined || Boolean(score.unscored) ||
      Boolean(score.metadata && score.metadata.unscored);
  }

  // Previous / next in the list the sample was opened from (same filters and order).
  function navBar(id, s, params) {
    const nav = s.nav;
    if (!nav) return null;
    const link = (n, label, testid) => (n === null || n === undefined
      ? h("button", { testid, disabled: true }, label)
      : h("a", { class: "button", testid, href: EVR.logParts.sampleHref(id, n, params) }, label));
    return h("div", { class: "pager sample-nav", testid: "sample-nav" },
      link(nav.prev, "‹ Previous sample", "prev-sample"),
      nav.position ? h("span", { text: `${EVR.number(nav.position)} of ${EVR.number(nav.total)}` }) : null,
      link(nav.next, "Next sample ›", "next-sample"));
  }

  function filtersOf(params) {
    const out = {};
    for (const key of ["score", "scorer", "error", "q", "meta", "sort"]) if (params.get(key)) out[key] = params.get(key);
    return out;
  }

  async function renderSample(main, id, n, params) {
    const [s, log] = await Promise.all([EVR.api.sample(id, n, filtersOf(params)), EVR.api.header(id)]);
    const qs = params.toString();
    const back = `#/log/${encodeURIComponent(id)}${qs ? `?${qs}` : ""}`;
    const target = Array.isArray(s.target) ? s.target.join(", ") : s.target;
    document.title = `Sample ${s.id} · ${log.eval.task}`;
    EVR.toolView.setViews(s.events);  // before the transcript: its tool calls use them
    const parts = [
      h("div", { class: "sample-top" }, h("a", { href: back, testid: "back", text: `‹ ${log.eval.task}: samples` }), navBar(id, s, params)),
      h("div", { class: "title" }, h("h1", { text: `Sample ${s.id}` }), s.epoch > 1 || log.eval.epochs > 1 ? h("span", { class: "pill", text: `epoch ${s.epoch}` }) : null,
        Object.entries(s.scores || {}).map(([name, score]) => EVR.scorePill(name, score.value, true, unscored(score)))),
      s.error ? EVR.card("Error", EVR.text(s.error.message, "bad"), s.error.traceback ? EVR.fold("Traceback", false, EVR.text(s.error.traceback)) : null) : null,
      h("div", { class: "cards" },
        EVR.card("Input", typeof s.input === "string" ? EVR.text(s.input) : transcript(s.input), choicesList(s.choices)),
        EVR.card("Target", EVR.text(target))),
      h("section", { class: "card", testid: "transcript" }, h("h2", { text: "Transcript" }), transcript(s.messages)),
      EVR.timeline(s.events),
      outputCard(s.output || {}),
      Object.keys(s.scores || {}).length ? EVR.card("Scores", Object.entries(s.scores).map(([name, score]) => scoreBox(name, score))) : null,
      timingCard(s),
      Object.keys(s.metadata || {}).length ? EVR.fold("Metadata", false, EVR.json(s.metadata)) : null,
      Object.keys(s.store || {}).length ? EVR.fold("Store", false, EVR.json(s.store)) : null];
    main.replaceChildren(...parts.filter(Boolean));
    return { task: log.eval.task, id: s.id };
  }

  EVR.renderSample = renderSample;
  EVR.sampleParts = { transcript, content, scoreBox, outputCard, unscored, toolArguments };
})();
