// Drift Viewer: one run's report, filtered and paged by the server (a report can hold tens
// of thousands of findings), each change's leaf path with expected and actual side by side,
// and the remediation options, from which a plan is made.

import { get, post } from "../api.js";
import { announce, badge, field, fill, h, heading, problem, select, shortId, showValue, time } from "../dom.js";

const PAGE_SIZE = 100;
const FILTERS = [
  ["kind", "Kind"],
  ["severity", "Severity"],
  ["type", "Type"],
  ["provider", "Provider"],
  ["account", "Account"],
  ["region", "Region"],
];

function facetOptions(counts, label) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [["", `any ${label.toLowerCase()}`], ...entries.map(([value, n]) => [value, `${value} (${n})`])];
}

function changesGrid(finding) {
  if (!finding.changes?.length) return null;
  const cells = [
    h("div.head", { text: "Attribute (leaf path)" }),
    h("div.head", { text: "Expected (Terraform state)" }),
    h("div.head", { text: "Actual (cloud)" }),
  ];
  for (const change of finding.changes) {
    cells.push(h("div", {}, h("code", { text: change.path })));
    if (change.added || change.removed) {
      cells.push(h("div", {}, change.removed?.length ? ["removed: ", showValue(change.removed)] : showValue(change.expected)));
      cells.push(h("div", {}, change.added?.length ? ["added: ", showValue(change.added)] : showValue(change.actual)));
    } else {
      cells.push(h("div", {}, showValue(change.expected)));
      cells.push(h("div", {}, showValue(change.actual)));
    }
  }
  return h("div.changes", { role: "group", "aria-label": `Changes of ${finding.address || finding.id}` }, cells);
}

export async function render(ctx) {
  const { main, args, query, can, navigate } = ctx;
  let runId = args[0];
  const filters = Object.fromEntries(FILTERS.map(([key]) => [key, query.get(key) || ""]));
  filters.q = query.get("q") || "";
  let offset = Number(query.get("offset") || 0);
  // The first page is asked for with the run, not after it: one round trip, not three.
  const firstPage = runId ? findings(runId, filters, offset).catch((error) => error) : null;
  const named = runId ? get(`/api/v1/drift-runs/${encodeURIComponent(runId)}`) : null;
  const runs = await get("/api/v1/drift-runs", { limit: 100 });
  if (!runId) {
    const latest = runs.find((r) => r.status === "completed");
    fill(main, heading("Drift Viewer"));
    if (!latest) {
      main.append(h("p.empty", { text: "No drift run has completed yet: start one from the Dashboard or with `driftmgr drift detect`." }));
      return;
    }
    runId = latest.id;
  }
  const run = await (named || get(`/api/v1/drift-runs/${encodeURIComponent(runId)}`));
  const chosen = new Map(); // address or id → strategy, for the plan

  const runPicker = select(
    "run",
    runs.map((r) => [r.id, `${shortId(r.id)} · ${r.status} · ${new Date(r.requested_at).toLocaleString()}`]),
    runId,
  );
  runPicker.addEventListener("change", () => navigate("drift", [runPicker.value]));
  const filterBox = h("form.filters", { role: "search", "aria-label": "Filter findings", on: { submit: (e) => e.preventDefault() } });
  const listBox = h("div", { id: "findings" });
  const planBox = h("div");

  const planButton = h("button", {
    type: "button",
    text: "Plan remediation",
    hidden: !can("command") || run.status !== "completed",
    on: {
      click: async () => {
        planButton.disabled = true;
        try {
          const accepted = await post("/api/v1/remediation-plans", {
            drift_run_id: runId,
            strategies: Object.fromEntries(chosen),
          });
          announce("Remediation plan created");
          navigate("remediation", [accepted.id]);
        } catch (error) {
          fill(planBox, problem(error));
          planButton.disabled = false;
        }
      },
    },
  });

  function row(finding) {
    const name = finding.address || finding.id || finding.type;
    const detailsId = `finding-${finding.index}`;
    const toggle = h("button.secondary", {
      type: "button",
      text: "Details",
      "aria-expanded": "false",
      "aria-controls": detailsId,
      "aria-label": `Details of ${name}`,
    });
    const strategyPicker = finding.options.length
      ? select("strategy", [["", "default"], ...finding.options], chosen.get(finding.address || finding.id) || "")
      : null;
    if (strategyPicker) {
      strategyPicker.addEventListener("change", () => {
        const key = finding.address || finding.id;
        if (strategyPicker.value) chosen.set(key, strategyPicker.value);
        else chosen.delete(key);
        planButton.textContent = chosen.size ? `Plan remediation (${chosen.size} chosen)` : "Plan remediation";
      });
    }
    const detail = h(
      "tr.detail",
      { id: detailsId, hidden: true },
      h(
        "td",
        { colSpan: 8 },
        changesGrid(finding),
        finding.reason ? h("p", {}, h("strong", { text: "Why: " }), finding.reason) : null,
        finding.import_id ? h("p", {}, "Import id: ", h("code", { text: finding.import_id })) : null,
        finding.cloud ? h("p", {}, "Cloud object: ", h("code", { text: `${finding.cloud.type} ${finding.cloud.id}` })) : null,
        strategyPicker ? field(`Remediation for ${name}`, strategyPicker, `options: ${finding.options.join(", ")}`) : h("p.muted", { text: "No remediation applies." }),
      ),
    );
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      detail.hidden = open;
    });
    const main = h(
      "tr",
      { dataset: { kind: finding.kind, index: finding.index } },
      h("td", {}, badge(finding.kind)),
      h("td", {}, badge(finding.severity)),
      h("td", {}, h("code", { text: name })),
      h("td", { text: finding.type }),
      h("td", { text: [finding.provider, finding.account].filter(Boolean).join(" · ") }),
      h("td", { text: finding.region || "—" }),
      h("td", { text: finding.kind === "modified" ? String(finding.changes.length) : finding.options.join(", ") || "—" }),
      h("td", {}, toggle),
    );
    return [main, detail];
  }

  function remember() {
    const search = new URLSearchParams(
      Object.entries({ ...filters, offset: offset || "" }).filter(([, v]) => v !== ""),
    ).toString();
    // replaceState: the address follows the view without a new render or history entry.
    history.replaceState(null, "", `#/drift/${encodeURIComponent(runId)}${search ? `?${search}` : ""}`);
  }

  async function load(prefetched) {
    if (!prefetched) remember();
    main.dataset.busy = "1";
    try {
      const page = prefetched ? await prefetched : await findings(runId, filters, offset);
      if (page instanceof Error) throw page;
      if (!ctx.isCurrent()) return;
      drawFilters(page.facets);
      const first = page.total ? page.offset + 1 : 0;
      const last = page.offset + page.items.length;
      const status = `Showing ${first}–${last} of ${page.total} findings`;
      const previous = h("button.secondary", { type: "button", text: "Previous", disabled: page.offset === 0 });
      const next = h("button.secondary", { type: "button", text: "Next", disabled: last >= page.total });
      previous.addEventListener("click", () => {
        offset = Math.max(0, offset - PAGE_SIZE);
        load();
      });
      next.addEventListener("click", () => {
        offset += PAGE_SIZE;
        load();
      });
      const pager = h("div.pager", {}, previous, h("span", { role: "status", text: status }), next);
      if (!page.items.length) {
        fill(listBox, pager, h("p.empty", { text: page.total === 0 && !Object.values(filters).some(Boolean) ? "No drift: every observed resource matches its state." : "No finding matches these filters." }));
        return;
      }
      fill(
        listBox,
        pager,
        h(
          "table",
          { id: "findings-table" },
          h("caption", { text: `Findings of run ${shortId(runId)}` }),
          h("thead", {}, h("tr", {}, ["Kind", "Severity", "Resource", "Type", "Provider · account", "Region", "Changes / options", "More"].map((t) => h("th", { scope: "col", text: t })))),
          h("tbody", {}, page.items.map(row)),
        ),
      );
    } catch (error) {
      fill(listBox, problem(error));
    } finally {
      delete main.dataset.busy;
    }
  }

  let drawn = false;
  function drawFilters(facets) {
    if (drawn) return;
    drawn = true;
    const controls = FILTERS.map(([key, label]) => {
      const control = select(key, facetOptions(facets[key], label), filters[key]);
      control.addEventListener("change", () => {
        filters[key] = control.value;
        offset = 0;
        load();
      });
      return field(label, control);
    });
    const search = h("input", { type: "search", name: "q", value: filters.q });
    search.addEventListener("change", () => {
      filters.q = search.value.trim();
      offset = 0;
      load();
    });
    fill(filterBox, controls, field("Search", search, "address, id or type"));
  }

  const summary = run.summary;
  fill(
    main,
    heading("Drift Viewer", planButton),
    field("Drift run", runPicker),
    h(
      "dl.facts",
      {},
      h("dt", { text: "Status" }),
      h("dd", {}, badge(run.status)),
      h("dt", { text: "Requested" }),
      h("dd", {}, time(run.requested_at), ` by ${run.requested_by}`),
      h("dt", { text: "Scope" }),
      h("dd", { text: `${(run.providers || [run.provider]).join(", ")} · ${run.regions.length ? run.regions.join(", ") : "every enabled region"}` }),
      summary ? h("dt", { text: "Summary" }) : null,
      summary
        ? h("dd", { text: `${summary.managed} managed, ${summary.in_sync} in sync, ${summary.modified} modified, ${summary.missing} missing, ${summary.unmanaged} unmanaged, ${summary.unobserved} unobserved; compliance ${summary.compliance_score}%` })
        : null,
      run.error ? h("dt", { text: "Error" }) : null,
      run.error ? h("dd", { text: run.error }) : null,
    ),
    planBox,
    h("h2", { text: "Findings" }),
    filterBox,
    listBox,
  );
  if (run.status === "requested" || run.status === "running") {
    listBox.append(h("p.muted", { text: `This run is ${run.status}: its findings appear once it completes.` }));
    // Followed live: the page shows the report as soon as the run ends.
    return ctx.live.subscribe((event) => {
      if (event.aggregate_id === runId && ["Completed", "Failed", "Cancelled"].includes(event.event_type)) {
        navigate("drift", [runId], { ...filters, at: event.position });
      }
    });
  }
  if (run.status !== "completed") {
    listBox.append(h("p.muted", { text: `This run is ${run.status}: it has no findings.` }));
    return;
  }
  await load(firstPage);
}

function findings(runId, filters, offset) {
  return get(`/api/v1/drift-runs/${encodeURIComponent(runId)}/findings`, { ...filters, offset, limit: PAGE_SIZE });
}
