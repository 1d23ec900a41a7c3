// The comgraph query editor: YASGUI pointed at this service's own endpoint.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);

  // Result IRIs link to this app's resource pages under their labels, as the app's own tables
  // do. YASR's table draws each IRI with getUriLinkFromBinding (synchronously), so the names come
  // from a cache that POST /editor/labels fills after each answer; the links already drawn are
  // then renamed.
  const names = new Map(); // IRI -> {text, href}
  const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const compact = (iri, prefixes) => {
    for (const [prefix, namespace] of Object.entries(prefixes || {})) {
      if (namespace && iri.startsWith(namespace) && iri.length > namespace.length) {
        return `${prefix}:${iri.slice(namespace.length)}`;
      }
    }
    return iri;
  };
  const Table = Yasgui.Yasr.plugins.table;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    const iri = binding.value;
    const named = names.get(iri);
    const text = named ? named.text : compact(iri, { ...config.prefixes, ...prefixes });
    const href = named && named.href ? named.href : `${config.resource}?iri=${encodeURIComponent(iri)}`;
    return `<a class="iri" href="${escapeHtml(href)}" title="${escapeHtml(iri)}">${escapeHtml(text)}</a>`;
  };

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    // Never the default (DBpedia): always this service.
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    persistenceId: "comgraph-editor",
    yasqe: { value: config.starter },
  });
  // A fresh tab starts with the starter query rather than an empty editor.
  const tab = yasgui.getTab();
  if (tab && !tab.getQuery().trim()) tab.setQuery(config.starter);

  // Each named query opens in a tab of its own, holding that query's text; a tab that still
  // holds exactly that text is selected instead of opening another. (addTab returns the Tab
  // itself, not its id.)
  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      const example = config.examples.find((e) => e.name === button.dataset.name);
      if (!example) return;
      const same = yasgui.persistentConfig.getTabs().find((id) => {
        const kept = yasgui.persistentConfig.getTab(id);
        return kept && kept.name === example.title && kept.yasqe && kept.yasqe.value === example.query;
      });
      if (same) {
        yasgui.selectTabId(same);
        return;
      }
      const opened = yasgui.addTab(true, { name: example.title, yasqe: { value: example.query } });
      if (opened.getYasqe && opened.getYasqe() && opened.getQuery() !== example.query) {
        opened.setQuery(example.query);
      }
    });
  });

  const nameTheIris = (tab) => {
    const yasr = tab && tab.getYasr && tab.getYasr();
    const bindings = yasr && yasr.results && yasr.results.getBindings && yasr.results.getBindings();
    if (!bindings) return;
    const wanted = new Set();
    for (const row of bindings) {
      for (const value of Object.values(row)) {
        if (value && value.type === "uri" && !names.has(value.value)) wanted.add(value.value);
        if (value && value.datatype && !names.has(value.datatype)) wanted.add(value.datatype);
      }
      if (wanted.size >= config.maxLabels) break;
    }
    if (!wanted.size) return;
    fetch(config.labels, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ iris: [...wanted].slice(0, config.maxLabels) }),
    })
      .then((response) => (response.ok ? response.json() : {}))
      .then((found) => {
        for (const [iri, named] of Object.entries(found)) names.set(iri, named);
        // Rename the links already drawn, in place: a redraw would lose the reader's page,
        // sorting and column widths. Rows drawn later (other pages) take the names from the cache.
        for (const link of (yasr.resultsEl || document.createElement("div")).querySelectorAll("a.iri")) {
          const named = names.get(link.title);
          if (!named) continue;
          link.textContent = named.text;
          if (named.href) link.href = named.href;
        }
      })
      .catch(() => {}); // names are a nicety: without them the table keeps compact names
  };

  // The starter declares only what it uses; a query that uses one of comgraph's known prefixes
  // without declaring it gets the declaration added, in the editor, as it is run.
  const NOT_NAMES = /<[^<>\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g;
  const PREFIXED = /(?<![\w:-])([A-Za-z][\w.-]*)?:(?=[\w%\\]|\s|$)/g;
  yasgui.on("queryBefore", (_instance, tab) => {
    const yasqe = tab && tab.getYasqe && tab.getYasqe();
    if (!yasqe) return;
    const declared = yasqe.getPrefixesFromQuery() || {};
    const missing = {};
    for (const match of yasqe.getValue().replace(NOT_NAMES, " ").matchAll(PREFIXED)) {
      const prefix = match[1] || "";
      if (!(prefix in declared) && config.prefixes[prefix]) missing[prefix] = config.prefixes[prefix];
    }
    if (Object.keys(missing).length) yasqe.addPrefixes(missing);
  });

  // The service cuts answers at a row cap and says so in a header: say it here too.
  const note = document.getElementById("row-cap-note");
  yasgui.on("queryResponse", (_instance, tab) => {
    // A tab announces the response before its YASR has read it: look once YASR has.
    setTimeout(() => {
      const results = tab.getYasr().results;
      const response = results && results.res;
      const cap = response && response.headers && response.headers.get("X-Comgraph-Row-Cap");
      note.hidden = !cap;
      note.textContent = cap ? `Only the first ${cap} rows are shown: the service caps answers at ${cap} rows. Add a LIMIT/OFFSET or narrow the query to see the rest.` : "";
      nameTheIris(tab);
    }, 0);
  });
  // Results kept from an earlier visit are named too.
  if (tab) nameTheIris(tab);
})();
