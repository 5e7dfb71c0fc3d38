// Remediation: plans, a plan's preview, approve or reject (with a reason), apply, roll
// back, and the plan's timeline from its events. Buttons follow the token's permissions;
// the server decides anyway (an approver cannot approve their own plan, for one).

import { get, post } from "../api.js";
import { ago, announce, badge, field, fill, h, heading, problem, shortId, table, time } from "../dom.js";

function plansTable(plans) {
  return table(
    "Remediation plans, newest first",
    [
      { label: "Plan", cell: (p) => h("a", { href: `#/remediation/${p.id}`, text: shortId(p.id) }) },
      { label: "Status", cell: (p) => badge(p.status) },
      { label: "Drift run", cell: (p) => h("a", { href: `#/drift/${p.drift_run_id}`, text: shortId(p.drift_run_id) }) },
      { label: "Actions", cell: (p) => String(p.action_count) },
      { label: "Approval", cell: (p) => (p.requires_approval ? "required" : "not required") },
      { label: "Planned", cell: (p) => [ago(p.planned_at), ` by ${p.planned_by}`] },
      { label: "Decided by", cell: (p) => p.decided_by || "—" },
    ],
    plans,
    { empty: "none yet: plan one from a drift run in the Drift Viewer." },
  );
}

function actionsTable(plan) {
  return table(
    "Actions",
    [
      { label: "#", cell: (a) => String(a.index) },
      { label: "Strategy", cell: (a) => badge(a.strategy, "strategy") },
      { label: "Resource", cell: (a) => h("code", { text: a.address || `${a.target?.type} ${a.target?.id}` }) },
      { label: "Steps", cell: (a) => h("ol", {}, (a.steps || []).map((s) => h("li", { text: s }))) },
      { label: "Outcome", cell: (a) => (a.outcome ? [badge(a.outcome.status), a.outcome.reason ? ` ${a.outcome.reason}` : ""] : "—") },
      { label: "Rollback", cell: (a) => (a.rollback ? [badge(a.rollback.status), a.rollback.reason ? ` ${a.rollback.reason}` : ""] : "—") },
    ],
    plan.actions,
    { empty: "no action: nothing in this run needs one." },
  );
}

async function showPlan(ctx, planId) {
  const { main, can, live } = ctx;
  const messages = h("div", { role: "status" });
  const body = h("div");
  let plan = null;

  async function act(path, payload, what) {
    fill(messages);
    try {
      const accepted = await post(`/api/v1/remediation-plans/${encodeURIComponent(planId)}/${path}`, payload);
      announce(`${what}: done`);
      await load(accepted.position);
      fill(messages, h("p.ok-note", { text: `${what}: recorded.` }));
    } catch (error) {
      fill(messages, problem(error));
    }
  }

  function decisionForm() {
    const status = plan.status;
    const parts = [];
    if (status === "planned" && plan.requires_approval && can("approve")) {
      const reason = h("textarea", { name: "reason", rows: 2, cols: 50 });
      parts.push(
        h(
          "form.filters",
          { "aria-label": "Decide on this plan", on: { submit: (e) => e.preventDefault() } },
          h("h2", { text: "Decision" }),
          field("Reason (required to reject)", reason),
          h("div.actions", {},
            h("button", { type: "button", text: "Approve", on: { click: () => act("approve", { reason: reason.value.trim() || null }, "Approved") } }),
            " ",
            h("button.danger", {
              type: "button",
              text: "Reject",
              on: {
                click: () => {
                  if (!reason.value.trim()) {
                    fill(messages, problem("Say why the plan is rejected: the reason goes into the audit log."));
                    reason.focus();
                    return;
                  }
                  act("reject", { reason: reason.value.trim() }, "Rejected");
                },
              },
            }),
          ),
        ),
      );
    }
    if (can("command") && (status === "approved" || (status === "planned" && !plan.requires_approval))) {
      const keepGoing = h("input", { type: "checkbox", name: "continue_on_error" });
      parts.push(
        h("div.filters", {},
          h("h2", { text: "Apply" }),
          h("label", {}, keepGoing, " continue with the other actions when one fails"),
          " ",
          h("button", { type: "button", text: "Apply", on: { click: () => act("apply", { continue_on_error: keepGoing.checked }, "Apply requested") } }),
        ),
      );
    }
    // Something to undo: a plan applied, or one that failed after changing something.
    const changed = plan.actions.some((a) => a.outcome?.status === "applied" && a.rollback?.status !== "rolled_back");
    if (can("command") && (status === "applied" || (["failed", "rollback_failed"].includes(status) && changed))) {
      const acknowledge = h("input", { type: "checkbox", name: "acknowledge_irreversible" });
      parts.push(
        h("div.filters", {},
          h("h2", { text: "Roll back" }),
          h("label", {}, acknowledge, " I know some actions cannot be undone (deleted objects stay deleted)"),
          " ",
          h("button.danger", { type: "button", text: "Roll back", on: { click: () => act("rollback", { acknowledge_irreversible: acknowledge.checked }, "Rollback requested") } }),
        ),
      );
    }
    return parts;
  }

  async function load(minPosition) {
    plan = await get(`/api/v1/remediation-plans/${encodeURIComponent(planId)}`, minPosition ? { min_position: minPosition } : {});
    if (!ctx.isCurrent()) return;
    fill(
      body,
      h(
        "dl.facts",
        {},
        h("dt", { text: "Status" }),
        h("dd", { dataset: { status: plan.status } }, badge(plan.status)),
        h("dt", { text: "Drift run" }),
        h("dd", {}, h("a", { href: `#/drift/${plan.drift_run_id}`, text: plan.drift_run_id })),
        h("dt", { text: "Planned" }),
        h("dd", {}, time(plan.planned_at), ` by ${plan.planned_by}`),
        h("dt", { text: "Approval" }),
        h("dd", { text: plan.requires_approval ? "required (by someone other than the planner)" : "not required" }),
        plan.decided_by ? h("dt", { text: "Decided" }) : null,
        plan.decided_by ? h("dd", {}, `${plan.decided_by}, `, time(plan.decided_at), plan.decision_reason ? `: ${plan.decision_reason}` : "") : null,
        plan.run_error ? h("dt", { text: "Error" }) : null,
        plan.run_error ? h("dd", { text: plan.run_error }) : null,
      ),
      decisionForm(),
      h("h2", { text: "Preview" }),
      h("pre", { tabIndex: 0, "aria-label": "Preview of the plan's steps", text: plan.preview.join("\n") || "(nothing to do)" }),
      h("h2", { text: "Actions" }),
      actionsTable(plan),
      h("h2", { text: "Timeline" }),
      h(
        "ol.timeline",
        { "aria-label": "Timeline" },
        plan.timeline.map((e) => h("li", {}, time(e.at), ` · ${e.actor} · `, h("strong", { text: e.event }), ` — ${e.summary}`)),
      ),
    );
  }

  fill(main, heading(`Remediation plan ${shortId(planId)}`, h("a", { href: "#/remediation", text: "All plans" })), messages, body);
  await load();
  return live.subscribe((event) => {
    if (event.aggregate_id === planId || (plan && event.aggregate_id === plan.run_id)) {
      load(event.position).catch(() => {});
    }
  });
}

export async function render(ctx) {
  const { main, args, query, live } = ctx;
  if (args[0]) return showPlan(ctx, args[0]);
  const status = query.get("status") || "";
  const list = h("div");
  async function load(minPosition) {
    const plans = await get("/api/v1/remediation-plans", { limit: 200, status, min_position: minPosition });
    if (ctx.isCurrent()) fill(list, plansTable(plans));
  }
  fill(main, heading("Remediation"), list);
  await load();
  return live.subscribe((event) => {
    if (event.aggregate_type === "RemediationPlan") load(event.position).catch(() => {});
  });
}
