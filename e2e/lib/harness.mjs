// The browser-test harness: Debian's headless Chromium driven by playwright-core against a
// running `revos serve` (its address in REVOS_E2E_BASE_URL). Each scenario is a few calls to
// the helpers below: signUp, login, visit (accessibility check + screenshots at both sizes +
// no errors), openChat, ask, and api() for data set up through the JSON API.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

/** The server under test, e.g. http://127.0.0.1:40123 (no trailing slash). */
export const BASE = (process.env.REVOS_E2E_BASE_URL || "").replace(/\/$/, "");
if (!BASE) throw new Error("set REVOS_E2E_BASE_URL to the address of a running `revos serve`");

/** Where screenshots go. */
export const SHOTS = process.env.REVOS_E2E_SCREENSHOTS || join("..", "target", "screenshots");

/** The two sizes every page must work at. */
export const DESKTOP = { width: 1280, height: 800 };
export const MOBILE = { width: 390, height: 844 };

/** The password every test account uses. */
export const PASSWORD = "correct horse battery staple";

/** How long a single expectation may wait for the page. */
export const WAIT = 10_000;

/** Chromium's flags on a machine without a network: no background calls, no sandbox as root. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Launches headless Chromium (REVOS_E2E_CHROMIUM, default /usr/bin/chromium). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.REVOS_E2E_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
  });
}

let counter = 0;
/** A fresh, unique e-mail address for one test account. */
export function uniqueEmail(who) {
  counter += 1;
  return `${who}-${Date.now().toString(36)}-${process.pid}-${counter}@example.com`;
}

/**
 * A browser context (its own cookies: one person) with one page, recording every console
 * error, uncaught page error and failed request. Responses whose path matches a pattern given
 * to `allow` (for a status asserted on purpose, like a 404) are not errors.
 */
export async function session(browser, { viewport = DESKTOP } = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const s = { context, page, errors: [], allowed: [] };
  const allowedUrl = (url) => s.allowed.some((re) => re.test(new URL(url).pathname));
  page.on("console", (m) => {
    // A failed load is also a 'response' below, which names the URL; skip the duplicate.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      s.errors.push(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => s.errors.push(`uncaught error on ${page.url()}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !allowedUrl(r.url())) {
      s.errors.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`);
    }
  });
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText || "failed";
    // Leaving a page cancels its live feed and pending loads: not a failure.
    if (why === "net::ERR_ABORTED") return;
    s.errors.push(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  return s;
}

/** Fails listing every console error, page error and failed request seen so far. */
export function expectNoErrors(s) {
  assert.deepEqual(s.errors, [], `errors in the browser:\n${s.errors.join("\n")}`);
}

/**
 * Checks the page in the browser: every input, select and textarea has a label (label[for]
 * or a wrapping label, aria-label, aria-labelledby) and every button an accessible name.
 */
export async function checkA11y(page) {
  const offenders = await page.evaluate(() => {
    const text = (el) => (el?.textContent || "").replace(/\s+/g, " ").trim();
    const byIds = (ids) =>
      (ids || "").split(/\s+/).filter(Boolean).map((id) => text(document.getElementById(id))).join(" ").trim();
    const describe = (el) =>
      el.outerHTML.slice(0, el.outerHTML.indexOf(">") + 1);
    const bad = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
      if (el.type === "hidden") continue;
      const labelled =
        [...(el.labels || [])].some((l) => text(l)) ||
        (el.getAttribute("aria-label") || "").trim() ||
        byIds(el.getAttribute("aria-labelledby"));
      if (!labelled) bad.push(`no label: ${describe(el)}`);
    }
    for (const el of document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"]')) {
      const named =
        text(el) || (el.getAttribute("aria-label") || "").trim() ||
        byIds(el.getAttribute("aria-labelledby")) || (el.getAttribute("title") || "").trim() ||
        (el.tagName === "INPUT" && (el.value || "").trim());
      if (!named) bad.push(`button without a name: ${describe(el)}`);
    }
    return bad;
  });
  assert.deepEqual(offenders, [], `accessibility problems on ${page.url()}:\n${offenders.join("\n")}`);
}

/** Saves a full-page screenshot at 1280x800 and at 390x844 as `<name>-<w>x<h>.png`. */
export async function screenshotBoth(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const size of [DESKTOP, MOBILE]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SHOTS, `${name}-${size.width}x${size.height}.png`), fullPage: true });
  }
  await page.setViewportSize(before);
}

/** Fails when the page scrolls sideways at its current size, naming the widest elements. */
export async function expectFitsWidth(page) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.body.querySelectorAll("*")]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".table-wrap, nav"))
      .slice(0, 5)
      .map((el) => el.outerHTML.slice(0, 80));
  });
  assert.deepEqual(overflow, [], `${page.url()} is wider than the screen`);
}

/**
 * Presses Tab (at most `limit` times) until the element with id `id` has the focus; fails
 * when the keyboard cannot reach it.
 */
export async function tabTo(page, id, limit = 60) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
    await page.keyboard.press("Tab");
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80));
  assert.fail(`#${id} cannot be reached with Tab (the focus is on ${at})`);
}

/**
 * Opens `path`, checks it loaded with status 200 and has an <h1>, checks its accessibility,
 * saves its screenshots as `name` and fails on any browser error so far.
 */
export async function visit(s, path, name) {
  const response = await s.page.goto(path);
  assert.equal(response?.status(), 200, `GET ${path}`);
  await s.page.locator("h1").first().waitFor();
  await checkA11y(s.page);
  await screenshotBoth(s.page, name);
  expectNoErrors(s);
}

/** Signs up through the form; returns the account. The dashboard is then shown. */
export async function signUp(s, { who = "owner", workspace = "Acme" } = {}) {
  const account = { email: uniqueEmail(who), password: PASSWORD, workspace };
  const { page } = s;
  await page.goto("/signup");
  await page.getByLabel("Workspace name").fill(workspace);
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await page.waitForURL(`${BASE}/`);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
  return account;
}

/** Logs in through the form, landing on the dashboard. */
export async function login(s, { email, password }) {
  const { page } = s;
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${BASE}/`);
  await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
}

/** Calls the JSON API; returns { status, body }. */
export async function api(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** A bearer token for the same person, through `POST /api/v1/auth/login`. */
export async function apiToken({ email, password }) {
  const { status, body } = await api("POST", "/api/v1/auth/login", { body: { email, password } });
  assert.equal(status, 200, `API login: ${JSON.stringify(body)}`);
  return body.token;
}

/** A cartridge (client) created through the API; returns its id. */
export async function createCartridge(token, name) {
  const { status, body } = await api("POST", "/api/v1/cartridges", {
    token,
    body: {
      name,
      persona: { role: "Executive Coach", expertise: ["leadership"], target_audience: "new managers" },
      writing_style: { tone: "casual", vocabulary_level: 5, sentence_structure: "short", storytelling_approach: "client stories" },
      industry_knowledge: { niche: "tech leadership", key_topics: ["1:1s"], common_pain_points: ["burnout"], solution_frameworks: ["GROW"] },
      tools_enabled: ["apollo"],
      examples: [{ post: "Managers: stop fixing, start asking.", dm: "Hi {first_name}!", email: "" }],
    },
  });
  assert.equal(status, 201, `create cartridge: ${JSON.stringify(body)}`);
  return body.id;
}

/**
 * Opens the floating chat with the keyboard alone: Tab until the Chat button has the focus,
 * then Enter; the message box must then have the focus.
 */
export async function openChat(page) {
  await page.locator("body").focus();
  let found = false;
  for (let i = 0; i < 80 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => document.activeElement?.id === "chat-toggle");
  }
  assert.ok(found, "the Chat button cannot be reached with Tab");
  await page.keyboard.press("Enter");
  await page.getByRole("region", { name: "Agents" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "chat-input", "the message box has the focus");
}

/**
 * Types `text` into the focused message box and presses Enter; waits until the answer has
 * finished (the Send button is enabled again) and returns the chat log's text.
 */
export async function ask(page, text) {
  const log = page.locator("#chat-log");
  const before = await log.locator(".msg, .tool-card").count();
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
  await page.waitForFunction(
    (n) => document.querySelectorAll("#chat-log .msg, #chat-log .tool-card").length > n + 1 &&
      !document.querySelector("#chat-form button[type=submit]").disabled,
    before,
    { timeout: WAIT },
  );
  return log.innerText();
}

/** A sandbox LinkedIn account created through the API (campaigns need one); returns its id. */
export async function createSandboxAccount(token, displayName) {
  const { status, body } = await api("POST", "/api/v1/linkedin-accounts", {
    token,
    body: { provider: "sandbox", display_name: displayName },
  });
  assert.equal(status, 201, `create sandbox account: ${JSON.stringify(body)}`);
  return body.id;
}
