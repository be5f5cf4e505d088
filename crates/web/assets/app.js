// RevOS web app script: the floating chat, live updates, and small conveniences. The pages
// work without it; this only adds to them.
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  // Forms whose select submits on change (the workspace switcher).
  for (const el of document.querySelectorAll("select[data-autosubmit]")) {
    el.addEventListener("change", () => el.form?.requestSubmit());
  }
  for (const el of document.querySelectorAll("[data-hide-with-js]")) el.hidden = true;
  // "Go back" links (error pages): the previous page when there is one, else their href.
  for (const a of document.querySelectorAll("a[data-history-back]")) {
    a.addEventListener("click", (e) => {
      if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
    });
  }

  // Toasts for live events.
  const toasts = document.getElementById("toasts");
  function toast(text) {
    if (!toasts) return;
    const t = document.createElement("div");
    t.className = "toast";
    t.textContent = text;
    toasts.append(t);
    setTimeout(() => t.remove(), 6000);
  }

  // Reads a text/event-stream response body, calling onEvent(name, data) per event.
  async function readEvents(response, onEvent) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (data) {
          try { onEvent(name, JSON.parse(data)); } catch (e) { console.warn("unreadable event", e); }
        }
      }
    }
  }

  // Live updates: counters tagged data-live-count and a toast; pages may listen for
  // "revos:live" events on document for more. A client's pages have none (data-no-live: the
  // client allow-list closes /live).
  if (window.EventSource && document.body.dataset.page && !("noLive" in document.body.dataset)) {
    const feed = new EventSource("/live");
    const onLive = (e) => {
      let ev;
      try { ev = JSON.parse(e.data); } catch { return; }
      toast(ev.summary);
      const key = { lead_scraped: "scraped", lead_enriched: "enriched", dm_sent: "dm_sent",
        magnet_opened: "opened", dm_replied: "replied", email_sequenced: "email_sequenced", email_replied: "email_replied" }[ev.kind];
      if (key) {
        for (const el of document.querySelectorAll(`[data-live-count="${key}"]`)) {
          el.textContent = String((parseInt(el.textContent, 10) || 0) + 1);
        }
      }
      document.dispatchEvent(new CustomEvent("revos:live", { detail: ev }));
    };
    for (const kind of ["lead_scraped", "lead_enriched", "dm_queued", "dm_sent", "magnet_opened", "dm_replied",
      "email_sequenced", "email_replied", "opted_out", "post_drafted", "post_submitted",
      "post_approved", "post_rejected", "post_scheduled", "post_published", "provider_error"]) {
      feed.addEventListener(kind, onLive);
    }
    window.addEventListener("pagehide", () => feed.close());
  }

  // The floating chat.
  const panel = document.getElementById("chat");
  const toggle = document.getElementById("chat-toggle");
  if (!panel || !toggle) return;
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const client = document.getElementById("chat-client");
  const closeBtn = document.getElementById("chat-close");
  const stored = sessionStorage.getItem("revos-chat-client");
  if (stored !== null && [...client.options].some((o) => o.value === stored)) client.value = stored;
  let session = sessionStorage.getItem("revos-chat-session");

  function setOpen(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) input.focus(); else toggle.focus();
  }
  toggle.addEventListener("click", () => setOpen(panel.hidden));
  closeBtn.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (e) => { if (e.key === "Escape") setOpen(false); });

  async function post(url, body) {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
  }

  async function ensureSession() {
    if (session) return session;
    const cartridge = client.value || null;
    const r = await post("/ui/chat/sessions", { cartridge_id: cartridge });
    if (!r.ok) throw new Error("could not start a chat (" + r.status + ")");
    session = (await r.json()).id;
    sessionStorage.setItem("revos-chat-session", session);
    return session;
  }

  client.addEventListener("change", async () => {
    sessionStorage.setItem("revos-chat-client", client.value);
    if (!session) return;
    const r = await post(`/ui/chat/sessions/${session}/client`, { cartridge_id: client.value || null });
    if (r.status === 404) { session = null; sessionStorage.removeItem("revos-chat-session"); }
  });

  function bubble(kind, text, meta) {
    const el = document.createElement("div");
    el.className = "msg " + kind;
    if (meta) {
      const m = document.createElement("span");
      m.className = "meta";
      m.textContent = meta;
      el.append(m);
    }
    const body = document.createElement("span");
    body.textContent = text;
    el.append(body);
    log.append(el);
    log.scrollTop = log.scrollHeight;
    return body;
  }

  function card(result) {
    const el = document.createElement("div");
    el.className = "tool-card" + (result.ok ? "" : " failed");
    el.setAttribute("data-tool", result.name);
    const text = document.createElement("span");
    text.textContent = result.summary + " ";
    el.append(text);
    if (result.link) {
      const a = document.createElement("a");
      a.href = result.link;
      a.textContent = "Open";
      el.append(a);
    }
    log.append(el);
    log.scrollTop = log.scrollHeight;
  }

  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    bubble("user", content);
    const send = form.querySelector("button");
    send.disabled = true;
    try {
      let id = await ensureSession();
      let r = await post(`/ui/chat/sessions/${id}/messages`, { content });
      if (r.status === 404) {
        session = null;
        sessionStorage.removeItem("revos-chat-session");
        id = await ensureSession();
        r = await post(`/ui/chat/sessions/${id}/messages`, { content });
      }
      if (!r.ok) { bubble("agent", "The message could not be sent (" + r.status + ")."); return; }
      let answer = null;
      await readEvents(r, (name, data) => {
        if (name === "started") {
          answer = bubble("agent", "", data.agent.replace(/_/g, " ") + (data.mode === "offline" ? " · offline" : ""));
        } else if (name === "text") {
          if (!answer) answer = bubble("agent", "");
          answer.textContent += data.delta;
          log.scrollTop = log.scrollHeight;
        } else if (name === "tool_result") {
          card(data);
        } else if (name === "error") {
          bubble("agent", "Error: " + data.message);
        }
      });
    } catch (err) {
      bubble("agent", "Something went wrong: " + err.message);
    } finally {
      send.disabled = false;
      input.focus();
    }
  });
})();

// Cartridges (cartridge pages): an import's file picker, shown only with this script, reads
// the chosen file into the import's text box (the form itself posts the text).
(() => {
  "use strict";
  for (const el of document.querySelectorAll("[data-js-only]")) el.hidden = false;
  for (const input of document.querySelectorAll("input[type=file][data-fill]")) {
    input.addEventListener("change", async () => {
      const target = document.getElementById(input.dataset.fill);
      const file = input.files && input.files[0];
      if (target && file) target.value = await file.text();
    });
  }
})();

// Leads and campaigns pages: forms that ask before an action that cannot be undone, and, on
// the lead list, a notice when new leads arrive live ("N new leads — refresh").
(() => {
  "use strict";
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
  // The inbox: a reply arriving shows a notice on the list and joins the open thread (the
  // page is read again, which syncs it); a form marked data-once is submitted once.
  for (const form of document.querySelectorAll("form[data-once]")) {
    form.addEventListener("submit", () => {
      for (const b of form.querySelectorAll("button[type=submit]")) b.disabled = true;
    });
  }
  const replies = document.getElementById("new-replies");
  const thread = document.getElementById("thread");
  document.addEventListener("revos:live", async (e) => {
    if (!e.detail || e.detail.kind !== "dm_replied") return;
    if (replies) {
      document.getElementById("new-replies-text").textContent = "New reply —";
      replies.hidden = false;
    }
    if (thread && e.detail.subject_id === thread.dataset.leadId) {
      const page = await fetch(location.pathname, { credentials: "same-origin" });
      if (!page.ok) return;
      const doc = new DOMParser().parseFromString(await page.text(), "text/html");
      const fresh = doc.getElementById("thread");
      if (fresh) thread.innerHTML = fresh.innerHTML;
    }
  });
  const notice = document.getElementById("new-leads");
  const text = document.getElementById("new-leads-text");
  if (!notice || !text) return;
  let fresh = 0;
  document.addEventListener("revos:live", (e) => {
    if (!e.detail || e.detail.kind !== "lead_scraped") return;
    fresh += 1;
    text.textContent = fresh === 1 ? "1 new lead —" : `${fresh} new leads —`;
    notice.hidden = false;
  });
})();

// Dashboard: the first-run checklist ticks its lead and reply steps live, as they come true.
(() => {
  "use strict";
  const list = document.getElementById("first-run-steps");
  const progress = document.getElementById("first-run-progress");
  if (!list || !progress) return;
  const steps = { lead_scraped: "first_lead", dm_replied: "first_reply", email_replied: "first_reply" };
  document.addEventListener("revos:live", (e) => {
    const key = e.detail && steps[e.detail.kind];
    const item = key && list.querySelector(`li[data-step="${key}"][data-done="false"]`);
    if (!item) return;
    item.dataset.done = "true";
    item.classList.add("done");
    const tick = item.querySelector(".tick");
    if (tick) tick.textContent = "✓";
    const state = item.querySelector(".sr-only");
    if (state) state.textContent = " (done)";
    const done = list.querySelectorAll('li[data-done="true"]').length;
    progress.textContent = `${done} of ${list.children.length} done`;
  });
})();
