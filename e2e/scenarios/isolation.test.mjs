// Two workspaces in two browser contexts: the second never sees the first one's campaign,
// on its dashboard, at the campaign's page, or through the API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api, apiToken, ask, createCartridge, createSandboxAccount, expectNoErrors, launch, openChat,
  screenshotBoth, session, signUp,
} from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("a second workspace's session never sees the first one's campaign", async () => {
  const a = await session(browser);
  const owner = await signUp(a, { who: "gil", workspace: "Gil Growth" });
  const tokenA = await apiToken(owner);
  await createCartridge(tokenA, "Gil's voice");
  await createSandboxAccount(tokenA, "Gil");
  await a.page.reload();
  await openChat(a.page);
  await ask(a.page, "create campaign Secret Launch trigger SECRET magnet 'Private playbook'");
  const href = await a.page.locator("#chat-log .tool-card", { hasText: "Campaign created" }).getByRole("link", { name: "Open" }).getAttribute("href");
  const campaignId = href.split("/").pop();
  await a.page.reload();
  await a.page.getByRole("row", { name: /Secret Launch/ }).waitFor(); // the owner sees it

  const b = await session(browser);
  const intruder = await signUp(b, { who: "hal", workspace: "Hal Hustle" });
  assert.doesNotMatch(await b.page.locator("main").innerText(), /Secret Launch/);
  assert.equal(await b.page.getByRole("link", { name: "Secret Launch" }).count(), 0);

  // The campaign's own page: 404, and nothing of it shown.
  b.allowed.push(new RegExp(`^/campaigns/${campaignId}$`));
  const response = await b.page.goto(href);
  assert.equal(response.status(), 404, `GET ${href} as the other workspace`);
  assert.doesNotMatch(await b.page.content(), /Secret Launch|Private playbook/);
  await screenshotBoth(b.page, "campaign-of-another-workspace");

  // And the API agrees, for the same person's bearer token.
  const tokenB = await apiToken(intruder);
  assert.equal((await api("GET", `/api/v1/campaigns/${campaignId}`, { token: tokenB })).status, 404);
  const list = await api("GET", "/api/v1/campaigns", { token: tokenB });
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items, []);
  assert.equal((await api("GET", `/api/v1/campaigns/${campaignId}`, { token: tokenA })).status, 200);

  expectNoErrors(a);
  expectNoErrors(b);
  await a.context.close();
  await b.context.close();
});
