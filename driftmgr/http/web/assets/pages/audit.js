// Audit: who did what, when, read from the event log itself, newest first; and the server's
// check of the log's hash chain. The API pages newest first before a log position (before,
// next) and oldest first after one (after, next).

import { ApiError, get } from "../api.js";
import { announce, badge, field, fill, h, heading, problem, select, shortId, table, time } from "../dom.js";

const PAGE_SIZE = 50;
const NEEDS_AUDIT =
  "This page needs the audit permission: ask an admin for a token with the auditor or admin role (driftmgr token create --role auditor).";

/** Names the filters accept, from the API's own schema; free text when it cannot be read. */
async function knownNames() {
  try {
    const schema = await get("/schema/openapi.json");
    const params = schema.paths["/api/v1/audit/events"].get.parameters;
    const names = (key) => (params.find((p) => p.name === key)?.schema?.enum || []).filter((v) => typeof v === "string");
    return { aggregate_type: names("aggregate_type"), event_type: names("event_type") };
  } catch {
    return { aggregate_type: [], event_type: [] };
  }
}

/** An ISO time from a datetime-local value (the reader's local time). */
function isoOf(local) {
  if (!local) return "";
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/**
 * The `size` newest events before position `before` (exclusive) that match the filters,
 * newest first, and whether older ones exist (one more is asked for, to know).
 */
async function pageBefore(filters, before, size) {
  const found = [];
  let cursor = before;
  for (;;) {
    const page = await get("/api/v1/audit/events", { ...filters, before: cursor, limit: size + 1 - found.length });
    found.push(...page.events);
    if (found.length > size) return { events: found.slice(0, size), older: true };
    if (page.next === null || page.next === undefined) return { events: found, older: false };
    cursor = page.next; // a page cut short by the server's scan budget: read on
  }
}

/** The `size` oldest events after position `after` that match the filters, and whether newer exist. */
async function pageAfter(filters, after, size) {
  const found = [];
  let cursor = after;
  for (;;) {
    const page = await get("/api/v1/audit/events", { ...filters, after: cursor, limit: size - found.length });
    found.push(...page.events);
    if (page.next === null || page.next === undefined) return { events: found, newer: false };
    if (found.length >= size) return { events: found, newer: true };
    cursor = page.next; // a page cut short by the server's scan budget: read on
  }
}

export async function render(ctx) {
  const { main } = ctx;
  if (!ctx.can("audit")) {
    // Asking would only be refused: say why without the round trip.
    fill(main, heading("Audit"), problem(NEEDS_AUDIT));
    return undefined;
  }
  const names = await knownNames();
  const filters = { actor: "", aggregate_type: "", event_type: "", since: "", until: "" };
  const controls = {
    actor: h("input", { type: "text", name: "actor", autocomplete: "off", spellcheck: "false" }),
    aggregate_type: names.aggregate_type.length
      ? select("aggregate_type", [["", "any"], ...names.aggregate_type], "")
      : h("input", { type: "text", name: "aggregate_type", autocomplete: "off" }),
    event_type: names.event_type.length
      ? select("event_type", [["", "any"], ...names.event_type], "")
      : h("input", { type: "text", name: "event_type", autocomplete: "off" }),
    since: h("input", { type: "datetime-local", name: "since", step: 1 }),
    until: h("input", { type: "datetime-local", name: "until", step: 1 }),
  };
  const listBox = h("div", { id: "audit-events" });
  const notice = h("p.notice", { hidden: true });
  let shown = { events: [], older: false, newer: false };

  const query = () => ({
    actor: filters.actor,
    aggregate_type: filters.aggregate_type,
    event_type: filters.event_type,
    since: isoOf(filters.since),
    until: isoOf(filters.until),
  });

  const latest = async () => {
    const head = (await get("/healthz")).log_position;
    const { events, older } = await pageBefore(query(), head + 1, PAGE_SIZE);
    return { events, older, newer: false };
  };

  const show = (page) => {
    shown = page;
    const { events } = page;
    const range = events.length
      ? `Positions ${events[events.length - 1].position}–${events[0].position}, newest first`
      : "No event matches";
    fill(
      listBox,
      h(
        "div.pager",
        {},
        h("span.range", { text: `${range}.` }),
        h("button.secondary", { type: "button", text: "Newer", disabled: !page.newer, on: { click: () => move("newer") } }),
        h("button.secondary", { type: "button", text: "Older", disabled: !page.older, on: { click: () => move("older") } }),
      ),
      table(
        "Audit events",
        [
          { label: "Position", cell: (e) => String(e.position) },
          { label: "Time", cell: (e) => time(e.time) },
          { label: "Actor", cell: (e) => e.actor },
          {
            label: "Aggregate",
            cell: (e) => [e.aggregate_type, " ", h("code", { title: e.aggregate_id, text: shortId(e.aggregate_id) })],
          },
          { label: "Event", cell: (e) => h("code", { text: e.event_type }) },
          {
            label: "Summary",
            cell: (e) =>
              h(
                "details.payload",
                {},
                h("summary", { text: e.summary }),
                h("pre", { tabindex: 0, text: JSON.stringify(e.payload, null, 2) }),
                e.correlation_id ? h("p.muted", {}, "Correlation ", h("code", { text: e.correlation_id })) : null,
              ),
          },
        ],
        events,
        { empty: "no recorded event matches these filters." },
      ),
    );
  };

  const run = async (work) => {
    main.dataset.busy = "1";
    try {
      const page = await work();
      if (!ctx.isCurrent()) return;
      if (page) {
        show(page);
        announce(listBox.querySelector(".range")?.textContent || "");
      }
    } catch (error) {
      fill(listBox, problem(error instanceof ApiError && error.status === 403 ? NEEDS_AUDIT : error));
    } finally {
      delete main.dataset.busy;
    }
  };

  async function move(direction) {
    await run(async () => {
      const { events } = shown;
      if (!events.length) return latest();
      if (direction === "older") {
        const { events: older, older: more } = await pageBefore(query(), events[events.length - 1].position, PAGE_SIZE);
        return { events: older, older: more, newer: true };
      }
      const { events: newer, newer: more } = await pageAfter(query(), events[0].position, PAGE_SIZE);
      if (!newer.length) {
        announce("No newer event.");
        return { ...shown, newer: false };
      }
      return { events: newer.reverse(), older: true, newer: more };
    });
  }

  const form = h(
    "form.filters",
    {
      role: "search",
      "aria-label": "Filter audit events",
      on: {
        submit: async (event) => {
          event.preventDefault();
          for (const key of Object.keys(filters)) filters[key] = controls[key].value.trim();
          notice.hidden = true;
          await run(latest);
        },
      },
    },
    field("Actor", controls.actor, "token:NAME, user@example.com"),
    field("Aggregate type", controls.aggregate_type),
    field("Event type", controls.event_type),
    field("Since", controls.since, "your local time"),
    field("Until", controls.until, "your local time"),
    h("div.field.buttons", {}, h("button", { type: "submit", text: "Apply filters" })),
  );

  try {
    show(await latest());
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      fill(main, heading("Audit"), problem(NEEDS_AUDIT));
      return undefined;
    }
    fill(listBox, problem(error));
  }
  fill(
    main,
    heading("Audit"),
    h("p.muted", { text: "Every change driftmgr records, with who made it: read from the event log itself, secrets hidden." }),
    form,
    notice,
    h("section", { "aria-labelledby": "events-h" }, h("h2", { id: "events-h", text: "Events" }), listBox),
    verifySection(ctx),
  );

  return ctx.live.subscribe(() => {
    // New events never shift the page being read; the reader asks for them.
    if (!ctx.isCurrent() || shown.newer) return;
    fill(
      notice,
      "New events were recorded since this page was read. ",
      h("button.secondary", {
        type: "button",
        text: "Show the newest",
        on: {
          click: async () => {
            notice.hidden = true;
            await run(latest);
          },
        },
      }),
    );
    notice.hidden = false;
  });
}

function verifySection(ctx) {
  const result = h("div");
  const button = h("button", {
    type: "button",
    text: "Verify the log",
    on: {
      click: async () => {
        button.disabled = true;
        ctx.main.dataset.busy = "1";
        fill(result, h("p.loading", { text: "Reading the whole log…" }));
        try {
          const verdict = await get("/api/v1/audit/verify");
          if (!ctx.isCurrent()) return;
          fill(result, verdictView(verdict));
          announce(verdict.ok ? `The log is intact: ${verdict.events} events verified.` : `The log is broken at position ${verdict.broken_at}.`);
        } catch (error) {
          fill(result, problem(error instanceof ApiError && error.status === 403 ? NEEDS_AUDIT : error));
        } finally {
          button.disabled = false;
          delete ctx.main.dataset.busy;
        }
      },
    },
  });
  return h(
    "section",
    { "aria-labelledby": "verify-h" },
    h("h2", { id: "verify-h", text: "Verify" }),
    h(
      "p",
      {},
      "The server checks its event log's hash chain and signed checkpoints. A server whose store was tampered with may be tampered with too: the independent check is ",
      h("code", { text: "driftmgr audit verify" }),
      ", run on the store itself.",
    ),
    button,
    result,
  );
}

function verdictView(v) {
  return [
    v.ok
      ? h("p.ok-note", {}, badge("ok"), ` The log is intact: ${v.events} events verified.`)
      : h("p.problem", {}, badge("broken"), ` The log is broken at position ${v.broken_at ?? "?"}: ${v.problem ?? "unknown problem"}.`),
    h(
      "dl.facts.verdict",
      {},
      [
        ["Verdict", v.ok ? "ok" : "broken"],
        ["Events verified", String(v.events)],
        ["Head position", v.head_position?.toString()],
        ["Head hash (SHA-256)", v.head_hash ? h("code", { text: v.head_hash }) : null],
        ["Last signed checkpoint", v.last_checkpoint?.toString() ?? "none yet"],
        ["Signatures checked", v.signatures_checked ? "yes" : "no (no audit key)"],
        ["Broken at", v.broken_at?.toString()],
        ["Problem", v.problem],
        ["Detail", v.detail],
        ["Checked", time(v.checked_at)],
      ].map(([label, value]) => [h("dt", { text: label }), h("dd", {}, value ?? "—")]),
    ),
  ];
}
