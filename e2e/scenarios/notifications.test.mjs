// The notification centre in the browser: a post submitted for approval (through the API, as
// a teammate would) becomes a notification once the notifier has read the event log; the bell
// counts it, the centre lists it, marking read clears the bell, the preferences form saves,
// and a second workspace sees none of it. Then the workspace browser.rs seeds for the inbox
// (REVOS_E2E_SEED, key `inbox`): Nora's reply, which reached the server through Unipile's
// webhook, and its account losing its session (Unipile's account-status webhook, sent here)
// are both in its centre, and another workspace sees neither.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  BASE, api, apiToken, createCartridge, expectFitsWidth, expectNoErrors, launch, login, session, signUp,
  tabTo, visit,
} from "../lib/harness.mjs";

const SEED = process.env.REVOS_E2E_SEED ? JSON.parse(process.env.REVOS_E2E_SEED).inbox : null;
const NEEDS_SEED = SEED ? false : "needs REVOS_E2E_SEED (set by `cargo test -p revos --test browser`)";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Reloads `page` until the bell shows `count` (the notifier runs seconds after an event). */
async function bellShows(page, count) {
  for (let i = 0; i < 40; i += 1) {
    const badge = page.locator("#bell-count");
    if ((await badge.count()) > 0 && (await badge.innerText()).trim() === String(count)) return;
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.fail(`the bell never showed ${count}`);
}

test("a submitted post notifies its workspace: bell, centre, mark read, preferences", async () => {
  const a = await session(browser);
  const owner = await signUp(a, { who: "nia", workspace: "Nia Notes" });
  const token = await apiToken(owner);
  const cartridge = await createCartridge(token, "Nia's voice");
  const created = await api("POST", "/api/v1/posts", { token, body: { body: "Managers: ask before you fix.", cartridge_id: cartridge } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const submitted = await api("POST", `/api/v1/posts/${created.body.id}/submit`, { token });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));

  await a.page.goto("/");
  await bellShows(a.page, 1);
  await tabTo(a.page, "bell");
  await a.page.keyboard.press("Enter");
  await a.page.waitForURL(/\/notifications$/);
  await visit(a, "/notifications", "notifications");
  await expectFitsWidth(a.page);
  const item = a.page.getByRole("link", { name: "A post awaits approval" });
  await item.waitFor();
  assert.equal(await item.getAttribute("href"), `/posts/${created.body.id}`);

  await a.page.getByRole("button", { name: "Mark read: A post awaits approval" }).click();
  await a.page.getByText("Marked as read.").waitFor();
  assert.equal(await a.page.locator("#bell-count").count(), 0);
  const unread = await api("GET", "/api/v1/notifications/unread", { token });
  assert.equal(unread.body.unread, 0);

  // Preferences: approvals off in-app, saved through the form.
  await a.page.getByLabel("A post awaits approval in RevOS").uncheck();
  await a.page.getByRole("button", { name: "Save preferences" }).click();
  await a.page.getByText("Your preferences are saved.").waitFor();
  assert.equal(await a.page.getByLabel("A post awaits approval in RevOS").isChecked(), false);
  assert.equal(await a.page.getByLabel("A lead replied in RevOS").isChecked(), true);
  const prefs = await api("GET", "/api/v1/notifications/preferences", { token });
  assert.equal(prefs.body.items.find((p) => p.kind === "post_awaiting_approval").in_app, false);
  assert.equal(await a.page.getByRole("link", { name: "A post awaits approval" }).count(), 0);

  // A second workspace sees none of it.
  const b = await session(browser);
  const other = await signUp(b, { who: "oli", workspace: "Oli Outreach" });
  await visit(b, "/notifications", "notifications-empty");
  assert.equal(await b.page.locator("#bell-count").count(), 0);
  assert.equal(await b.page.locator("#notification-list").count(), 0);
  assert.equal(await b.page.getByRole("link", { name: "A post awaits approval" }).count(), 0);
  const list = await api("GET", "/api/v1/notifications", { token: await apiToken(other) });
  assert.deepEqual(list.body.items, []);

  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});

/** Reloads `page` until a link named `name` is on it (the notifier runs seconds after an event). */
async function linkAppears(page, name) {
  for (let i = 0; i < 40; i += 1) {
    const link = page.getByRole("link", { name });
    if ((await link.count()) > 0) return link.first();
    await page.waitForTimeout(500);
    await page.reload();
  }
  assert.fail(`no notification ${name}`);
}

test("a reply and an account needing reconnection notify their workspace only", { skip: NEEDS_SEED }, async () => {
  const a = await session(browser);
  await login(a, SEED);
  // The account loses its session: Unipile says so through its account-status webhook.
  const hook = await fetch(`${BASE}/api/v1/webhooks/unipile`, {
    method: "POST",
    headers: { "content-type": "application/json", "Unipile-Auth": SEED.webhook_secret },
    body: JSON.stringify({ AccountStatus: { account_id: SEED.account_id, account_type: "LINKEDIN", message: "CREDENTIALS" } }),
  });
  assert.ok(hook.ok, `account-status webhook: ${hook.status}`);

  await a.page.goto("/notifications");
  const reply = await linkAppears(a.page, new RegExp(`New reply from ${SEED.lead_name}`));
  assert.equal(await reply.getAttribute("href"), `/leads/${SEED.lead_id}`);
  const lost = await linkAppears(a.page, /needs reconnecting/);
  assert.match(await lost.getAttribute("href"), /^\/accounts\//);
  await visit(a, "/notifications", "notifications-reply-reconnect");
  assert.notEqual(await a.page.locator("#bell-count").count(), 0, "the bell counts them");

  // Another workspace sees neither.
  const b = await session(browser);
  const other = await signUp(b, { who: "pia", workspace: "Pia Prospects" });
  await visit(b, "/notifications", "notifications-other-workspace");
  assert.equal(await b.page.getByRole("link", { name: /New reply from|needs reconnecting/ }).count(), 0);
  const list = await api("GET", "/api/v1/notifications", { token: await apiToken(other) });
  assert.deepEqual(list.body.items, []);

  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});
