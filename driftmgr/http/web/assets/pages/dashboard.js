// Dashboard: the latest coverage and drift, drift over time, recent runs, and jobs in
// progress, kept current by the live event stream.

import { get, post } from "../api.js";
import { ago, announce, badge, fill, h, heading, problem, shortId, table, time } from "../dom.js";

const ACTIVE = ["requested", "running", "retrying", "cancelling"];
const KINDS = [
  ["modified", "#b45309"],
  ["missing", "#b91c1c"],
  ["unmanaged", "#1d4ed8"],
];
const PROGRESS_EVENTS = new Set(["ServiceScanned", "ServiceUnobserved"]);
const REFRESH_EVENTS = new Set([
  "Requested", "Started", "Completed", "Failed", "Cancelled", "Requeued",
  "Planned", "Approved", "Rejected", "ApplyRequested", "ApplyFinished",
]);

function percent(value) {
  return `${Math.round(value * 10) / 10}%`;
}

function cards(run) {
  if (!run?.summary) return h("p.empty", { text: "No drift run has completed yet." });
  const s = run.summary;
  const card = (label, value, name) =>
    h("div.card", { dataset: { metric: name } }, h("span.value", { text: value }), h("span.label", { text: label }));
  return h(
    "section",
    { "aria-labelledby": "latest-h" },
    h("h2", { id: "latest-h" }, "Latest check ", h("a", { href: `#/drift/${run.id}`, text: `(run ${shortId(run.id)})` }), " ", ago(run.completed_at)),
    h(
      "div.cards",
      {},
      card("coverage (managed / all)", percent(s.coverage), "coverage"),
      card("compliance score", percent(s.compliance_score), "compliance"),
      card("in sync", s.in_sync, "in_sync"),
      card("modified", s.modified, "modified"),
      card("missing", s.missing, "missing"),
      card("unmanaged", s.unmanaged, "unmanaged"),
      card("unobserved", s.unobserved, "unobserved"),
    ),
  );
}

/** Drift over time: a bar per completed run (oldest left), stacked by kind. */
function chart(runs) {
  const done = runs.filter((r) => r.summary).slice(0, 30).reverse();
  const section = h("section.chart", { "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h", text: "Coverage and drift over time" }));
  if (!done.length) {
    section.append(h("p.empty", { text: "No completed runs yet." }));
    return section;
  }
  const width = 720;
  const height = 180;
  const pad = 28;
  const max = Math.max(1, ...done.map((r) => KINDS.reduce((n, [k]) => n + r.summary[k], 0)));
  const slot = Math.min(48, (width - pad) / done.length);
  const svgNS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Findings per run for the last ${done.length} completed runs; the table below has the figures`);
  const el = (name, attrs, text) => {
    const node = document.createElementNS(svgNS, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  svg.append(el("line", { x1: pad, y1: height, x2: width, y2: height, stroke: "#4a5260" }));
  svg.append(el("text", { x: 0, y: 12, "font-size": 11, fill: "#1b1f24" }, String(max)));
  svg.append(el("text", { x: 0, y: height, "font-size": 11, fill: "#1b1f24" }, "0"));
  // Coverage has its own scale, on the right: 0 to 100 %.
  svg.append(el("text", { x: width, y: 12, "font-size": 11, fill: "#1b1f24", "text-anchor": "end" }, "100 %"));
  svg.append(el("text", { x: width, y: height - 2, "font-size": 11, fill: "#1b1f24", "text-anchor": "end" }, "0 %"));
  done.forEach((run, i) => {
    let y = height;
    for (const [kind, colour] of KINDS) {
      const value = run.summary[kind];
      if (!value) continue;
      const barHeight = (value / max) * (height - 10);
      y -= barHeight;
      const rect = el("rect", { x: pad + i * slot + 2, y, width: Math.max(2, slot - 4), height: barHeight, fill: colour });
      rect.append(el("title", {}, `${kind}: ${value} (${new Date(run.completed_at).toLocaleString()})`));
      svg.append(rect);
    }
  });
  // Coverage (0–100 %) as a line over the bars.
  const points = done.map((run, i) => `${pad + i * slot + slot / 2},${height - (run.summary.coverage / 100) * (height - 10)}`);
  svg.append(el("polyline", { points: points.join(" "), fill: "none", stroke: "#1b1f24", "stroke-width": 2, "stroke-dasharray": "4 3" }));
  done.forEach((run, i) => {
    const dot = el("circle", { cx: pad + i * slot + slot / 2, cy: height - (run.summary.coverage / 100) * (height - 10), r: 3, fill: "#1b1f24" });
    dot.append(el("title", {}, `coverage ${percent(run.summary.coverage)}`));
    svg.append(dot);
  });
  const legend = h(
    "div.legend",
    {},
    h("span", { text: "Findings per run (left scale):" }),
    KINDS.map(([kind]) => h("span", {}, h("span.swatch", { class: `sw-${kind}` }), kind)),
    h("span", {}, h("span.swatch", { class: "sw-coverage" }), "coverage (dashed line, right scale)"),
  );
  const figures = h(
    "details",
    {},
    h("summary", { text: "Figures" }),
    table(
      "Findings per completed run",
      [
        { label: "Completed", cell: (r) => time(r.completed_at) },
        ...KINDS.map(([k]) => ({ label: k, cell: (r) => String(r.summary[k]) })),
        { label: "Coverage", cell: (r) => percent(r.summary.coverage) },
      ],
      [...done].reverse(),
    ),
  );
  section.append(h("div", {}, svg), legend, figures);
  return section;
}

function runsTable(runs) {
  return table(
    "Recent drift runs",
    [
      { label: "Run", cell: (r) => h("a", { href: `#/drift/${r.id}`, text: shortId(r.id) }) },
      { label: "Status", cell: (r) => badge(r.status) },
      { label: "Requested", cell: (r) => ago(r.requested_at) },
      { label: "By", cell: (r) => r.requested_by },
      { label: "Providers", cell: (r) => (r.providers || [r.provider]).join(", ") },
      { label: "Regions", cell: (r) => (r.regions.length ? r.regions.join(", ") : "all enabled") },
      {
        label: "Findings",
        cell: (r) =>
          r.summary
            ? `${r.summary.modified} modified, ${r.summary.missing} missing, ${r.summary.unmanaged} unmanaged, ${r.summary.unobserved} unobserved`
            : r.error || "—",
      },
    ],
    runs.slice(0, 10),
    { empty: "none yet." },
  );
}

export async function render(ctx) {
  const { main, live, can } = ctx;
  const progress = new Map(); // drift run id → {scanned, expected}
  const discoveries = new Map(); // discovery run id → drift run id
  const runsBox = h("div");
  const jobsBox = h("section", { "aria-labelledby": "jobs-h" });
  const top = h("div");
  let latest = null;

  const again = h("button", {
    type: "button",
    text: "Check drift again",
    hidden: !can("command"),
    on: {
      click: async () => {
        again.disabled = true;
        try {
          const scope = latest && { state_ids: latest.state_ids, regions: latest.regions, providers: latest.providers };
          const accepted = await post("/api/v1/drift-runs", scope || {});
          announce(`Drift run ${shortId(accepted.id)} requested`);
          await refresh(accepted.position);
        } catch (error) {
          top.prepend(problem(error));
        } finally {
          again.disabled = false;
        }
      },
    },
  });

  function jobsTable(jobs) {
    const active = jobs.filter((j) => ACTIVE.includes(j.status));
    fill(
      jobsBox,
      h("h2", { id: "jobs-h", text: "Jobs in progress" }),
      table(
        "Jobs in progress",
        [
          { label: "Job", cell: (j) => (j.kind === "DriftRun" ? h("a", { href: `#/drift/${j.id}`, text: shortId(j.id) }) : shortId(j.id)) },
          { label: "Kind", cell: (j) => j.kind },
          { label: "Status", cell: (j) => badge(j.status) },
          { label: "Attempt", cell: (j) => String(j.attempt) },
          { label: "Worker", cell: (j) => j.worker || "—" },
          {
            label: "Progress",
            cell: (j) => {
              const p = progress.get(j.id);
              if (!p) return h("span.muted", { text: j.status === "requested" ? "waiting for a worker" : "started" });
              const label = p.expected ? `${p.scanned} of ${p.expected} services scanned` : `${p.scanned} services scanned`;
              const bar = h("progress", { max: p.expected || p.scanned || 1, value: p.scanned, "aria-label": label });
              return h("span", { dataset: { progress: j.id } }, bar, " ", label);
            },
          },
          { label: "Since", cell: (j) => ago(j.updated_at) },
        ],
        active,
        { empty: "none: every job has finished." },
      ),
    );
  }

  let lastJobs = [];
  async function refresh(minPosition) {
    const params = minPosition ? { min_position: minPosition } : {};
    const [runs, jobs, waiting] = await Promise.all([
      get("/api/v1/drift-runs", { limit: 50, ...params }),
      get("/api/v1/jobs", { limit: 100, ...params }),
      get("/api/v1/remediation-plans", { status: "planned", limit: 200, ...params }),
    ]);
    if (!ctx.isCurrent()) return;
    latest = runs.find((r) => r.status === "completed") || null;
    lastJobs = jobs;
    const approvals = waiting.filter((p) => p.requires_approval);
    const waitingNote = approvals.length
      ? h("p.notice", { dataset: { waiting: approvals.length } },
          h("a", { href: "#/remediation?status=planned", text: `${approvals.length} remediation plan${approvals.length === 1 ? "" : "s"} waiting for approval` }))
      : null;
    fill(top, waitingNote, cards(latest), chart(runs));
    fill(runsBox, h("h2", { text: "Recent runs" }), runsTable(runs));
    jobsTable(jobs);
  }

  fill(main, heading("Dashboard", again), top, jobsBox, runsBox);
  await refresh();

  let pending = null;
  const unsubscribe = live.subscribe((event) => {
    const d = event.data || {};
    if (event.aggregate_type === "DiscoveryRun" && event.event_type === "Requested" && d.drift_run_id) {
      discoveries.set(event.aggregate_id, d.drift_run_id);
      const types = (d.resource_types || []).length;
      const regions = (d.regions || []).length;
      const entry = progress.get(d.drift_run_id) || { scanned: 0, expected: 0 };
      entry.expected += types && regions ? types * regions : 0;
      progress.set(d.drift_run_id, entry);
    }
    if (event.aggregate_type === "DiscoveryRun" && PROGRESS_EVENTS.has(event.event_type)) {
      const runId = discoveries.get(event.aggregate_id) || event.aggregate_id;
      const entry = progress.get(runId) || { scanned: 0, expected: 0 };
      entry.scanned += 1;
      progress.set(runId, entry);
      jobsTable(lastJobs);
    }
    if (REFRESH_EVENTS.has(event.event_type) && !pending) {
      // Several events arrive together: one refresh for the lot.
      pending = setTimeout(() => {
        pending = null;
        refresh(live.seen()).catch(() => {});
      }, 150);
    }
  });
  return () => {
    unsubscribe();
    if (pending) clearTimeout(pending);
  };
}
