// Where the page's data comes from: the JSON API of `evalrunner view`, or the script
// files of an export (`evalrunner view --export`), behind the same five calls.
"use strict";
window.EVR = window.EVR || {};
(() => {
  const EVR = window.EVR;
  const STATIC = document.querySelector('meta[name="evr-mode"]').content === "static";

  async function getJSON(url) {
    const response = await fetch(url, { cache: "no-store" });
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
    return body;
  }

  function query(params) {
    const out = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (value !== null && value !== undefined && value !== "") out.set(key, value);
    }
    return out.toString();
  }

  const server = {
    live: true,
    logs: () => getJSON("api/logs"),
    header: (id) => getJSON(`api/logs/${encodeURIComponent(id)}`),
    facets: (id) => getJSON(`api/logs/${encodeURIComponent(id)}/facets`),
    samples: (id, q) => getJSON(`api/logs/${encodeURIComponent(id)}/samples?${query(q)}`),
    sample: (id, n, q) => getJSON(`api/logs/${encodeURIComponent(id)}/samples/${n}?${query(q || {})}`),
    compare: (ids) => getJSON(`api/compare?logs=${ids.map(encodeURIComponent).join(",")}`),
  };

  // ---- static export: data/KEY.js files call evrData(KEY, value) when loaded.
  const loaded = new Map();
  const loading = new Map();
  window.evrData = (key, value) => { loaded.set(key, value); };

  function load(key) {
    if (loaded.has(key)) return Promise.resolve(loaded.get(key));
    if (loading.has(key)) return loading.get(key);
    const promise = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `data/${key}.js`;
      script.onload = () => {
        script.remove();
        loading.delete(key);
        if (loaded.has(key)) resolve(loaded.get(key));
        else reject(new Error(`data/${key}.js did not hold ${key}`));
      };
      script.onerror = () => { loading.delete(key); reject(new Error(`cannot load data/${key}.js`)); };
      document.head.append(script);
    });
    loading.set(key, promise);
    return promise;
  }

  // The same filters as the server (see evalrunner/viewer/_library.py), over exported rows.
  function matches(row, q) {
    if (q.error === "1" && !row.error) return false;
    if (q.error === "0" && row.error) return false;
    if (q.score) {
      const wanted = q.score.trim().toLowerCase();
      const values = q.scorer
        ? [row.scores[q.scorer] ? row.scores[q.scorer].value : ""]
        : Object.values(row.scores).map((s) => s.value);
      if (!values.some((v) => String(v).toLowerCase() === wanted)) return false;
    }
    return !q.q || row.search.includes(q.q.toLowerCase());
  }

  async function rows(id, header, first, last) {
    const size = header.row_chunk;
    const chunks = [];
    for (let c = Math.floor(first / size); c * size < Math.min(last, header.sample_count); c += 1) {
      chunks.push(load(`${id}/rows-${c}`));
    }
    return (await Promise.all(chunks)).flat();
  }

  const exported = {
    live: false,
    logs: () => load("logs"),
    header: (id) => load(`${id}/header`),
    facets: (id) => load(`${id}/facets`),
    async samples(id, q) {
      const header = await load(`${id}/header`);
      const offset = Number(q.offset || 0), limit = Number(q.limit || 50);
      const filtered = q.score || q.error || q.q;
      if (!filtered) {
        const base = Math.floor(offset / header.row_chunk) * header.row_chunk;
        const some = await rows(id, header, offset, offset + limit);
        const items = some.slice(offset - base, offset - base + limit);
        return { total: header.sample_count, count: header.sample_count, offset, limit, complete: true, items };
      }
      const all = (await rows(id, header, 0, header.sample_count)).filter((r) => matches(r, q));
      return { total: all.length, count: header.sample_count, offset, limit, complete: true,
        items: all.slice(offset, offset + limit) };
    },
    async compare() {
      throw new Error("comparing logs needs `evalrunner view` (an exported page cannot)");
    },
    async sample(id, n) {
      const header = await load(`${id}/header`);
      const chunk = Math.floor(n / header.transcript_chunk);
      const samples = await load(`${id}/t-${chunk}`);
      if (!(String(n) in samples)) throw new Error(`no sample ${n}`);
      return samples[String(n)];
    },
  };

  EVR.api = STATIC ? exported : server;
})();
