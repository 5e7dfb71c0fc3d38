// The dashboard's shell: login, navigation by the URL's fragment, and the role the
// token carries. Pages are modules exporting render(ctx); ctx.main is theirs to fill.

import { ApiError, forgetToken, get, setToken, token, whenUnauthorised } from "./api.js";
import { field, fill, h, problem } from "./dom.js";
import * as live from "./live.js";

const PAGES = {
  dashboard: () => import("./pages/dashboard.js"),
  states: () => import("./pages/states.js"),
  drift: () => import("./pages/drift.js"),
  resources: () => import("./pages/resources.js"),
  remediation: () => import("./pages/remediation.js"),
  audit: () => import("./pages/audit.js"),
};

const TITLES = {
  dashboard: "Dashboard",
  states: "State Explorer",
  drift: "Drift Viewer",
  resources: "Resource Manager",
  remediation: "Remediation",
  audit: "Audit",
};

let me = null;
let cleanup = null;
let renderCount = 0;

/** "#/drift/RUN?kind=modified" → {page: "drift", args: ["RUN"], query: URLSearchParams}. */
export function parseRoute(hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const [page, ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { page: page || "dashboard", args, query: new URLSearchParams(search) };
}

export function navigate(page, args = [], query = {}) {
  const path = [page, ...args].map(encodeURIComponent).join("/");
  const search = new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  location.hash = `#/${path}${search ? `?${search}` : ""}`;
}

function can(permission) {
  return Boolean(me && me.permissions.includes(permission));
}

function showChrome(visible) {
  document.getElementById("nav").hidden = !visible;
  document.getElementById("who").hidden = !visible;
  if (!visible) return;
  document.getElementById("who-name").textContent = `${me.actor} (${me.role || me.permissions.join(", ")})`;
  for (const link of document.querySelectorAll("#nav [data-needs]")) {
    link.parentElement.hidden = !can(link.dataset.needs);
  }
}

function loginPage(main, message) {
  showChrome(false);
  const input = h("input", {
    type: "password",
    name: "token",
    autocomplete: "off",
    required: true,
    spellcheck: "false",
  });
  const form = h(
    "form.login",
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          setToken(input.value.trim());
          await start();
        },
      },
    },
    h("h1", { text: "Log in to driftmgr" }),
    message ? problem(message) : null,
    field("API token", input, "An operator issues one with: driftmgr token create --name NAME --role ROLE"),
    h("button", { type: "submit", text: "Log in" }),
  );
  fill(main, form);
  input.focus();
}

async function route() {
  const main = document.getElementById("main");
  if (!me) return;
  const { page, args, query } = parseRoute(location.hash);
  const load = PAGES[page];
  if (cleanup) cleanup();
  cleanup = null;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!load) {
    fill(main, problem(`There is no page "${page}".`));
    return;
  }
  document.title = `${TITLES[page]} · driftmgr`;
  const mine = ++renderCount;
  fill(main, h("p.loading", { text: "Loading…" }));
  main.removeAttribute("data-ready");
  try {
    const module = await load();
    if (mine !== renderCount) return;
    const context = { main, args, query, me, can, navigate, live, isCurrent: () => mine === renderCount };
    cleanup = (await module.render(context)) || null;
  } catch (error) {
    if (mine !== renderCount) return;
    if (error instanceof ApiError && error.status === 401) return;
    fill(main, h("h1", { text: TITLES[page] }), problem(error));
  }
  if (mine === renderCount) {
    main.dataset.ready = page; // tests and assistive tools: the page has its data
    main.focus({ preventScroll: true });
  }
}

async function start() {
  const main = document.getElementById("main");
  if (!token()) {
    loginPage(main);
    return;
  }
  // The page's code loads while the token is checked.
  PAGES[parseRoute(location.hash).page]?.().catch(() => {});
  try {
    me = await get("/api/v1/me");
  } catch (error) {
    me = null;
    forgetToken();
    loginPage(main, error.status === 401 ? "That token is not valid (unknown, revoked or expired)." : error);
    return;
  }
  showChrome(true);
  live.start().catch(() => {});
  await route();
}

whenUnauthorised(() => {
  me = null;
  live.stop();
  forgetToken();
  loginPage(document.getElementById("main"), "Your session ended: log in again.");
});

document.getElementById("logout").addEventListener("click", () => {
  me = null;
  live.stop();
  forgetToken();
  loginPage(document.getElementById("main"));
});
window.addEventListener("hashchange", route);
start();
