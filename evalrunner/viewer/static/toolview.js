// A tool call as its tool shows it: the view its viewer recorded in the call's tool event
// (`call` instead of the arguments, `context` above it), as text or a small, safe subset of
// Markdown (headings, lists with [ ] and [x] boxes, code fences, `code`, **bold**). Every
// piece is made with textContent: a view is the model's data and never markup.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;
  let views = {};  // tool call id -> view, for the sample on screen

  function setViews(events) {
    views = {};
    for (const e of events || []) if (e.event === "tool" && e.view) views[e.id] = e.view;
  }

  function inline(text) {
    return String(text).split(/(`[^`]+`|\*\*[^*]+\*\*)/).filter((p) => p !== "").map((p) => {
      if (p.startsWith("`") && p.endsWith("`") && p.length > 1) return h("code", { text: p.slice(1, -1) });
      if (p.startsWith("**") && p.endsWith("**") && p.length > 3) return h("b", { text: p.slice(2, -2) });
      return p;
    });
  }

  function item(line) {
    const box = line.match(/^\[( |x|X)\]\s*(.*)$/);
    if (!box) return h("li", {}, inline(line));
    const done = box[1] !== " ";
    return h("li", { class: done ? "todo-done" : "todo-open", testid: "view-item" }, done ? "☑ " : "☐ ", inline(box[2]));
  }

  function markdown(text) {
    const out = [];
    let list = null;
    let code = null;
    for (const line of String(text || "").split("\n")) {
      if (code !== null) {
        if (line.trim().startsWith("```")) { out.push(h("pre", { class: "code", text: code.join("\n") })); code = null; } else code.push(line);
        continue;
      }
      if (line.trim().startsWith("```")) { list = null; code = []; continue; }
      const bullet = line.match(/^\s*(?:[-*]|\d+\.)\s+(.*)$/);
      if (bullet) {
        if (!list) { list = h("ul", { class: "view-list" }); out.push(list); }
        list.append(item(bullet[1]));
        continue;
      }
      list = null;
      const head = line.match(/^#{1,6}\s+(.*)$/);
      if (head) out.push(h("div", { class: "view-head" }, h("b", {}, inline(head[1]))));
      else if (line.trim()) out.push(h("p", {}, inline(line)));
    }
    if (code !== null) out.push(h("pre", { class: "code", text: code.join("\n") }));
    return h("div", { class: "markdown" }, out);
  }

  function part(p, testid) {
    const body = p.format === "markdown" ? markdown(p.content) : h("pre", { class: "code", text: p.content || "" });
    return h("div", { class: "tool-view", testid, "data-format": p.format || "text" },
      p.title ? h("div", { class: "muted", text: p.title }) : null, body);
  }

  // The view's parts for a call id, or null when its tool has no viewer.
  function viewOf(id, view) {
    const v = view || views[id];
    if (!v || (!v.call && !v.context)) return null;
    return [v.context ? part(v.context, "tool-view-context") : null, v.call ? part(v.call, "tool-view-call") : null];
  }

  EVR.toolView = { setViews, viewOf, markdown };
})();
