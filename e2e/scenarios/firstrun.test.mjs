// The first run, as a new agency user lives it: the dashboard's checklist of an empty
// workspace, one click on "Try it in the sandbox" (from the keyboard; a second click creates
// nothing), the steps ticking as they come true up to a first lead, the chat understanding
// plain words about the trial campaign; and, while the trial runs, a second workspace that
// sees none of it, whose empty pages each say what to do next.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  MOBILE, api, apiToken, ask, checkA11y, expectFitsWidth, expectNoErrors, launch, openChat, screenshotBoth,
  session, signUp, tabTo, visit,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** The checklist's steps on the page: { key: done }. */
async function steps(page) {
  return page.locator("#first-run-steps li").evaluateAll((items) =>
    Object.fromEntries(items.map((li) => [li.dataset.step, li.dataset.done === "true"])));
}

/** The step keys the API says are done. */
async function doneByApi(token) {
  const { status, body } = await api("GET", "/api/v1/first-run", { token });
  assert.equal(status, 200, JSON.stringify(body));
  return body.steps.filter((s) => s.done).map((s) => s.key);
}

/** Waits (polling the API) until `key` is done; fails after `limitMs`. */
async function waitForStep(token, key, limitMs) {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if ((await doneByApi(token)).includes(key)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.fail(`${key} was not done within ${limitMs / 1000} s: ${await doneByApi(token)}`);
}

test("from an empty workspace the checklist and the sandbox trial lead to a first lead", async () => {
  const a = await session(browser);
  const { page } = a;
  const owner = await signUp(a, { who: "fern", workspace: "Fern First Run" });
  const token = await apiToken(owner);

  // An empty workspace: every step open, each a link, and the trial button.
  const checklist = page.getByRole("region", { name: /Getting started/ });
  await checklist.waitFor();
  assert.deepEqual(await steps(page), {
    account: false, cartridge: false, campaign: false, activated: false, first_lead: false, first_reply: false,
  });
  assert.equal(await checklist.getByRole("link").count(), 6, "each step links to where it is done");
  assert.match(await page.locator("#first-run-progress").innerText(), /0 of 6 done/);
  await checkA11y(page);
  await screenshotBoth(page, "first-run-empty");

  // The dashboard fits a phone's width with the checklist shown.
  await page.setViewportSize(MOBILE);
  await page.goto("/");
  await expectFitsWidth(page);
  await page.setViewportSize({ width: 1280, height: 800 });

  // One click, from the keyboard.
  await page.goto("/");
  await page.locator("body").focus();
  await tabTo(page, "sandbox-trial");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/\?trial=started/);
  assert.match(await page.locator("#trial-notice").innerText(), /first lead appears within about a minute/);
  const ticked = await steps(page);
  for (const key of ["account", "cartridge", "campaign", "activated"]) {
    assert.equal(ticked[key], true, `${key} is ticked after the trial started`);
  }
  assert.equal(ticked.first_reply, false);
  const row = page.getByRole("row", { name: /Sandbox trial/ });
  assert.match(await row.innerText(), /Sandbox/, "the trial campaign is labelled sandbox");

  // A second click creates nothing.
  await page.getByRole("button", { name: "Try it in the sandbox" }).click();
  await page.waitForURL(/\/\?trial=exists/);
  assert.match(await page.locator("#trial-notice").innerText(), /already set up/);
  const campaigns = await api("GET", "/api/v1/campaigns", { token });
  assert.deepEqual(campaigns.body.items.map((c) => [c.name, c.status, c.sandbox]), [["Sandbox trial", "active", true]]);
  const accounts = await api("GET", "/api/v1/linkedin-accounts", { token });
  assert.equal(accounts.body.items.length, 1);
  assert.match(accounts.body.items[0].display_name, /simulated/);
  const again = await api("POST", "/api/v1/sandbox/trial", { token });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.created, false);
  assert.equal(again.body.campaign.id, campaigns.body.items[0].id);

  // While the trial runs, a second workspace sees none of it: an empty checklist, and every
  // page empty, saying what to do next with a link to do it.
  const b = await session(browser);
  const other = await signUp(b, { who: "gus", workspace: "Gus Elsewhere" });
  const tokenB = await apiToken(other);
  assert.deepEqual(await steps(b.page), {
    account: false, cartridge: false, campaign: false, activated: false, first_lead: false, first_reply: false,
  });
  assert.doesNotMatch(await b.page.locator("main").innerText(), /Sandbox trial/);
  assert.deepEqual(await doneByApi(tokenB), []);
  assert.deepEqual((await api("GET", "/api/v1/campaigns", { token: tokenB })).body.items, []);
  for (const [path, id, name] of [
    ["/leads", "leads-empty", "leads-empty"],
    ["/campaigns", "campaigns-empty", "campaigns-empty"],
    ["/cartridges", "cartridges-empty", "cartridges-empty"],
    ["/queue", "queue-empty", "queue-empty"],
    ["/settings", "accounts-empty", "settings-empty"],
  ]) {
    await visit(b, path, name);
    const empty = b.page.locator(`#${id}`);
    assert.ok(await empty.isVisible(), `${path} says it is empty`);
    assert.ok(await empty.getByRole("link").count() >= 1, `${path} links to the next step`);
    assert.doesNotMatch(await b.page.locator("main").innerText(), /Sandbox trial/);
  }

  // The first lead: the checklist ticks it live on the open dashboard.
  await waitForStep(token, "first_lead", 150_000);
  await page.locator('#first-run-steps li[data-step="first_lead"][data-done="true"]').waitFor({ timeout: 20_000 });
  assert.match(await page.locator("#first-run-progress").innerText(), /5 of 6 done/);
  await screenshotBoth(page, "first-run-first-lead");
  await page.goto("/leads");
  const leadRow = page.locator("#leads-table tbody tr").first();
  await leadRow.waitFor();
  assert.match(await leadRow.innerText(), /Sandbox trial/);

  // The chat, offline, understands plain words about the trial campaign and answers in
  // sentences with a card, never JSON.
  await page.goto("/campaigns");
  await openChat(page);
  let log = await ask(page, "stop the Sandbox Trial campaign");
  const paused = page.locator("#chat-log .tool-card", { hasText: "Campaign paused: Sandbox trial" });
  assert.equal(await paused.count(), 1, log);
  assert.match(log, /Campaign paused: Sandbox trial\./);
  log = await ask(page, "please launch 'sandbox trial'");
  assert.match(log, /I could not do that: a paused campaign cannot become active\./);
  log = await ask(page, "resume campaign sandbox trial");
  assert.equal(await page.locator("#chat-log .tool-card", { hasText: "Campaign resumed: Sandbox trial" }).count(), 1, log);
  const answers = await page.locator("#chat-log .msg.agent").allInnerTexts();
  assert.ok(answers.every((t) => !t.includes("{")), `no JSON in the answers:\n${answers.join("\n")}`);
  assert.equal((await api("GET", `/api/v1/campaigns/${again.body.campaign.id}`, { token })).body.status, "active");

  // And still nothing of it in the second workspace, now that the first has a lead.
  await b.page.goto("/leads");
  assert.ok(await b.page.locator("#leads-empty").isVisible());
  assert.deepEqual(await doneByApi(tokenB), []);
  assert.deepEqual((await api("GET", "/api/v1/leads", { token: tokenB })).body.items, []);

  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});
