// Live updates over Server-Sent Events: an event caused through the API shows up as a toast
// on the open dashboard, without a reload.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, apiToken, createCartridge, expectNoErrors, launch, session, signUp } from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a post submitted through the API appears on the open page without a reload", async () => {
  const s = await session(browser);
  const { page } = s;
  const account = await signUp(s, { who: "dan", workspace: "Dan Media" });
  const token = await apiToken(account);
  const cartridgeId = await createCartridge(token, "Dan's voice");

  // Open the dashboard and wait until its live feed is connected (from then on it reports).
  const feed = page.waitForResponse((r) => new URL(r.url()).pathname === "/live");
  await page.goto("/");
  assert.equal((await feed).status(), 200);
  await page.evaluate(() => { window.__sameDocument = true; });

  const post = await api("POST", "/api/v1/posts", {
    token,
    body: { body: "Managers: ask one more question before you answer.", cartridge_id: cartridgeId },
  });
  assert.equal(post.status, 201, JSON.stringify(post.body));
  const submitted = await api("POST", `/api/v1/posts/${post.body.id}/submit`, { token });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));

  await page.locator("#toasts .toast", { hasText: "Post submitted for approval" }).waitFor();
  assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
  expectNoErrors(s);
  await s.context.close();
});

test("another workspace's events never reach the page", async () => {
  const a = await session(browser);
  const b = await session(browser);
  const eve = await signUp(a, { who: "eve", workspace: "Eve Ltd" });
  const fay = await signUp(b, { who: "fay", workspace: "Fay Ltd" });
  const feed = a.page.waitForResponse((r) => new URL(r.url()).pathname === "/live");
  await a.page.goto("/");
  await feed;
  await a.page.evaluate(() => {
    window.__seen = [];
    document.addEventListener("revos:live", (e) => window.__seen.push(e.detail.subject_id));
  });

  // Fay's workspace submits a post first, then Eve's does: Eve's page gets only her own.
  const submitPost = async (account, text) => {
    const token = await apiToken(account);
    const cartridgeId = await createCartridge(token, `${text} voice`);
    const post = await api("POST", "/api/v1/posts", { token, body: { body: text, cartridge_id: cartridgeId } });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    assert.equal((await api("POST", `/api/v1/posts/${post.body.id}/submit`, { token })).status, 200);
    return post.body.id;
  };
  const faysPost = await submitPost(fay, "Hello from Fay.");
  const evesPost = await submitPost(eve, "Hello from Eve.");
  await a.page.waitForFunction((id) => window.__seen.includes(id), evesPost);
  const seen = await a.page.evaluate(() => window.__seen);
  assert.ok(!seen.includes(faysPost), `Eve's page received Fay's event: ${JSON.stringify(seen)}`);
  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});
