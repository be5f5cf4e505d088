// Signing up and logging in through the forms, and the dashboard's funnel.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { checkA11y, expectNoErrors, launch, login, screenshotBoth, session, signUp, visit } from "../lib/harness.mjs";

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test("the sign-up and log-in pages are labelled and render at both sizes", async () => {
  const s = await session(browser);
  await visit(s, "/signup", "signup");
  await visit(s, "/login", "login");
  await visit(s, "/invitations/accept?token=ri_example", "accept-invitation");
  await s.context.close();
});

test("sign up through the form, see the funnel, log out and log in again", async () => {
  const s = await session(browser);
  const { page } = s;
  const account = await signUp(s, { who: "ana", workspace: "Acme Coaching" });

  // The funnel: six stages and the magnet opens, each a number (0 in a new workspace),
  // readable without script.
  const stages = page.getByRole("region", { name: /^Funnel/ }).locator(".stats").first().locator(".stat");
  assert.deepEqual(
    await stages.locator("dt").allInnerTexts(),
    ["Scraped", "Enriched", "DM sent", "Opened", "Replied", "Email sequenced", "Email replied"],
  );
  assert.deepEqual(await stages.locator("dd").allInnerTexts(), ["0", "0", "0", "0", "0", "0", "0"]);
  assert.deepEqual(await page.locator("#rates dt").allInnerTexts(), ["Reply rate", "Cost", "Cost per lead"]);
  assert.equal((await page.getByLabel("Workspace").locator("option:checked").innerText()).trim(), "Acme Coaching");
  // With the script, the workspace selector switches on change: its Switch button is hidden.
  assert.equal(await page.getByRole("button", { name: "Switch" }).isVisible(), false);
  await checkA11y(page);
  await screenshotBoth(page, "dashboard");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/login$/);
  // Signed out: the dashboard sends the visitor to the login form.
  await page.goto("/");
  await page.waitForURL(/\/login\?next=/);

  await login(s, account);
  assert.match(await page.locator("header .who").innerText(), new RegExp(account.email.replace(/[.+]/g, "\\$&")));
  expectNoErrors(s);
  await s.context.close();
});

test("a wrong password re-shows the login form with the error", async () => {
  const s = await session(browser);
  const { page } = s;
  const account = await signUp(s, { who: "ben" });
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/login$/);
  s.allowed.push(/^\/login$/); // the 401 is what this test asserts
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill("not the password at all");
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login"),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
  assert.equal(response.status(), 401);
  await page.getByRole("alert").waitFor();
  assert.equal(await page.getByLabel("Email").inputValue(), account.email, "the e-mail is kept");
  await checkA11y(page);
  expectNoErrors(s);
  await s.context.close();
});
