// The one inbox (issue 18, item 3): the seeded workspace's conversation with Nora (her DM went
// out through the fake Unipile, her reply came by the webhook) is listed unread; opening it
// shows the whole thread; an answer is sent once through the fake Unipile (counted there
// through its documented `GET /chats/{chat_id}/messages`) by the paced queue; marking it
// handled shows; a new reply arrives live; a second workspace sees none of it.
//
// The workspace is the one browser.rs seeds (REVOS_E2E_SEED, key `inbox`), with the server's
// Unipile pointed at a fake Unipile the test runs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BASE, WAIT, api, apiToken, expectNoErrors, launch, login, session, signUp, visit } from "../lib/harness.mjs";

const SEED = process.env.REVOS_E2E_SEED ? JSON.parse(process.env.REVOS_E2E_SEED).inbox : null;
const NEEDS_SEED = SEED ? false : "needs REVOS_E2E_SEED (set by `cargo test -p revos --test browser`)";
const ANSWER = "Tuesday works: 10:00 CET?";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Our messages in Nora's chat, as the fake Unipile lists them. */
async function oursAtTheFake() {
  const r = await fetch(`${SEED.unipile_url}/chats/${encodeURIComponent(SEED.chat_id)}/messages?limit=100`, {
    headers: { "x-api-key": SEED.unipile_key, accept: "application/json" },
  });
  assert.equal(r.status, 200);
  const list = await r.json();
  return list.items.filter((m) => m.is_sender).map((m) => m.text);
}

/** Waits until `check` is true, polling. */
async function until(check, what, limit = 60_000) {
  const end = Date.now() + limit;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("read a thread, answer it once, mark it handled, see a live reply", { skip: NEEDS_SEED }, async () => {
  const s = await session(browser);
  const { page } = s;
  await login(s, SEED);

  // The nav counts the unread conversation; the inbox lists it first.
  await page.locator("#nav-inbox .badge").waitFor();
  await visit(s, "/inbox", "inbox");
  const row = page.locator("#inbox-list li", { hasText: SEED.lead_name });
  await row.getByText("Unread").waitFor();
  await row.getByRole("link", { name: SEED.lead_name }).click();
  await page.getByRole("heading", { level: 1, name: SEED.lead_name }).waitFor();
  await visit(s, page.url().replace(BASE, ""), "conversation");

  // The whole thread: our DM and her reply.
  const thread = page.locator("#thread");
  await thread.getByText("Here is The inbox guide").waitFor();
  await thread.getByText(SEED.reply).waitFor();

  // Answer: queued, then sent by the account's paced queue, exactly once at the fake.
  await page.getByLabel(`Your answer to ${SEED.lead_name}`).fill(ANSWER);
  await page.getByRole("button", { name: "Send" }).click();
  await page.locator("#conversation-notice", { hasText: "queued" }).waitFor();
  await until(async () => (await oursAtTheFake()).includes(ANSWER), "the answer at the fake");
  await new Promise((r) => setTimeout(r, 2_000));
  assert.deepEqual((await oursAtTheFake()).filter((t) => t === ANSWER), [ANSWER], "sent once");

  // Mark it handled.
  await page.getByRole("button", { name: "Mark handled" }).click();
  await page.locator("#conversation-state", { hasText: "Handled" }).waitFor();

  // A new reply arrives while the conversation is open: it joins the thread without a reload.
  const feed = page.waitForResponse((r) => new URL(r.url()).pathname === "/live");
  await page.reload();
  assert.equal((await feed).status(), 200);
  await page.evaluate(() => { window.__sameDocument = true; });
  const live = "Also: can you bring the pricing deck?";
  const delivery = {
    account_id: SEED.account_id, account_type: "LINKEDIN",
    account_info: { type: "LINKEDIN", feature: "classic", user_id: `ACoOwnerOf${SEED.account_id}` },
    event: "message_received", chat_id: SEED.chat_id, timestamp: new Date().toISOString(),
    webhook_name: "revos", message_id: `live-${Date.now()}`, message: live,
    sender: { attendee_id: "att-nora", attendee_name: SEED.lead_name, attendee_provider_id: SEED.person,
      attendee_profile_url: "https://www.linkedin.com/in/nora-quill/" },
    attendees: [], attachments: [],
  };
  const delivered = await fetch(`${BASE}/api/v1/webhooks/unipile`, {
    method: "POST",
    headers: { "content-type": "application/json", "Unipile-Auth": SEED.webhook_secret },
    body: JSON.stringify(delivery),
  });
  assert.equal(delivered.status, 200);
  await thread.getByText(live).waitFor({ timeout: WAIT * 2 });
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
  expectNoErrors(s);
  await s.context.close();
});

test("another workspace sees none of the inbox", { skip: NEEDS_SEED }, async () => {
  const owner = await apiToken(SEED);
  const list = await api("GET", "/api/v1/inbox", { token: owner });
  assert.equal(list.status, 200);
  const id = list.body.items[0].id;

  const s = await session(browser);
  const other = await signUp(s, { who: "ola", workspace: "Ola Ltd" });
  const token = await apiToken(other);
  const theirs = await api("GET", "/api/v1/inbox", { token });
  assert.equal(theirs.status, 200);
  assert.deepEqual(theirs.body.items, []);
  assert.equal((await api("GET", `/api/v1/inbox/${id}`, { token })).status, 404);
  await visit(s, "/inbox", "inbox-empty");
  await s.page.getByText("No conversations yet").waitFor();
  s.allowed.push(/\/inbox\//);
  const response = await s.page.goto(`/inbox/${id}`);
  assert.equal(response?.status(), 404);
  expectNoErrors(s);
  await s.context.close();
});
