// One workspace used through its pages, as its owner would: create a cartridge with the form
// editor (a bad field first), add a sandbox account in Settings, create a campaign with the
// keyboard alone, edit, pause and resume it, approve an edited post and reject another, find a
// lead and open its timeline, then every page at both sizes; and a second workspace that sees
// none of it.
//
// The workspace is the one browser.rs seeds before the scenarios run (REVOS_E2E_SEED): two
// people commented on its campaign's post on the fake Unipile, and the server's own workers
// found them, enriched them through the fake Apollo and sent their DMs. The tests of this file
// run in order and share what they create.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  MOBILE, checkA11y, expectFitsWidth, expectNoErrors, launch, login, screenshotBoth, session, signUp, tabTo, visit,
} from "../lib/harness.mjs";

const SEED = process.env.REVOS_E2E_SEED ? JSON.parse(process.env.REVOS_E2E_SEED) : null;
const NEEDS_SEED = SEED ? false : "needs REVOS_E2E_SEED (set by `cargo test -p revos --test browser`)";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

let browser;
let a; // the seeded workspace's owner
const made = {}; // ids of what the tests create, for the page tour and the isolation check

before(async () => {
  browser = await launch();
  if (!SEED) return;
  a = await session(browser);
  a.page.on("dialog", (d) => d.accept());
  await login(a, SEED);
});
after(async () => { await browser?.close(); });

/** The id at the end of the page's path, once it matches `/<kind>/<uuid>`. */
async function idAfterRedirect(page, kind) {
  await page.waitForURL(new RegExp(`/${kind}/${UUID}$`));
  return new URL(page.url()).pathname.split("/").pop();
}

test("a cartridge created with the form editor; a bad field shows its message beside it", { skip: NEEDS_SEED }, async () => {
  const { page } = a;
  await visit(a, "/cartridges/new", "cartridge-new");
  await page.getByLabel("Name (the client)").fill("Nora Keys Coaching");
  await page.getByLabel("Role").fill("Leadership coach");
  await page.getByLabel("Expertise (one per line)").fill("delegation\nfeedback");
  await page.getByLabel("Target audience").fill("first-time managers");
  await page.getByLabel("Tone").selectOption("casual");
  await page.getByLabel("Vocabulary level (1 plain to 10 specialist)").fill("11");
  await page.getByLabel("Niche").fill("tech leadership");
  await page.getByLabel("Key topics (one per line)").fill("1:1s\ndelegation");
  await page.getByLabel("Example 1: LinkedIn post").or(page.getByLabel("New example: LinkedIn post")).fill("Managers: ask one more question.");

  a.allowed.push(/^\/cartridges$/); // the 422 is what this step asserts
  const [rejected] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/cartridges"),
    page.getByRole("button", { name: "Create cartridge" }).click(),
  ]);
  a.allowed.pop();
  assert.equal(rejected.status(), 422);
  await page.getByRole("alert").waitFor();
  // The message sits right after its field, and what was typed is kept.
  const message = page.locator("#writing-style-vocabulary-level + .field-error");
  assert.match(await message.innerText(), /between 1 and 10/);
  assert.equal(await page.locator(".field-error").count(), 1, "only the bad field has a message");
  assert.equal(await page.getByLabel("Name (the client)").inputValue(), "Nora Keys Coaching");
  assert.equal(await page.getByLabel("Key topics (one per line)").inputValue(), "1:1s\ndelegation");
  await checkA11y(page);
  await screenshotBoth(page, "cartridge-new-errors");

  await page.getByLabel("Vocabulary level (1 plain to 10 specialist)").fill("6");
  await page.getByRole("button", { name: "Create cartridge" }).click();
  made.cartridge = await idAfterRedirect(page, "cartridges");
  assert.match(await page.locator("h1").innerText(), /Nora Keys Coaching\s+version 1/);
  const yaml = await page.getByLabel("The cartridge as YAML").innerText();
  assert.match(yaml, /role: Leadership coach/);
  assert.match(yaml, /vocabulary_level: 6/);
  assert.match(yaml, /- 1:1s/);
  assert.equal(await page.locator("#versions-title ~ .table-wrap tbody tr").count(), 1);
  expectNoErrors(a);
});

test("a sandbox account from Settings, a campaign made with the keyboard alone, edited, paused and resumed", { skip: NEEDS_SEED }, async () => {
  const { page } = a;
  await page.goto("/settings");
  await page.getByLabel("Display name").fill("Nora Keys");
  await page.getByRole("button", { name: "Add sandbox account" }).click();
  await page.waitForURL(/\/settings\?done=/);
  const accountRow = page.locator("#accounts-table tbody tr", { hasText: "Nora Keys" });
  assert.match(await accountRow.innerText(), /Sandbox/);

  // The whole form from the keyboard: Tab to each field, type, pick options with the arrows,
  // and Enter in a text field submits.
  await page.goto("/campaigns/new");
  await page.locator("body").focus();
  await tabTo(page, "name");
  await page.keyboard.type("Nora Playbook");
  const next = async (id) => {
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.id), id, `Tab moves to #${id}`);
  };
  await next("linkedin_account_id");
  const account = page.getByLabel("LinkedIn account");
  for (let i = 0; i < 5 && !(await account.locator("option:checked").innerText()).startsWith("Nora Keys"); i++) {
    await page.keyboard.press("ArrowDown");
  }
  assert.match(await account.locator("option:checked").innerText(), /^Nora Keys \(sandbox\)/);
  await next("cartridge_id");
  await page.keyboard.press("ArrowDown");
  assert.equal(await page.getByLabel("Cartridge (voice of the DMs)").inputValue(), made.cartridge);
  await next("lead_magnet_id");
  // Past the library picker and its help's link to the library.
  await page.keyboard.press("Tab");
  await next("lead_magnet_title");
  await page.keyboard.type("The 1:1 playbook");
  await next("lead_magnet_url");
  await page.keyboard.type("https://acme.io/playbook");
  await next("lead_magnet_description");
  await page.keyboard.type("Twelve questions for better 1:1s");
  await next("trigger_words");
  await page.keyboard.type("PLAYBOOK, send it");
  // Activation needs a post to watch.
  await next("watched_posts");
  await page.keyboard.type("7400000000000000555");
  await page.getByLabel("Trigger words").press("Enter");
  made.campaign = await idAfterRedirect(page, "campaigns");

  const status = page.locator("#campaign-status");
  assert.match(await page.locator("h1").innerText(), /Nora Playbook\s+Sandbox\s+draft/);
  const settings = page.getByRole("region", { name: "Settings" });
  assert.match(await settings.innerText(), /The 1:1 playbook/);
  assert.deepEqual(await settings.locator(".badge").allInnerTexts(), ["PLAYBOOK", "send it"]);
  assert.equal(await settings.getByRole("link", { name: "Nora Keys Coaching" }).getAttribute("href"), `/cartridges/${made.cartridge}`);
  assert.match(await page.locator("#pacing-table tbody").innerText(), /Nora Keys/);

  await page.getByRole("button", { name: "Activate" }).click();
  await page.waitForFunction(() => document.getElementById("campaign-status")?.textContent === "active");
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForFunction(() => document.getElementById("campaign-status")?.textContent === "paused");
  assert.equal(await page.getByRole("button", { name: "Pause" }).count(), 0, "no Pause button while paused");

  // Paused, edit the trigger words through the edit form.
  await page.getByRole("link", { name: "Edit" }).click();
  await page.waitForURL(new RegExp(`/campaigns/${made.campaign}/edit$`));
  assert.equal(await page.getByLabel("Trigger words").inputValue(), "PLAYBOOK, send it");
  await page.getByLabel("Trigger words").fill("PLAYBOOK, 1:1");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(new RegExp(`/campaigns/${made.campaign}$`));
  assert.deepEqual(await settings.locator(".badge").allInnerTexts(), ["PLAYBOOK", "1:1"]);
  assert.equal(await status.innerText(), "paused", "editing keeps the status");

  await page.getByRole("button", { name: "Resume" }).click();
  await page.waitForFunction(() => document.getElementById("campaign-status")?.textContent === "active");
  assert.equal(await page.getByRole("button", { name: "Resume" }).count(), 0);
  await page.getByRole("button", { name: "Pause" }).waitFor();

  // The list shows it, active, next to the seeded one.
  await page.goto("/campaigns");
  const row = page.locator("#campaigns-table tbody tr", { hasText: "Nora Playbook" });
  assert.match(await row.innerText(), /Sandbox\s+active\s+Nora Keys/);
  assert.equal(await page.locator("#campaigns-table tbody tr", { hasText: SEED.campaign_name }).count(), 1);
  expectNoErrors(a);
});

test("a post edited and approved in the queue, another rejected with a reason", { skip: NEEDS_SEED }, async () => {
  const { page } = a;
  const item = (id) => page.locator("li.queue-item", { has: page.locator(`#post-${id}`) });
  const postId = () => new URL(page.url()).hash.replace(/^#post-/, "");

  // Written by hand, then submitted.
  await page.goto("/approvals");
  const own = page.getByRole("form", { name: "Write it yourself" });
  await own.getByLabel("Cartridge (client)").selectOption({ label: "Nora Keys Coaching" });
  await own.getByLabel("Post text").fill("Most 1:1s fail in the first minute.\nAsk first, then listen.");
  await own.getByRole("button", { name: "Save draft" }).click();
  await page.waitForURL(new RegExp(`/approvals#post-${UUID}$`));
  made.post = postId();
  assert.match(await page.getByRole("region", { name: /^Draft \d/ }).innerText(), /Most 1:1s fail/);
  await item(made.post).getByRole("button", { name: "Submit for approval" }).click();
  await page.waitForURL(/\/approvals/);
  await page.locator('[data-count="pending_approval"]', { hasText: "1" }).waitFor();

  // Inline edit: open "Edit and approve", change the text, approve the edited text.
  const pending = item(made.post);
  await pending.getByText("Edit and approve").click();
  const edited = "Most 1:1s go wrong in the first minute.\nAsk one question, then listen.";
  await pending.getByLabel("Edited text").fill(edited);
  await pending.getByRole("button", { name: "Approve edited text" }).click();
  await page.waitForURL(/\/approvals/);
  const approved = page.getByRole("region", { name: /^Approved \d/ });
  const card = approved.locator(`#post-${made.post}`);
  assert.equal(await card.locator(".body").innerText(), edited);
  assert.match(await card.innerText(), /Approved/);
  assert.equal(await page.locator('[data-count="pending_approval"]').innerText(), "0");

  // Its page: approved, edited by the approver, the first draft kept.
  await page.goto(`/posts/${made.post}`);
  assert.match(await page.getByRole("region", { name: "Status" }).innerText(), /Approved \(edited by the approver\)/);
  assert.match(await page.getByRole("region", { name: "First draft" }).innerText(), /Most 1:1s fail in the first minute/);
  assert.equal(await page.locator(`#post-${made.post} .body`).innerText(), edited);

  // Written by the agent (offline: from the cartridge's templates), submitted, rejected.
  await page.goto("/approvals");
  const draft = page.getByRole("form", { name: "Write a draft for me" });
  await draft.getByLabel("Cartridge (client)").selectOption({ label: "Nora Keys Coaching" });
  await draft.getByLabel("Topic").fill("delegating to a new team");
  await draft.getByRole("button", { name: "Write draft" }).click();
  await page.waitForURL(new RegExp(`/approvals#post-${UUID}$`));
  made.rejected = postId();
  assert.notEqual(made.rejected, made.post);
  await item(made.rejected).getByRole("button", { name: "Submit for approval" }).click();
  await page.waitForURL(/\/approvals/);
  const reason = "Too salesy for this client.";
  await item(made.rejected).getByLabel("Reason for rejecting").fill(reason);
  await item(made.rejected).getByRole("button", { name: "Reject" }).click();
  await page.waitForURL(/\/approvals/);
  const rejected = page.getByRole("region", { name: /^Rejected \d/ }).locator(`#post-${made.rejected}`);
  assert.match(await rejected.innerText(), new RegExp(`Rejected: ${reason}`));
  await page.goto(`/posts/${made.rejected}`);
  assert.match(await page.getByRole("region", { name: "History" }).innerText(), new RegExp(`Reason: ${reason}`));
  expectNoErrors(a);
});

test("a lead found by searching, its timeline opened, another put on do-not-contact", { skip: NEEDS_SEED }, async () => {
  const { page } = a;
  const { lead, other_lead: other } = SEED;
  await page.goto("/leads");
  const rows = page.locator("#leads-table tbody tr");
  assert.equal(await rows.count(), 2, "both seeded leads are listed");

  // Full-text search on the headline's company.
  await page.getByLabel("Search").fill(lead.search);
  await page.getByRole("button", { name: "Filter" }).click();
  await page.waitForURL(new RegExp(`[?&]q=${lead.search}`));
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), new RegExp(`${lead.name}[\\s\\S]*${SEED.campaign_name}: dm sent`));

  await page.getByRole("link", { name: lead.name }).click();
  await page.waitForURL(`**/leads/${lead.id}`);
  assert.match(await page.locator("h1").innerText(), new RegExp(`^${lead.name}`));
  assert.doesNotMatch(await page.locator("h1").innerText(), /Sandbox/, "a lead found through Unipile is real");
  const timeline = page.locator("#lead-timeline > li");
  const entries = (await timeline.allInnerTexts()).map((t) => t.replace(/\s+/g, " "));
  assert.equal(entries.length, 5, entries.join("\n"));
  assert.match(entries[0], /Lead scraped · Seeded Guide/);
  assert.match(entries[1], /DM queued · Seeded Guide/);
  assert.match(entries[2], /Lead enriched · Seeded Guide .*cost \$0\.1000/);
  assert.match(entries[3], /DM to them · Seeded Guide sent Hi Quinn! Here is The hiring guide/);
  assert.match(entries[4], /DM sent · Seeded Guide/);

  // The dashboard counts them: two scraped, enriched and sent a DM, none opened or replied yet.
  await page.goto("/");
  const funnel = page.getByRole("region", { name: /^Funnel/ }).locator(".stats").first();
  assert.deepEqual(await funnel.locator("dd").allInnerTexts(), ["2", "2", "2", "0", "0", "0", "0"]);
  const sent = (await page.locator("#daily-table tbody tr td:nth-child(2)").allInnerTexts()).map(Number);
  assert.equal(sent.reduce((x, y) => x + y, 0), 2, "the chart's table holds both DMs");

  // The other lead, from the list: the confirmation is accepted, the badge shows.
  await page.goto(`/leads?stage=dm_sent`);
  await page.getByRole("button", { name: `Add ${other.name} to do-not-contact` }).click();
  await page.waitForURL(/\/leads/);
  const row = page.locator(`#leads-table tr[data-lead-id="${other.id}"]`);
  assert.match(await row.innerText(), /Do not contact/);
  assert.equal(await row.getByRole("button").count(), 0);
  expectNoErrors(a);
});

test("every page at 1280x800 and 390x844: labelled, no errors, nothing wider than a phone", { skip: NEEDS_SEED }, async () => {
  assert.ok(made.cartridge && made.campaign && made.post && made.rejected, "the tests above created what the pages show");
  const pages = [
    ["/", "dashboard-with-data"],
    ["/approvals", "approvals"],
    [`/posts/${made.post}`, "post-approved"],
    [`/posts/${made.rejected}`, "post-rejected"],
    ["/cartridges", "cartridges"],
    ["/cartridges/new", "cartridge-new"],
    [`/cartridges/${made.cartridge}`, "cartridge"],
    ["/leads", "leads"],
    [`/leads/${SEED.lead.id}`, "lead"],
    ["/campaigns", "campaigns"],
    ["/campaigns/new", "campaign-new"],
    [`/campaigns/${made.campaign}`, "campaign"],
    [`/campaigns/${made.campaign}/edit`, "campaign-edit"],
    ["/queue", "queue"],
    ["/settings", "settings"],
    ["/reports?preset=30d", "reports"],
    [`/reports?preset=last_month&client_id=${made.cartridge}`, "report-client"],
  ];
  const { page } = a;
  for (const [path, name] of pages) {
    await visit(a, path, name);
    await page.setViewportSize(MOBILE);
    await expectFitsWidth(page);
    await page.setViewportSize({ width: 1280, height: 800 });
  }
});

test("a second workspace sees none of the first one's pages or data", { skip: NEEDS_SEED }, async () => {
  assert.ok(made.cartridge && made.campaign && made.post, "the tests above created what to look for");
  const b = await session(browser);
  await signUp(b, { who: "other", workspace: "Other Co" });
  const { page } = b;
  const secrets = /Nora Keys|Nora Playbook|Seeded Guide|Quinn Harlow|Rita Moss|1:1s|Too salesy/;
  const foreign = [
    `/campaigns/${made.campaign}`,
    `/campaigns/${made.campaign}/edit`,
    `/campaigns/${SEED.campaign_id}`,
    `/leads/${SEED.lead.id}`,
    `/posts/${made.post}`,
    `/cartridges/${made.cartridge}`,
  ];
  for (const path of foreign) {
    b.allowed.push(new RegExp(`^${path}$`));
    const response = await page.goto(path);
    assert.equal(response.status(), 404, `GET ${path} as the other workspace`);
    assert.doesNotMatch(await page.content(), secrets, `${path} shows nothing of it`);
  }
  await screenshotBoth(page, "lead-of-another-workspace");
  for (const path of ["/", "/campaigns", "/cartridges", "/leads", `/leads?q=${SEED.lead.search}`, "/approvals", "/settings"]) {
    await page.goto(path);
    assert.doesNotMatch(await page.locator("main").innerText(), secrets, `${path} of the other workspace`);
  }
  assert.deepEqual(await page.locator("#chat-client option").allInnerTexts(), ["No client"], "the chat offers no foreign client");
  expectNoErrors(b);
  await b.context.close();

  // The owner still sees all of it.
  assert.equal((await a.page.goto(`/leads/${SEED.lead.id}`)).status(), 200);
  expectNoErrors(a);
});
