// The comgraph query editor: YASGUI pointed at this service's own endpoint.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    // Never the default (DBpedia): always this service.
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }] },
    persistenceId: "comgraph-editor",
    yasqe: { value: config.starter },
  });
  // A fresh tab starts with the ontology's prefixes rather than an empty editor.
  const tab = yasgui.getTab();
  if (tab && !tab.getQuery().trim()) tab.setQuery(config.starter);

  document.querySelectorAll("button.example").forEach((button) => {
    button.addEventListener("click", () => {
      const example = config.examples.find((e) => e.name === button.dataset.name);
      const opened = yasgui.addTab(true, { name: example.title });
      yasgui.getTab(opened).setQuery(example.query);
    });
  });

  // The service cuts answers at a row cap and says so in a header: say it here too.
  const note = document.getElementById("row-cap-note");
  yasgui.on("queryResponse", (_instance, tab) => {
    const results = tab.getYasr().results;
    const response = results && results.res;
    const cap = response && response.headers && response.headers.get("X-Comgraph-Row-Cap");
    note.hidden = !cap;
    note.textContent = cap ? `Only the first ${cap} rows are shown: the service caps answers at ${cap} rows. Add a LIMIT/OFFSET or narrow the query to see the rest.` : "";
  });
})();
