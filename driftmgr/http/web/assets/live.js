// One live event stream for the whole page: pages subscribe while shown and refresh
// what an event changes, without reloading. Reconnects from the last position seen, so
// nothing is missed or repeated across a dropped connection.

import { get, streamEvents } from "./api.js";

const listeners = new Set();
let controller = null;
let position = 0;

function setIndicator(text) {
  const el = document.getElementById("live-state");
  if (el) {
    el.textContent = text;
    el.dataset.state = text;
  }
}

/** Call handler(event) for every event from now on; returns the unsubscribe function. */
export function subscribe(handler) {
  listeners.add(handler);
  return () => listeners.delete(handler);
}

/** The log position the stream has delivered up to (pages pass it as min_position). */
export function seen() {
  return position;
}

export async function start() {
  stop();
  controller = new AbortController();
  const { signal } = controller;
  let failures = 0;
  let present = null;
  while (!signal.aborted) {
    try {
      // Start at the log's present: pages load what is there now, the stream tells what
      // comes. Once known, a reconnection resumes from the last event seen.
      if (present === null) {
        present = (await get("/healthz")).log_position;
        position = present;
      }
      setIndicator("live");
      position = await streamEvents(
        position,
        (event) => {
          failures = 0;
          for (const listener of [...listeners]) {
            try {
              listener(event);
            } catch (error) {
              console.error("live event handler failed", error);
            }
          }
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) break;
      failures += 1;
      if (error.status === 401 || error.status === 403) break;
    }
    if (signal.aborted) break;
    setIndicator("reconnecting");
    // Back off a little on repeated failures; a server restart is a normal case.
    await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 500 * 2 ** failures)));
  }
  setIndicator("offline");
}

export function stop() {
  if (controller) controller.abort();
  controller = null;
  setIndicator("offline");
}
