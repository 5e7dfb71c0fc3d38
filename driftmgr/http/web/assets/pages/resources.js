// Resource Manager: the inventory cache (what discovery last saw in the cloud), filtered and
// paged by the server, since an account can hold far more resources than a page should.
// The filters live in the URL's query (replaced, not navigated: no reload), so a filtered
// view can be bookmarked and shared.

import { get } from "../api.js";
import { announce, field, fill, h, heading, problem, table } from "../dom.js";

const PAGE_SIZE = 100;
const FILTERS = [
  ["provider", "Provider", "aws, azurerm, google or digitalocean"],
  ["type", "Type", "A Terraform type: aws_instance"],
  ["region", "Region", "us-east-1, or global"],
  ["tag", "Tag", "Key=Value"],
];

/** 10800 → "3 h": how long ago discovery saw the resource. */
export function age(seconds) {
  const s = Math.max(0, Number(seconds) || 0);
  if (s >= 86400) return `${Math.floor(s / 86400)} d`;
  if (s >= 3600) return `${Math.floor(s / 3600)} h`;
  if (s >= 60) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s)} s`;
}

/** A resource's tags (AWS tags or tags_all, GCP labels) as [key, value] pairs. */
export function tagsOf(attributes) {
  for (const name of ["tags", "tags_all", "labels"]) {
    const value = attributes?.[name];
    if (Array.isArray(value)) {
      // The AWS APIs' own shape: [{Key, Value}].
      const pairs = value
        .filter((t) => t && typeof t === "object")
        .map((t) => [t.Key ?? t.key, t.Value ?? t.value])
        .filter(([k]) => k !== undefined);
      if (pairs.length) return pairs;
    } else if (value && typeof value === "object" && Object.keys(value).length) {
      return Object.entries(value);
    }
  }
  return [];
}

function tagChips(attributes) {
  const pairs = tagsOf(attributes);
  if (!pairs.length) return h("span.null", { text: "none" });
  return h(
    "ul.chips",
    { "aria-label": "Tags" },
    pairs.map(([k, v]) => h("li.chip", { text: `${k}=${typeof v === "string" ? v : JSON.stringify(v)}` })),
  );
}

export async function render(ctx) {
  const { main, query } = ctx;
  const filters = Object.fromEntries(FILTERS.map(([key]) => [key, query.get(key) || ""]));
  let offset = Math.max(0, Number(query.get("offset")) || 0);

  const inputs = Object.fromEntries(
    FILTERS.map(([key]) => [key, h("input", { type: "text", name: key, value: filters[key], autocomplete: "off", spellcheck: "false" })]),
  );
  // Suggestions from what this server scans: its providers and their types.
  const scanned = await get("/api/v1/providers");
  const suggestions = {
    provider: Object.keys(scanned),
    type: Object.values(scanned).flatMap((p) => p.types),
  };
  const lists = Object.entries(suggestions).map(([key, values]) => {
    const list = h("datalist", { id: `resources-${key}-list` }, values.map((value) => h("option", { value })));
    inputs[key].setAttribute("list", list.id);
    return list;
  });
  const listBox = h("div", { id: "inventory" });

  const remember = () => {
    // The URL names the view (bookmarkable) without a hashchange, which would render anew.
    const params = new URLSearchParams(Object.entries({ ...filters, offset: offset || "" }).filter(([, v]) => v !== ""));
    const search = params.toString();
    history.replaceState(null, "", `#/resources${search ? `?${search}` : ""}`);
  };

  const load = async () => {
    const answer = await get("/api/v1/resources", { ...filters, limit: PAGE_SIZE, offset });
    if (!ctx.isCurrent()) return;
    if (offset > 0 && !answer.resources.length && answer.total > 0) {
      // The inventory shrank under this page: go to its last page.
      offset = Math.floor((answer.total - 1) / PAGE_SIZE) * PAGE_SIZE;
      await load();
      return;
    }
    showPage(answer);
  };

  const update = async () => {
    main.dataset.busy = "1";
    try {
      remember();
      await load();
    } catch (error) {
      fill(listBox, problem(error));
    } finally {
      delete main.dataset.busy;
    }
  };

  const pageButton = (text, to, disabled) =>
    h("button.secondary", {
      type: "button",
      text,
      disabled,
      on: {
        click: async () => {
          offset = to;
          await update();
          announce(listBox.querySelector(".range")?.textContent || "");
        },
      },
    });

  function showPage({ resources, total }) {
    const first = total ? offset + 1 : 0;
    const last = offset + resources.length;
    const range = `Showing ${first}–${last} of ${total}`;
    fill(
      listBox,
      h(
        "div.pager",
        {},
        h("span.range", { text: range }),
        pageButton("Previous", Math.max(0, offset - PAGE_SIZE), offset === 0),
        pageButton("Next", offset + PAGE_SIZE, last >= total),
      ),
      table(
        `Inventory: ${range}`,
        [
          { label: "Provider", cell: (r) => r.provider },
          { label: "Type", cell: (r) => h("code", { text: r.type }) },
          { label: "Region", cell: (r) => r.region },
          {
            label: "ID",
            cell: (r) => [h("code", { text: r.id }), r.is_default ? [" ", h("span.badge", { text: "default" })] : null],
          },
          { label: "Account", cell: (r) => r.account || "—" },
          {
            label: "Age",
            cell: (r) =>
              h("time", { datetime: r.observed_at, title: `observed ${new Date(r.observed_at).toLocaleString()}`, text: age(r.age_seconds) }),
          },
          { label: "Tags", cell: (r) => tagChips(r.attributes) },
        ],
        resources,
        {
          empty: Object.values(filters).some(Boolean)
            ? "none matches these filters."
            : "the inventory is empty: a drift run or `driftmgr discover` fills it.",
        },
      ),
    );
  }

  const form = h(
    "form.filters",
    {
      role: "search",
      "aria-label": "Filter resources",
      on: {
        submit: async (event) => {
          event.preventDefault();
          for (const [key] of FILTERS) filters[key] = inputs[key].value.trim();
          if (filters.tag && !/^[^=]+=/.test(filters.tag)) {
            fill(listBox, problem("A tag filter looks like Key=Value."));
            inputs.tag.focus();
            return;
          }
          offset = 0;
          await update();
          announce(listBox.querySelector(".range")?.textContent || "");
        },
      },
    },
    FILTERS.map(([key, label, hint]) => field(label, inputs[key], hint)),
    h("div.field.buttons", {}, h("button", { type: "submit", text: "Apply filters" })),
    h(
      "div.field.buttons",
      {},
      h("button.secondary", {
        type: "button",
        text: "Clear",
        on: {
          click: async () => {
            for (const [key] of FILTERS) {
              filters[key] = "";
              inputs[key].value = "";
            }
            offset = 0;
            await update();
          },
        },
      }),
    ),
  );

  try {
    await load();
  } catch (error) {
    fill(listBox, problem(error));
  }
  fill(
    main,
    heading("Resource Manager"),
    h("p.muted", { text: "What discovery last saw in the cloud (the inventory cache), with how long ago." }),
    form,
    lists,
    listBox,
  );
  return undefined;
}
