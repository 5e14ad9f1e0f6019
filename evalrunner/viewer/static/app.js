// The viewer's router: #/ (logs), #/log/ID (a task), #/log/ID/sample/N (a transcript),
// #/compare?logs=A,B (logs side by side).
// While something is being written the shown view refreshes itself every few seconds.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const { h } = EVR;
  const main = document.getElementById("main");
  const crumbs = document.getElementById("crumbs");
  const liveBadge = document.getElementById("live");
  const LIST_EVERY = 5000, LOG_EVERY = 2000;
  let timer = null;
  let generation = 0;

  function route() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [path, qs] = raw.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    return { parts, params: new URLSearchParams(qs || "") };
  }

  function setCrumbs(id, task, n) {
    const items = [h("a", { href: "#/", text: "logs" })];
    if (id) items.push(" / ", h("a", { href: EVR.logHref(id), text: task || id }));
    if (n !== undefined) items.push(" / ", h("span", { text: `sample ${n}` }));
    crumbs.replaceChildren(...items);
  }

  function schedule(every, work, mine) {
    clearTimeout(timer);
    if (!EVR.api.live) return;
    timer = setTimeout(async () => {
      if (mine !== generation) return;
      let again = true;
      try { again = await work(); } catch (e) { again = true; }
      if (mine === generation && again) schedule(every, work, mine);
    }, every);
  }

  function setLive(on) {
    liveBadge.hidden = !on;
  }

  async function render() {
    generation += 1;
    const mine = generation;
    clearTimeout(timer);
    const { parts, params } = route();
    try {
      if (parts.length === 0) {
        setCrumbs();
        document.title = "Logs · evalrunner view";
        const live = await EVR.renderList(main);
        setLive(live && EVR.api.live);
        // New logs appear and running ones move on: keep the list fresh.
        schedule(LIST_EVERY, async () => { setLive(await EVR.renderList(main, true) && EVR.api.live); return true; }, mine);
      } else if (parts[0] === "log" && parts.length === 2) {
        const view = new EVR.LogView(main, parts[1], params);
        await view.start();
        setCrumbs(parts[1], view.log.eval.task);
        setLive(view.live);
        schedule(LOG_EVERY, async () => { await view.refresh(); setLive(view.live); return view.live; }, mine);
      } else if (parts[0] === "compare") {
        setLive(false);
        const ids = (params.get("logs") || "").split(",").filter(Boolean);
        crumbs.replaceChildren(h("a", { href: "#/", text: "logs" }), " / ",
          parts[1] === "sample" ? h("a", { href: `#/compare?logs=${ids.map(encodeURIComponent).join(",")}`, text: "compare" }) : h("span", { text: "compare" }));
        if (parts[1] === "sample") await EVR.renderCompareSample(main, ids, params);
        else await EVR.renderCompare(main, ids, params);
      } else if (parts[0] === "log" && parts[2] === "sample" && parts.length === 4) {
        setLive(false);
        const shown = await EVR.renderSample(main, parts[1], Number(parts[3]), params);
        setCrumbs(parts[1], shown.task, shown.id);
      } else {
        main.replaceChildren(EVR.message("error", "No such page."), h("a", { href: "#/", text: "All logs" }));
      }
    } catch (e) {
      if (mine !== generation) return;
      main.replaceChildren(EVR.message("error", `Could not load: ${e.message}`), h("p", {}, h("a", { href: "#/", text: "All logs" })));
    }
    if (mine === generation) window.scrollTo(0, 0);
  }

  window.addEventListener("hashchange", render);
  render();
})();
