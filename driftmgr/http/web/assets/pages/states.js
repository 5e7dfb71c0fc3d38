// State Explorer: the tracked Terraform states; one state's versions, outputs (redacted by
// the server) and resources; two versions compared; the dependency graph drawn in layers,
// with a table of the same edges for keyboards and screen readers; and a resource's blast
// radius (what depends on it, transitively), as the API computes it.

import { ApiError, get } from "../api.js";
import { announce, badge, field, fill, h, heading, problem, select, shortId, showValue, table as tableOf, time } from "../dom.js";

/** Past this many nodes the drawing helps nobody (and costs the browser): the table stays. */
const MAX_DRAWN_NODES = 400;
/** Past this many edges the table is cut, saying so. */
const MAX_LISTED_EDGES = 2000;
const SVG_NS = "http://www.w3.org/2000/svg";

export async function render(ctx) {
  return ctx.args[0] ? renderState(ctx, ctx.args[0]) : renderList(ctx);
}

function busy(ctx, on) {
  if (on) ctx.main.dataset.busy = "1";
  else delete ctx.main.dataset.busy;
}

function flags(list) {
  return list?.length ? list.map((f) => [badge(f, "flagged"), " "]) : "—";
}

// --- the list -----------------------------------------------------------------------------

async function renderList(ctx) {
  const box = h("div");
  const load = async () => {
    const states = await get("/api/v1/states");
    fill(
      box,
      statesTable("Tracked states", states, {
        empty: "none tracked yet: import one with `driftmgr state import`.",
      }),
    );
  };
  await load();
  fill(ctx.main, heading("State Explorer"), box);
  let pending = null;
  return ctx.live.subscribe((event) => {
    if (event.aggregate_type !== "StateFile" || pending) return;
    // A burst of imports refreshes once.
    pending = setTimeout(async () => {
      pending = null;
      if (!ctx.isCurrent()) return;
      busy(ctx, true);
      try {
        await load();
        announce("The list of states was updated.");
      } catch (error) {
        fill(box, problem(error));
      } finally {
        busy(ctx, false);
      }
    }, 300);
  });
}

function statesTable(caption, states, options) {
  return tableOf(
    caption,
    [
      {
        label: "Source",
        cell: (s) => h("a", { href: `#/states/${encodeURIComponent(s.id)}`, text: s.source }),
      },
      { label: "Backend / workspace", cell: (s) => `${s.backend} / ${s.workspace}` },
      { label: "Serial", cell: (s) => (s.serial ?? "—").toString(), class: "num" },
      { label: "Resources", cell: (s) => (s.resource_count ?? "—").toString(), class: "num" },
      { label: "Versions", cell: (s) => String(s.version_count), class: "num" },
      { label: "Imported", cell: (s) => [time(s.imported_at), s.imported_by ? ` by ${s.imported_by}` : ""] },
      { label: "Flags", cell: (s) => flags(s.flags) },
    ],
    states,
    options,
  );
}

// --- one state ----------------------------------------------------------------------------

async function renderState(ctx, stateId) {
  const base = `/api/v1/states/${encodeURIComponent(stateId)}`;
  const show = async () => {
    const [view, graph] = await Promise.all([get(base), loadGraph(base)]);
    const state = view.summary;
    const graphSection = h("section", { "aria-labelledby": "graph-h" });
    const blastSection = h("section", { "aria-labelledby": "blast-h" });
    fill(
      ctx.main,
      h(
        "nav.crumbs",
        { "aria-label": "Breadcrumb" },
        h("a", { href: "#/states", text: "State Explorer" }),
        " / ",
        h("span", { "aria-current": "page", text: state.source }),
      ),
      heading(`State ${state.source}`),
      notice,
      summarySection(state),
      versionsSection(view.versions),
      compareSection(ctx, state, view.versions),
      outputsSection(view.outputs),
      resourcesSection(view.resources),
      graphSection,
      blastSection,
    );
    const drawing = graphContent(graphSection, graph);
    blastContent(ctx, blastSection, base, graph, drawing);
  };

  const notice = h("p.notice", { hidden: true });
  await show();
  return ctx.live.subscribe((event) => {
    if (event.aggregate_type !== "StateFile" || event.aggregate_id !== stateId) return;
    // The page is not reloaded under the reader's feet: they choose when.
    fill(
      notice,
      "This state changed since the page was loaded. ",
      h("button.secondary", {
        type: "button",
        text: "Reload",
        on: {
          click: async () => {
            notice.hidden = true;
            busy(ctx, true);
            try {
              await show();
              announce("The state was reloaded.");
            } catch (error) {
              ctx.main.append(problem(error));
            } finally {
              busy(ctx, false);
            }
          },
        },
      }),
    );
    notice.hidden = false;
  });
}

async function loadGraph(base) {
  try {
    return await get(`${base}/graph`, { format: "json" });
  } catch (error) {
    // Pending (409, a large state's analysis job) or not analysed (404): the rest still shows.
    if (error instanceof ApiError && (error.status === 409 || error.status === 404)) return { error };
    throw error;
  }
}

function facts(pairs) {
  return h(
    "dl.facts",
    {},
    pairs.map(([label, value]) => [h("dt", { text: label }), h("dd", {}, value ?? "—")]),
  );
}

function summarySection(state) {
  return h(
    "section",
    { "aria-labelledby": "summary-h" },
    h("h2", { id: "summary-h", text: "Summary" }),
    facts([
      ["ID", h("code", { text: state.id })],
      ["Source", state.source],
      ["Backend", state.backend],
      ["Workspace", state.workspace],
      ["Serial", state.serial?.toString()],
      ["Lineage", state.lineage],
      ["Terraform version", state.terraform_version],
      ["Resources", state.resource_count?.toString()],
      ["Versions", String(state.version_count)],
      ["Imported", [time(state.imported_at), state.imported_by ? ` by ${state.imported_by}` : ""]],
      ["Flags", flags(state.flags)],
    ]),
  );
}

function versionsSection(versions) {
  return h(
    "section",
    { "aria-labelledby": "versions-h" },
    h("h2", { id: "versions-h", text: "Versions" }),
    tableOf(
      "Imported versions, oldest first",
      [
        { label: "Version", cell: (v) => String(v.version) },
        { label: "Serial", cell: (v) => (v.serial ?? "—").toString() },
        { label: "Lineage", cell: (v) => (v.lineage ? h("code", { title: v.lineage, text: shortId(v.lineage) }) : "—") },
        { label: "Terraform", cell: (v) => v.terraform_version || "—" },
        { label: "Resources", cell: (v) => String(v.resource_count) },
        { label: "Size", cell: (v) => `${v.size.toLocaleString()} B` },
        { label: "Content SHA-256", cell: (v) => h("code", { title: v.content_sha256, text: v.content_sha256.slice(0, 12) }) },
        { label: "Imported", cell: (v) => [time(v.imported_at), ` by ${v.imported_by}`] },
        {
          label: "Flags",
          cell: (v) => (v.out_of_order ? [badge("out of order", "flagged"), " ", flags(v.flags)] : flags(v.flags)),
        },
      ],
      versions,
      { empty: "no version imported." },
    ),
  );
}

function outputsSection(outputs) {
  return h(
    "section",
    { "aria-labelledby": "outputs-h" },
    h("h2", { id: "outputs-h", text: "Outputs" }),
    h("p.muted", { text: "Values are redacted by the server: sensitive outputs and secrets inside others never leave it." }),
    tableOf(
      "Outputs of the current version",
      [
        { label: "Name", cell: (o) => h("code", { text: o.name }) },
        { label: "Sensitive", cell: (o) => (o.sensitive ? badge("sensitive", "flagged") : "no") },
        { label: "Value", cell: (o) => showValue(o.value) },
      ],
      outputs,
      { empty: "the current version has none." },
    ),
  );
}

function resourcesSection(resources) {
  return h(
    "section",
    { "aria-labelledby": "resources-h" },
    h("h2", { id: "resources-h", text: `Resources (${resources.length})` }),
    tableOf(
      "Resource instances of the current version",
      [
        { label: "Address", cell: (r) => h("code", { text: r.address }) },
        { label: "Mode", cell: (r) => r.mode },
        { label: "Type", cell: (r) => r.type },
        { label: "Provider", cell: (r) => r.provider },
        { label: "ID", cell: (r) => (r.id ? h("code", { text: r.id }) : h("span.null", { text: "none" })) },
        {
          label: "Status",
          cell: (r) => [r.status ? badge(r.status, "flagged") : "", r.deposed ? badge(`deposed ${r.deposed}`, "flagged") : ""],
        },
      ],
      resources,
      { empty: "the current version has none." },
    ),
  );
}

// --- comparing two versions ---------------------------------------------------------------

function versionRef(state, version) {
  return version.serial === null || version.serial === undefined ? null : `${state.id}@${version.serial}`;
}

function compareSection(ctx, state, versions) {
  const section = h("section", { "aria-labelledby": "compare-h" }, h("h2", { id: "compare-h", text: "Compare two versions" }));
  const usable = versions.filter((v) => versionRef(state, v));
  if (!usable.length) {
    section.append(h("p.empty", { text: "No version has a serial to compare by." }));
    return section;
  }
  const options = usable.map((v) => [
    versionRef(state, v),
    `version ${v.version} · serial ${v.serial} · ${new Date(v.imported_at).toLocaleString()}`,
  ]);
  const first = select("a", options, options[Math.max(0, options.length - 2)][0]);
  const second = select("b", options, options[options.length - 1][0]);
  const result = h("div");
  const form = h(
    "form.filters",
    {
      "aria-label": "Versions to compare",
      on: {
        submit: async (event) => {
          event.preventDefault();
          busy(ctx, true);
          try {
            const comparison = await get("/api/v1/states/compare", { a: first.value, b: second.value });
            if (!ctx.isCurrent()) return;
            fill(result, comparisonView(comparison));
            announce(
              `Compared: ${comparison.added.length} added, ${comparison.removed.length} removed, ${comparison.changed.length} changed.`,
            );
          } catch (error) {
            fill(result, problem(error));
          } finally {
            busy(ctx, false);
          }
        },
      },
    },
    field("From version", first),
    field("To version", second),
    h("button", { type: "submit", text: "Compare" }),
  );
  if (usable.length < 2) form.append(h("p.muted", { text: "Only one version is held: comparing it with itself shows nothing." }));
  section.append(form, result);
  return section;
}

function changesTable(caption, changes) {
  return tableOf(
    caption,
    [
      { label: "Attribute", cell: (c) => h("code", { text: c.path }) },
      {
        label: "From",
        cell: (c) => (c.removed?.length ? ["removed: ", showValue(c.removed)] : showValue(c.expected)),
      },
      {
        label: "To",
        cell: (c) => (c.added?.length ? ["added: ", showValue(c.added)] : showValue(c.actual)),
      },
    ],
    changes,
  );
}

function addressList(title, addresses, kind) {
  return [
    h("h3", {}, `${title} `, badge(String(addresses.length), kind)),
    addresses.length
      ? h("ul.addresses", {}, addresses.map((a) => h("li", {}, h("code", { text: a }))))
      : h("p.empty", { text: "None." }),
  ];
}

function comparisonView(c) {
  const [serialA, serialB] = c.serial;
  const parts = [
    h("p", {
      text:
        `Serial ${serialA ?? "?"} → ${serialB ?? "?"}; ` +
        (c.same_lineage === null ? "lineage unknown" : c.same_lineage ? "same lineage" : "different lineages") +
        `; Terraform ${c.terraform_version?.[0] ?? "?"} → ${c.terraform_version?.[1] ?? "?"}.`,
    }),
    c.warnings.map((w) => h("p.problem", { text: w })),
  ];
  if (!c.added.length && !c.removed.length && !c.changed.length && !c.output_changes?.length) {
    parts.push(h("p.ok-note", { text: "The two versions hold the same resources and outputs." }));
    return parts;
  }
  parts.push(addressList("Added", c.added, "unmanaged"), addressList("Removed", c.removed, "missing"));
  parts.push(h("h3", {}, "Changed ", badge(String(c.changed.length), "modified")));
  if (!c.changed.length) parts.push(h("p.empty", { text: "None." }));
  for (const change of c.changed) parts.push(changesTable(`${change.address} (${change.type})`, change.changes));
  if (c.output_changes?.length) {
    parts.push(h("h3", { text: "Outputs changed" }), changesTable("Outputs that differ", c.output_changes));
  }
  return parts;
}

// --- the dependency graph -----------------------------------------------------------------

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Each node's layer: 0 for what depends on nothing, else one more than its deepest
 * dependency (the longest path from a root). Iterative, and an edge closing a cycle is
 * ignored, so a loop still gets a layout.
 */
export function layers(nodes, edges) {
  const deps = new Map(nodes.map((n) => [n, []]));
  for (const [from, to] of edges) {
    if (!deps.has(from)) deps.set(from, []);
    if (!deps.has(to)) deps.set(to, []);
    deps.get(from).push(to);
  }
  const layer = new Map();
  const onStack = new Set();
  for (const start of deps.keys()) {
    if (layer.has(start)) continue;
    const stack = [[start, 0]];
    onStack.add(start);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, index] = top;
      const list = deps.get(node);
      if (index < list.length) {
        top[1] += 1;
        const next = list[index];
        if (!layer.has(next) && !onStack.has(next)) {
          onStack.add(next);
          stack.push([next, 0]);
        }
      } else {
        let depth = 0;
        for (const dep of list) if (layer.has(dep)) depth = Math.max(depth, layer.get(dep) + 1);
        layer.set(node, depth);
        onStack.delete(node);
        stack.pop();
      }
    }
  }
  return layer;
}

const NODE_H = 26;
const ROW_GAP = 56;
const COL_GAP = 18;
const CHAR_W = 6.6;
const PAD = 16;

function drawGraph(graph) {
  const layerOf = layers(graph.nodes, graph.edges);
  const rows = [];
  for (const node of graph.nodes) {
    const n = layerOf.get(node) ?? 0;
    (rows[n] ||= []).push(node);
  }
  // Order each row by where its dependencies sit in the rows above: fewer crossings.
  const deps = new Map(graph.nodes.map((n) => [n, []]));
  for (const [from, to] of graph.edges) deps.get(from)?.push(to);
  const place = new Map();
  rows.forEach((row, r) => {
    if (r > 0) {
      const weight = (n) => {
        const xs = deps.get(n).map((d) => place.get(d)).filter((x) => x !== undefined);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity;
      };
      row.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    }
    row.forEach((n, i) => place.set(n, i));
  });
  const box = new Map();
  let width = 0;
  rows.forEach((row, r) => {
    let x = PAD;
    for (const node of row) {
      const w = Math.ceil(node.length * CHAR_W) + 16;
      box.set(node, { x, y: PAD + r * (NODE_H + ROW_GAP), w });
      x += w + COL_GAP;
    }
    width = Math.max(width, x - COL_GAP + PAD);
  });
  const height = PAD * 2 + rows.length * NODE_H + Math.max(0, rows.length - 1) * ROW_GAP;
  const edges = graph.edges
    .filter(([from, to]) => box.has(from) && box.has(to))
    .map(([from, to]) => {
      const a = box.get(from);
      const b = box.get(to);
      // From the dependent's top to the dependency's bottom (dependencies sit above).
      const [y1, y2] = a.y > b.y ? [a.y, b.y + NODE_H] : [a.y + NODE_H, b.y];
      return svg("line", {
        class: "edge",
        x1: a.x + a.w / 2,
        y1,
        x2: b.x + b.w / 2,
        y2,
        "marker-end": "url(#arrow)",
        "data-from": from,
        "data-to": to,
      });
    });
  const nodes = graph.nodes.map((node) => {
    const b = box.get(node);
    return svg(
      "g",
      { class: "node", "data-address": node },
      svg("title", {}, node),
      svg("rect", { x: b.x, y: b.y, width: b.w, height: NODE_H, rx: 4 }),
      svg("text", { x: b.x + 8, y: b.y + NODE_H / 2 + 4 }, node),
    );
  });
  return svg(
    "svg",
    {
      width: Math.max(width, 200),
      height,
      viewBox: `0 0 ${Math.max(width, 200)} ${height}`,
      role: "img",
      "aria-label": `Dependency graph: ${graph.nodes.length} resources, ${graph.edges.length} dependencies; each arrow points from a resource to what it depends on`,
    },
    svg(
      "defs",
      {},
      svg(
        "marker",
        { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" }),
      ),
    ),
    svg("g", { class: "edges" }, edges),
    svg("g", { class: "nodes" }, nodes),
  );
}

function graphContent(section, graph) {
  section.append(h("h2", { id: "graph-h", text: "Dependency graph" }));
  if (graph.error) {
    section.append(
      problem(graph.error.status === 409 ? `${graph.error.message} Reload the page later.` : graph.error.message),
    );
    return null;
  }
  if (!graph.nodes.length) {
    section.append(h("p.empty", { text: "The current version holds no resource." }));
    return null;
  }
  section.append(
    h("p.muted", {
      text: "Resources in layers: the top row depends on nothing, each resource sits one row below its deepest dependency; arrows point to what a resource depends on. Instances of one resource (app[0], app[1]) are one node.",
    }),
  );
  if (graph.cycles?.length) {
    section.append(
      h("p.problem", {}, `Dependency loops (${graph.cycles.length}): `, graph.cycles.map((c) => c.join(" → ")).join("; ")),
    );
  }
  let drawing = null;
  if (graph.nodes.length <= MAX_DRAWN_NODES) {
    drawing = drawGraph(graph);
    section.append(h("div.graph.graph-scroll", { tabindex: 0, role: "group", "aria-label": "Dependency graph drawing" }, drawing));
  } else {
    section.append(
      h("p.muted", { text: `${graph.nodes.length} resources are too many to draw legibly: the table below lists every dependency.` }),
    );
  }
  const listed = graph.edges.slice(0, MAX_LISTED_EDGES);
  section.append(
    h(
      "details",
      {},
      h("summary", { text: `Dependencies as a table (${graph.edges.length})` }),
      tableOf(
        "Which resource depends on which",
        [
          { label: "Resource", cell: ([from]) => h("code", { text: from }) },
          { label: "Depends on", cell: ([, to]) => h("code", { text: to }) },
        ],
        listed,
        { empty: "no resource depends on another." },
      ),
      graph.edges.length > listed.length
        ? h("p.muted", { text: `The first ${listed.length} of ${graph.edges.length} are shown; driftmgr state graph prints them all.` })
        : null,
    ),
  );
  return drawing;
}

// --- blast radius -------------------------------------------------------------------------

function blastContent(ctx, section, base, graph, drawing) {
  section.append(h("h2", { id: "blast-h", text: "Blast radius" }));
  if (graph.error || !graph.nodes.length) {
    section.append(h("p.empty", { text: "Needs the dependency graph." }));
    return;
  }
  section.append(h("p.muted", { text: "What depends on a resource, directly or through others: what a change to it can break." }));
  const chooser = select("address", graph.nodes, graph.nodes[0]);
  const result = h("div");
  const form = h(
    "form.filters",
    {
      "aria-label": "Blast radius",
      on: {
        submit: async (event) => {
          event.preventDefault();
          const address = chooser.value;
          busy(ctx, true);
          try {
            const answer = await get(`${base}/blast-radius`, { address });
            if (!ctx.isCurrent()) return;
            highlight(drawing, answer.address, answer.dependents);
            fill(
              result,
              answer.dependents.length
                ? [
                    h("p", {}, `${answer.dependents.length} resources depend on `, h("code", { text: answer.address }), ":"),
                    h(
                      "ul.addresses",
                      { "aria-label": `Dependents of ${answer.address}` },
                      answer.dependents.map((d) => h("li", {}, h("code", { text: d }))),
                    ),
                  ]
                : h("p.ok-note", {}, "Nothing depends on ", h("code", { text: answer.address }), "."),
            );
            announce(`${answer.dependents.length} resources depend on ${answer.address}.`);
          } catch (error) {
            fill(result, problem(error));
          } finally {
            busy(ctx, false);
          }
        },
      },
    },
    field("Resource", chooser),
    h("button", { type: "submit", text: "Show blast radius" }),
  );
  section.append(form, result);
}

function highlight(drawing, address, dependents) {
  if (!drawing) return;
  const hit = new Set(dependents);
  for (const node of drawing.querySelectorAll("g.node")) {
    const name = node.dataset.address;
    node.classList.toggle("chosen", name === address);
    node.classList.toggle("hit", hit.has(name));
  }
}
