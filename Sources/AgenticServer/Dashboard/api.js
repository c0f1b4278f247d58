// The API as the dashboard uses it: every call carries the pasted key in `X-API-Key` (never in a
// URL), errors arrive as the server's problem+json, and POSTs carry an Idempotency-Key.

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code;
    this.errors = problem?.errors ?? [];
  }
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, body, headers = {}) {
    const init = { method, headers: { "X-API-Key": this.key, Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (method === "POST") init.headers["Idempotency-Key"] = crypto.randomUUID();
    const response = await fetch(API + path, init);
    if (response.status === 204) return null;
    const text = await response.text();
    let value = null;
    try { value = text ? JSON.parse(text) : null; } catch { value = null; }
    if (!response.ok) throw new ApiError(response.status, value);
    return value;
  }

  get(path) { return this.request("GET", path); }
  post(path, body = {}) { return this.request("POST", path, body); }
  patch(path, body) { return this.request("PATCH", path, body); }
  delete(path) { return this.request("DELETE", path); }

  /** A list page: `{data, next_cursor}`. */
  list(path, query = {}) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(name, value);
    const text = params.toString();
    return this.get(text ? `${path}?${text}` : path);
  }

  /** Every item of a list, following `next_cursor` (bounded by `max`). */
  async all(path, query = {}, max = 2000) {
    const items = [];
    let cursor;
    do {
      const page = await this.list(path, { ...query, limit: 200, cursor });
      items.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && items.length < max);
    return items;
  }

  /**
   * Every event of an event list (`/events` or `/tasks/{id}/events`) after position `after`, oldest
   * first, following `next_after` to the end — or, given `upTo`, only those at or before it.
   */
  async eventsAfter(path, query, after, upTo = Infinity) {
    const events = [];
    for (;;) {
      const page = await this.list(path, { ...query, after, limit: EVENT_PAGE });
      for (const event of page.data) if (event.event_id <= upTo) events.push(event);
      if (page.data.length < EVENT_PAGE || page.next_after >= upTo) return events;
      after = page.next_after;
    }
  }
}

const EVENT_PAGE = 1000;  // the most GET /events answers at once

/**
 * The event stream, read with fetch() because EventSource cannot send a header. One connection per
 * signed-in tab, shared by every view; it reconnects by itself and resumes with Last-Event-ID, so a
 * dropped connection loses and repeats nothing.
 */
export class LiveEvents {
  constructor(key, onState) {
    this.key = key;
    this.onState = onState;
    this.listeners = new Set();
    this.lastID = null;
    this.controller = null;
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts after event `after` (the log's head when the tab signed in). */
  start(after) {
    this.lastID = after;
    this.controller = new AbortController();
    this.run(this.controller.signal);
  }

  stop() {
    this.controller?.abort();
  }

  async run(signal) {
    let delay = 500;
    while (!signal.aborted) {
      try {
        const headers = { "X-API-Key": this.key, Accept: "text/event-stream" };
        if (this.lastID !== null) headers["Last-Event-ID"] = String(this.lastID);
        const response = await fetch(`${API}/events/stream`, { headers, signal, cache: "no-store" });
        if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
        this.onState(true);
        delay = 500;
        await this.read(response.body, signal);
      } catch (error) {
        if (signal.aborted) return;
      }
      this.onState(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }

  /** A streaming SSE parser: fields up to a blank line make one message. */
  async read(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let message = { id: null, event: "message", data: [] };
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (message.data.length > 0) this.dispatch(message);
          message = { id: null, event: "message", data: [] };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "id") message.id = text;
        else if (field === "event") message.event = text;
        else if (field === "data") message.data.push(text);
      }
    }
  }

  dispatch(message) {
    let event;
    try { event = JSON.parse(message.data.join("\n")); } catch { return; }
    if (message.id !== null) this.lastID = Number(message.id);
    for (const listener of this.listeners) {
      try { listener(event); } catch (error) { console.warn("event listener failed", error); }
    }
  }
}
