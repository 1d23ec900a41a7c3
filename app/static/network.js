// The relationship network, drawn by libraries rather than by hand:
//  - the parties and ties are the page's JSON twin (/network.json for the same as-of date);
//  - every box is sized from its own text, measured with the font it is drawn in;
//  - elkjs (the Eclipse Layout Kernel, layered algorithm) places the boxes in layers along the
//    ties, routes every tie orthogonally between the boxes (never through a box it does not
//    end at) and places each tie's label clear of the boxes and of the other labels;
//  - Cytoscape.js draws exactly that: the boxes where elkjs put them, each tie along elkjs's
//    route (its end points and bends), each tie's label as a small box of its own.
// The page's JSON island (#network-data) says where the twin is, where each box links to and
// which party is the client; window.cy is the drawing, for the tests.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("network-data").textContent);
  const box = document.getElementById("network-picture");
  const status = document.getElementById("network-status");
  const FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif";
  const PARTY = { size: 12, lineHeight: 1.3, padX: 12, padY: 8, maxLine: 180 };
  const TIE = { size: 11, lineHeight: 1.25, padX: 5, padY: 3, maxLine: 160 };

  const context = document.createElement("canvas").getContext("2d");
  function width(text, font) {
    context.font = `${font.size}px ${FAMILY}`;
    return context.measureText(text).width;
  }
  // Words onto lines no wider than font.maxLine (a longer single word keeps its own line).
  function wrap(text, font) {
    const lines = [];
    for (const word of text.split(/\s+/).filter(Boolean)) {
      const last = lines.length ? lines[lines.length - 1] : null;
      if (last !== null && width(last + " " + word, font) <= font.maxLine) lines[lines.length - 1] = last + " " + word;
      else lines.push(word);
    }
    return lines.length ? lines : [""];
  }
  function block(lines, font) {
    return {
      text: lines.join("\n"),
      width: Math.ceil(Math.max(...lines.map((l) => width(l, font)))) + 2 * font.padX,
      height: Math.ceil(lines.length * font.size * font.lineHeight) + 2 * font.padY,
    };
  }

  // The twin's parties and ties as boxes and arrows: one arrow per ordered pair of parties,
  // with a line of text per kind of tie (and how many records make it).
  function fromTwin(twin) {
    const ids = new Map();
    const nodes = twin.nodes.map((n, i) => {
      ids.set(n.iri, `n${i}`);
      const note = config.notes[n.iri];
      const kinds = n.kinds.length ? n.kinds : (note ? [note] : []);
      return { id: `n${i}`, iri: n.iri, label: n.label, kinds, member: kinds.length > 0,
               href: config.links[n.iri] || `/resource?iri=${encodeURIComponent(n.iri)}` };
    });
    const edges = new Map();
    for (const t of twin.ties) {
      const key = `${t.party} ${t.counterparty}`;
      if (!edges.has(key)) {
        edges.set(key, { id: `e${edges.size}`, source: ids.get(t.party), target: ids.get(t.counterparty), labels: [] });
      }
      edges.get(key).labels.push(t.relation + (t.records > 1 ? ` (${t.records})` : ""));
    }
    return { nodes, edges: [...edges.values()] };
  }

  function picture(data) {
    const parties = new Map();
    for (const n of data.nodes) {
      const kinds = n.kinds.length ? n.kinds.join(", ") : "not a member";
      const label = block(wrap(n.label, PARTY).concat(wrap(kinds, PARTY)), PARTY);
      parties.set(n.id, { ...n, ...label, title: `${n.label} (${kinds})` });
    }
    const ties = new Map();
    for (const e of data.edges) {
      const lines = e.labels.flatMap((l) => wrap(l, TIE));
      ties.set(e.id, { ...e, ...block(lines, TIE) });
    }

    const degree = new Map();
    for (const t of ties.values()) {
      degree.set(t.source, (degree.get(t.source) || 0) + 1);
      degree.set(t.target, (degree.get(t.target) || 0) + 1);
    }

    const graph = {
      id: "root",
      layoutOptions: {
        "elk.algorithm": "layered",
        "elk.edgeRouting": "ORTHOGONAL",
        "elk.padding": "[top=16,left=16,bottom=16,right=16]",
        "elk.spacing.nodeNode": "28",
        "elk.spacing.edgeNode": "18",
        "elk.spacing.edgeEdge": "12",
        "elk.spacing.edgeLabel": "4",
        "elk.layered.spacing.nodeNodeBetweenLayers": "48",
        "elk.layered.spacing.edgeNodeBetweenLayers": "18",
        "elk.layered.spacing.edgeEdgeBetweenLayers": "12",
        "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
        "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
        "elk.edgeLabels.placement": "CENTER",
      },
      children: [...parties.values()].map((p) => ({ id: p.id, width: p.width, height: p.height })),
      edges: [...ties.values()].map((t) => ({
        id: t.id, sources: [t.source], targets: [t.target],
        labels: [{ id: t.id + "-label", text: t.text, width: t.width, height: t.height }],
      })),
    };

    function draw(layout) {
      const elements = [];
      for (const child of layout.children) {
        const p = parties.get(child.id);
        elements.push({
          group: "nodes", classes: p.member ? "party" : "party outside",
          data: { id: p.id, name: p.label, label: p.text, w: child.width, h: child.height, href: p.href, title: p.title, iri: p.iri },
          position: { x: child.x + child.width / 2, y: child.y + child.height / 2 },
        });
      }
      const routes = new Map();
      for (const edge of layout.edges) {
        const t = ties.get(edge.id);
        const section = edge.sections[0];
        routes.set(edge.id, section);
        elements.push({
          group: "edges", classes: (section.bendPoints || []).length ? "routed" : "straight",
          data: { id: t.id, source: t.source, target: t.target, title: t.labels.join("; ") },
        });
        const label = edge.labels && edge.labels[0];
        if (label) {
          elements.push({
            group: "nodes", classes: "tie-label",
            data: { id: t.id + "-label", label: t.text, w: label.width, h: label.height, tie: t.id, title: t.labels.join("; ") },
            position: { x: label.x + label.width / 2, y: label.y + label.height / 2 },
          });
        }
      }

      // Shrunk to the page's width when it is a little wider, never below 75 % (the figure
      // scrolls sideways instead): the text stays readable at any number of parties.
      const available = box.parentElement.clientWidth - 2;
      const zoom = Math.max(0.75, Math.min(1, available / layout.width));
      box.style.width = `${Math.ceil(layout.width * zoom)}px`;
      box.style.height = `${Math.ceil(layout.height * zoom)}px`;
      const font = { "font-family": FAMILY, "text-wrap": "wrap", "text-max-width": "2000px",
                     "text-valign": "center", "text-halign": "center" };
      const cy = cytoscape({
        container: box, elements, layout: { name: "preset", fit: false },
        userZoomingEnabled: false, userPanningEnabled: false, boxSelectionEnabled: false,
        autoungrabify: true, autounselectify: true,
        style: [
          { selector: "node.party", style: { ...font, shape: "round-rectangle", width: "data(w)", height: "data(h)",
              label: "data(label)", "font-size": PARTY.size, "line-height": PARTY.lineHeight, color: "#1b1f24",
              "background-color": "#eef4fb", "border-width": 1.5, "border-color": "#1f3a5f" } },
          { selector: "node.party.outside", style: { "background-color": "#f6f8fa", "border-color": "#8c959f",
              "border-style": "dashed" } },
          { selector: "node.tie-label", style: { ...font, shape: "round-rectangle", width: "data(w)", height: "data(h)",
              label: "data(label)", "font-size": TIE.size, "line-height": TIE.lineHeight, color: "#3d4752",
              "background-color": "#ffffff", "background-opacity": 0.92, "border-width": 0, events: "no" } },
          { selector: "edge", style: { width: 1.4, "line-color": "#7d8790", "target-arrow-color": "#7d8790",
              "target-arrow-shape": "triangle", "arrow-scale": 0.9, "curve-style": "straight" } },
          { selector: "edge.routed", style: { "curve-style": "segments", "edge-distances": "node-position",
              "segment-weights": 0.5, "segment-distances": 0 } },
        ],
      });
      cy.zoom(zoom);
      cy.pan({ x: 0, y: 0 });

      // Each tie along elkjs's route: its two end points (on the boxes' borders) and its bends,
      // given to Cytoscape as offsets from the boxes' centres and as (weight, distance) pairs
      // along the line between the centres.
      cy.edges().forEach((edge) => {
        const route = routes.get(edge.id());
        edge.data("route", route);
        const s = edge.source().position();
        const t = edge.target().position();
        const style = {
          "source-endpoint": `${route.startPoint.x - s.x}px ${route.startPoint.y - s.y}px`,
          "target-endpoint": `${route.endPoint.x - t.x}px ${route.endPoint.y - t.y}px`,
        };
        const bends = route.bendPoints || [];
        if (bends.length) {
          const dx = t.x - s.x;
          const dy = t.y - s.y;
          const length2 = dx * dx + dy * dy || 1;
          const length = Math.sqrt(length2);
          const weights = bends.map((b) => ((b.x - s.x) * dx + (b.y - s.y) * dy) / length2);
          const distances = bends.map((b) => ((b.y - s.y) * dx - (b.x - s.x) * dy) / length);
          style["segment-weights"] = weights.join(" ");
          style["segment-distances"] = distances.join(" ");
          edge.style(style);
          // Cytoscape's sign for "distance" depends on how it orders the pair: check, flip if needed.
          const drawn = edge.segmentPoints() || [];
          if (drawn.length && Math.hypot(drawn[0].x - bends[0].x, drawn[0].y - bends[0].y) > 1) {
            edge.style("segment-distances", distances.map((d) => -d).join(" "));
          }
        } else {
          edge.style(style);
        }
      });

      cy.on("tap", "node.party", (event) => { window.location.href = event.target.data("href"); });
      cy.on("mouseover", "node.party, edge", (event) => {
        box.title = event.target.data("title");
        box.classList.toggle("pointing", event.target.isNode());
      });
      cy.on("mouseout", "node.party, edge", () => { box.title = ""; box.classList.remove("pointing"); });

      window.cy = cy;
      box.dataset.drawn = "true";
      status.textContent = `${data.nodes.length} parties and ${data.edges.length} ties, laid out by elkjs ` +
        "(layered, orthogonal routes) and drawn by Cytoscape.js. Click a box to open the party.";
    }

    if (!data.nodes.length) {
      status.textContent = "No parties to draw.";
      box.dataset.drawn = "true";
      return;
    }
    // Layers top to bottom read best while they fit the page; a relationship with many parties
    // in one layer (dozens of subcontractors) fits better with layers left to right. Both are
    // laid out; the one that needs less shrinking is drawn (top to bottom when equal).
    const elk = new ELK();
    const available = box.parentElement.clientWidth - 2;
    const fit = (layout) => Math.min(1, available / layout.width);
    const laidOut = (direction) => {
      const copy = JSON.parse(JSON.stringify(graph)); // elkjs writes its results into what it is given
      copy.layoutOptions["elk.direction"] = direction;
      // A party with many ties gets a side long enough for its ties to leave it apart (about
      // 8 px each) rather than as one thick band.
      for (const child of copy.children) {
        const room = 8 * (degree.get(child.id) || 0) + 8;
        if (direction === "RIGHT") child.height = Math.max(child.height, room);
        else child.width = Math.max(child.width, room);
      }
      return elk.layout(copy);
    };
    return laidOut("DOWN")
      .then((down) => (fit(down) >= 1 ? down
        : laidOut("RIGHT").then((right) => (fit(right) > fit(down) ? right : down))))
      .then(draw);
  }

  fetch(config.data, { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`${config.data} answered ${response.status}`);
      return response.json();
    })
    .then((twin) => picture(fromTwin(twin)))
    .catch((error) => {
      status.textContent = `The picture could not be drawn (${error}); the table below lists the same ties.`;
      box.dataset.drawn = "error";
    });
})();
