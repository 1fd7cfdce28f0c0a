// console.mjs - the admin console in a real browser: Debian's chromium,
// headless, driven by playwright-core. scripts/test runs it against the
// console of each web server it tests it through:
//
//   SCIM_URL=http://127.0.0.1:PORT/scim/v2 SCIM_SCIMCTL=... node tests/browser/console.mjs
//
// An administrator signs in, adds a provider with an IP restriction, reads
// its token off the page and uses it against the SCIM API from an allowed
// and a refused address (a user provisioned, then disabled), finds those
// rows in the log and on the user's page, revokes the provider and sees the
// token refused. Then the rules: another tenant's page is 404, a userName
// of <script>alert(1)</script> is text, a form without its CSRF token is
// refused. A screenshot of each page goes to SCIM_BROWSER_ARTIFACTS
// (default var/browser). Ends with "browser: N passed, N failed".

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const scimUrl = process.env.SCIM_URL;
const consoleUrl = scimUrl.replace(/\/v2$/, "/admin");
const scimctl = process.env.SCIM_SCIMCTL || "scimctl";
const suite = process.env.SCIM_BROWSER_SUITE || "browser";
const artifacts = process.env.SCIM_BROWSER_ARTIFACTS || "var/browser";
mkdirSync(artifacts, { recursive: true });

let passed = 0;
let failed = 0;

async function check(name, fn) {
	try {
		await fn();
		passed++;
		console.log(`pass ${name}`);
	} catch (e) {
		failed++;
		console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
	}
}

function assert(ok, message) {
	if (!ok)
		throw new Error(message);
}

function run(args, input) {
	return execFileSync(scimctl, args, { input, encoding: "utf-8" }).trim();
}

function unique(prefix) {
	return prefix + Math.random().toString(16).slice(2, 12);
}

async function scim(method, resource, token, body, headers = {}) {
	const r = await fetch(scimUrl + resource, {
		method,
		headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/scim+json", ...headers },
		body: body ? JSON.stringify(body) : undefined,
	});
	return { status: r.status, json: await r.json().catch(() => null) };
}

const tenant = unique("browser-");
const tenantId = run(["tenant", "add", tenant]);
const otherId = run(["tenant", "add", unique("browser-other-")]);
const admin = unique("admin-");
const password = unique("a long secret ");
run(["admin", "add", admin, "--tenant", tenant], password + "\n");

const browser = await chromium.launch({
	executablePath: process.env.SCIM_CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
const dialogs = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${suite}-${name}.png`), fullPage: true });

let token = "";
const userName = unique("ada.") + "@example.com";
let userId = "";

try {
	await check("sign in", async () => {
		await page.goto(consoleUrl + "/");
		await shot("sign-in");
		await page.fill("input[name=name]", admin);
		await page.fill("input[name=password]", password);
		await page.click("button:has-text('Sign in')");
		await page.waitForSelector("h1");
		assert((await page.textContent("h1")) === tenant, "the home page of the tenant");
		assert((await page.textContent("header")).includes(admin), "the administrator's name");
		await shot("home");
	});

	await check("add a provider with an IP restriction; its token shown once", async () => {
		await page.click("a:has-text('Providers')");
		await page.fill("input[name=title]", "Entra production");
		await page.fill("textarea[name=networks]", "127.0.0.0/8\n203.0.113.0/24");
		await shot("providers-empty");
		await page.click("button:has-text('Add provider')");
		await page.waitForSelector("#secret-token");
		token = (await page.textContent("#secret-token")).trim();
		assert(/^scim_[A-Za-z0-9_-]{43}$/.test(token), `a token: ${token}`);
		assert((await page.textContent("#tenant-url")).trim() === scimUrl, "the Tenant URL");
		assert(await page.isVisible("button[data-copy=secret-token]"), "a copy button");
		await shot("provider-added");
		await page.goBack();
		await page.reload();
		assert(!(await page.content()).includes(token), "the token is not shown again");
	});

	await check("the token provisions from an allowed address, not from another", async () => {
		const created = await scim("POST", "/Users", token, {
			schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, displayName: "Ada",
			active: true });
		assert(created.status === 201, `create: ${created.status}`);
		userId = created.json.id;
		const disabled = await scim("PATCH", `/Users/${userId}`, token, {
			schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
			Operations: [{ op: "replace", path: "active", value: false }] });
		assert(disabled.status === 200 && disabled.json.active === false, `disable: ${disabled.status}`);
		const refused = await scim("GET", "/Users", token, null, { "X-Forwarded-For": "198.51.100.7" });
		assert(refused.status === 401, `from 198.51.100.7: ${refused.status}`);
		const allowed = await scim("GET", "/Users", token, null, { "X-Forwarded-For": "203.0.113.9" });
		assert(allowed.status === 200, `from 203.0.113.9: ${allowed.status}`);
	});

	await check("the log shows what the provider and the administrator did", async () => {
		await page.goto(`${consoleUrl}/`);
		await page.click("a:has-text('Provisioning log')");
		const text = await page.textContent("table");
		for (const word of ["provider added", "created", "disabled", `console: ${admin}`, userName])
			assert(text.includes(word), `the log shows ${word}`);
		await shot("log");
		await page.fill("input[name=name]", userName);
		await page.click("button:has-text('Filter')");
		assert((await page.locator("tbody tr").count()) === 2, "the user's two rows");
	});

	await check("the user's page: attributes and history", async () => {
		await page.goto(`${consoleUrl}/tenants/${tenantId}/users`);
		await shot("users");
		await page.click(`a:has-text('${userName}')`);
		const text = await page.textContent("main");
		assert(text.includes("displayName") && text.includes("Ada"), "its attributes");
		assert(text.includes("disabled") && text.includes("created"), "its log");
		await shot("user");
	});

	await check("readable on a phone", async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await page.goto(`${consoleUrl}/tenants/${tenantId}/log`);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		assert(width <= 390, `the page is ${width} px wide: no sideways scrolling but in tables`);
		await shot("phone-log");
		await page.setViewportSize({ width: 1100, height: 800 });
	});

	await check("revoke, after a confirmation: the token is refused", async () => {
		await page.goto(`${consoleUrl}/tenants/${tenantId}/providers`);
		await page.click("a:has-text('Revoke')");
		assert((await page.textContent("main")).includes("cannot be undone"), "a confirmation");
		await shot("revoke");
		await page.click("button:has-text('Revoke')");
		await page.waitForSelector("table");
		assert((await page.textContent("tbody")).includes("revoked"), "shown revoked");
		const r = await scim("GET", "/Users", token);
		assert(r.status === 401, `after revocation: ${r.status}`);
	});

	await check("another tenant's page is 404 to a tenant's administrator", async () => {
		for (const p of ["providers", "log", "users"]) {
			const r = await page.goto(`${consoleUrl}/tenants/${otherId}/${p}`);
			assert(r.status() === 404, `${p}: ${r.status()}`);
		}
	});

	await check("a hostile userName is text", async () => {
		const other = run(["token", "add", tenant, "--title", "hostile test"]);
		const r = await scim("POST", "/Users", other, {
			schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
			userName: "<script>alert(1)</script>", displayName: "<img src=x onerror=alert(2)>" });
		assert(r.status === 201, `create: ${r.status}`);
		await page.goto(`${consoleUrl}/tenants/${tenantId}/users`);
		assert((await page.textContent("tbody")).includes("<script>alert(1)</script>"), "shown as text");
		await page.goto(`${consoleUrl}/tenants/${tenantId}/log`);
		await page.goto(`${consoleUrl}/tenants/${tenantId}/users/${r.json.id}`);
		assert((await page.textContent("main")).includes("<img src=x onerror=alert(2)>"), "as text");
		await shot("hostile");
		assert(dialogs.length === 0, `no script ran: ${dialogs}`);
	});

	await check("a form posted without its CSRF token is refused", async () => {
		await page.goto(`${consoleUrl}/tenants/${tenantId}/providers`);
		await page.fill("input[name=title]", "no csrf");
		await page.evaluate(() => {
			for (const input of document.querySelectorAll("input[name=csrf]"))
				input.remove();
		});
		const [response] = await Promise.all([
			page.waitForResponse((r) => r.request().method() === "POST"),
			page.click("button:has-text('Add provider')"),
		]);
		assert(response.status() === 403, `status ${response.status()}`);
		await shot("csrf-refused");
	});

	await check("sign out ends the session", async () => {
		await page.goto(`${consoleUrl}/`);
		await page.click("button:has-text('Sign out')");
		await page.waitForSelector("input[name=password]");
		const r = await page.goto(`${consoleUrl}/tenants/${tenantId}/providers`);
		assert(r.url().endsWith("/scim/admin/") && (await page.isVisible("input[name=password]")),
			"back to the sign-in page");
	});
} finally {
	await browser.close();
	run(["admin", "remove", admin]);
}

console.log(`${suite}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
