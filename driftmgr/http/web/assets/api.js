// The public HTTP API, as the CLI uses it: a bearer token, JSON, problem+json refusals.
// The token lives in sessionStorage: it is this tab's, gone when the tab closes, and it is
// sent only to this origin (relative URLs; the page's policy allows no other).

const TOKEN_KEY = "driftmgr.token";

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem?.detail || problem?.title || `HTTP ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const result = { Accept: "application/json", ...extra };
  const secret = token();
  if (secret) result.Authorization = `Bearer ${secret}`;
  return result;
}

/** "/api/v1/x" + {a: 1, b: [2, 3], c: ""} → "/api/v1/x?a=1&b=2,3" (empty values left out). */
export function url(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    query.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

let onUnauthorised = () => {};
export function whenUnauthorised(handler) {
  onUnauthorised = handler;
}

async function call(method, path, { params, body, signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url(path, params), init);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 300) };
    }
  }
  if (!response.ok) {
    if (response.status === 401) onUnauthorised();
    throw new ApiError(response.status, data);
  }
  return data;
}

export const get = (path, params, options = {}) => call("GET", path, { ...options, params });
export const post = (path, body = {}, options = {}) => call("POST", path, { ...options, body });

/**
 * Follow /api/v1/events (Server-Sent Events) through fetch, which, unlike EventSource,
 * can send the token in a header. Calls onEvent(event) for each event and returns the
 * position to resume from when the stream ends (server stop, reset, network).
 */
export async function streamEvents(after, onEvent, signal) {
  const response = await fetch(url("/api/v1/events", { after }), {
    headers: headers({ Accept: "text/event-stream" }),
    signal,
  });
  if (!response.ok) {
    if (response.status === 401) onUnauthorised();
    throw new ApiError(response.status, null);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let position = after;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return position;
    // Lines may end in CRLF (litestar's do); a CR left at the end joins its LF next time.
    buffer = (buffer + value).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = { event: "message", data: "", id: null };
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const field = line.slice(0, colon);
        const text = line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") message.data += text;
        else if (field === "id") message.id = text;
        else if (field === "event") message.event = text;
      }
      if (message.event === "reset") {
        return Number(message.id ?? position);
      }
      if (message.event === "message" && message.data) {
        const event = JSON.parse(message.data);
        position = event.position;
        onEvent(event);
      }
    }
  }
}
