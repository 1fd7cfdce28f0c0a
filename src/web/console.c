/*
 * console.c - the admin console: server-rendered pages under /scim/admin
 * (the web server routes that path to the same workers) for the
 * administrators of scimctl admin add. An operator's account sees every
 * tenant; a tenant's account that tenant only, and any other tenant's page
 * is 404 to it. Pages work without JavaScript; console.js only adds a copy
 * button.
 *
 * Security: a session is 256 random bits in an HttpOnly, SameSite=Strict
 * cookie (Secure behind HTTPS), stored as its SHA-256; it ends 30 minutes
 * idle or 12 hours after sign-in. Every form carries a CSRF token derived
 * from the session, and every change is a POST from this origin. Failed
 * sign-ins are slowed per client address, then refused, and logged. The
 * pages escape everything that comes from the database or the request
 * (html_text()), and go with a Content-Security-Policy that allows no
 * inline script. A SCIM bearer token opens nothing here, and a console
 * session nothing of the SCIM API: the two never read each other's
 * credentials.
 */
#include "console.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "address.h"
#include "html.h"
#include "log.h"
#include "password.h"
#include "resource.h"
#include "sha256.h"
#include "store_admin.h"
#include "token.h"

#define COOKIE_NAME "scim_console"
#define SESSION_ID_LENGTH 43 /* 256 bits in base64url */
#define SLOW_AFTER 5         /* failed sign-ins in 15 minutes */
#define REFUSE_AFTER 20

/* One request of the console. */
struct console {
	const struct http_request *req;
	struct http_response *resp;
	struct store *store;
	const struct settings *settings;
	struct log_context *log;
	char base[512]; /* the console's path, e.g. /scim/admin */
	bool signed_in;
	struct store_console_admin admin;
	uint8_t session_hash[32];
	char csrf[65];            /* of this session */
	char tenant_id[40];       /* of a tenant's page: its links */
	struct http_request form; /* a POST's fields */
};

/* ---- pages ---------------------------------------------------------------- */

static void tenant_link(struct console *c, struct html *h, const char *tenant_id,
			const char *page, const char *text);

static void page_start(struct console *c, struct html *h, const char *title)
{
	html_raw(h,
		 "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	html_text(h, title);
	html_raw(h, " - SCIM admin</title><link rel=\"stylesheet\" href=\"");
	html_text(h, c->base);
	html_raw(h, "/console.css\"><script src=\"");
	html_text(h, c->base);
	html_raw(h, "/console.js\" defer></script></head><body><header><a href=\"");
	html_text(h, c->base);
	html_raw(h, "/\">SCIM admin</a>");
	if (c->signed_in) {
		html_raw(h, "<span class=\"who\">");
		html_text(h, c->admin.name);
		html_raw(h, "</span><form method=\"post\" action=\"");
		html_text(h, c->base);
		html_raw(h, "/sign-out\"><input type=\"hidden\" name=\"csrf\" value=\"");
		html_text(h, c->csrf);
		html_raw(h, "\"><button>Sign out</button></form>");
	}
	html_raw(h, "</header>");
	if (c->signed_in && c->tenant_id[0] != '\0') {
		static const char *const pages[][2] = {
			{ "/providers", "Providers" }, { "/log", "Provisioning log" },
			{ "/users", "Users" }, { "/groups", "Groups" },
		};
		size_t i;

		html_raw(h, "<nav>");
		for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
			tenant_link(c, h, c->tenant_id, pages[i][0], pages[i][1]);
		html_raw(h, "</nav>");
	}
	html_raw(h, "<main><h1>");
	html_text(h, title);
	html_raw(h, "</h1>");
}

static void page_end(struct console *c, struct html *h, int status)
{
	html_raw(h, "</main></body></html>\n");
	c->resp->status = status;
	free(c->resp->page);
	c->resp->page = html_take(h);
}

/* A hidden CSRF field for a form. */
static void csrf_field(struct console *c, struct html *h)
{
	html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_text(h, c->csrf);
	html_raw(h, "\">");
}

static void message_page(struct console *c, int status, const char *title, const char *text)
{
	struct html h = { 0 };

	page_start(c, &h, title);
	html_raw(&h, "<p>");
	html_text(&h, text);
	html_raw(&h, "</p>");
	page_end(c, &h, status);
}

static void not_found(struct console *c)
{
	message_page(c, 404, "Not found", "There is no such page.");
}

/* 303 to a path below the console's base. */
static void redirect(struct console *c, const char *path)
{
	char location[1024];

	snprintf(location, sizeof(location), "%s%s", c->base, path);
	free(c->resp->location);
	c->resp->location = strdup(location);
	free(c->resp->page);
	c->resp->page = strdup("");
	if (c->resp->location == NULL || c->resp->page == NULL)
		abort();
	c->resp->status = 303;
}

/* ---- sessions --------------------------------------------------------------- */

/* The session id the browser sent, or false. */
static bool session_cookie(const struct http_request *req, char id[SESSION_ID_LENGTH + 1])
{
	const char *p = req->cookie;
	size_t len;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " ;");
		len = strcspn(p, ";");
		if (len == strlen(COOKIE_NAME "=") + SESSION_ID_LENGTH &&
		    strncmp(p, COOKIE_NAME "=", strlen(COOKIE_NAME "=")) == 0) {
			memcpy(id, p + strlen(COOKIE_NAME "="), SESSION_ID_LENGTH);
			id[SESSION_ID_LENGTH] = '\0';
			return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					  "0123456789-_") == SESSION_ID_LENGTH;
		}
		p += len;
	}
	return false;
}

/* The CSRF token of a session: derived from its id, which only the
 * browser holds. */
static void csrf_of(const char *session_id, char out[65])
{
	char text[SESSION_ID_LENGTH + 8];
	uint8_t hash[32];

	snprintf(text, sizeof(text), "csrf:%s", session_id);
	sha256(text, strlen(text), hash);
	sha256_hex(hash, out);
}

static void set_cookie(struct console *c, const char *value, bool clear)
{
	char cookie[1024];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=%s/; HttpOnly; SameSite=Strict%s%s",
		 COOKIE_NAME, value, c->base, c->req->https ? "; Secure" : "",
		 clear ? "; Max-Age=0" : "");
	free(c->resp->set_cookie);
	c->resp->set_cookie = strdup(cookie);
	if (c->resp->set_cookie == NULL)
		abort();
}

static bool read_session(struct console *c, struct scim_error *err)
{
	char id[SESSION_ID_LENGTH + 1];

	if (!session_cookie(c->req, id))
		return true;
	sha256(id, SESSION_ID_LENGTH, c->session_hash);
	if (!store_console_session(c->store, c->session_hash, &c->admin, &c->signed_in, err))
		return false;
	if (c->signed_in) {
		csrf_of(id, c->csrf);
		log_context_set(c->log, c->req->request_id, c->admin.tenant_name);
	}
	return true;
}

/* A POST from this origin with this session's CSRF token (`with_session`)?
 * When not, the answer is 403. */
static bool post_allowed(struct console *c, bool with_session)
{
	const char *token = http_query_get(&c->form, "csrf");
	char origin[600];
	bool ok = true;

	if (c->req->origin != NULL && c->req->host != NULL) {
		snprintf(origin, sizeof(origin), "%s://%s", c->req->https ? "https" : "http",
			 c->req->host);
		ok = strcmp(c->req->origin, origin) == 0;
	}
	if (ok && with_session)
		ok = token != NULL && strcmp(token, c->csrf) == 0;
	if (!ok)
		message_page(c, 403, "Refused", "The form did not come from this console.");
	return ok;
}

/* ---- the provisioning log's rows of the console's actions --------------------- */

static void log_action(struct console *c, const char *tenant_id, long long token_id,
		       const char *action, const char *name)
{
	struct store_log_entry e = { 0 };
	struct scim_error err = { 0 };

	e.tenant_id = tenant_id;
	e.token_id = token_id;
	e.request_id = c->req->request_id;
	e.client_address = c->req->client_address;
	e.method = "POST";
	e.action = action;
	e.resource_name = name != NULL ? strdup(name) : NULL;
	e.status = 200;
	e.admin = c->admin.name;
	if (!store_log_write(c->store, &e, &err))
		log_msg(c->log, LOG_ERROR, "the provisioning log was not written: %s", err.detail);
	store_log_entry_clear(&e);
}

/* ---- sign-in ---------------------------------------------------------------- */

static void sign_in_page(struct console *c, int status, const char *problem)
{
	struct html h = { 0 };

	page_start(c, &h, "Sign in");
	if (problem != NULL) {
		html_raw(&h, "<p class=\"problem\">");
		html_text(&h, problem);
		html_raw(&h, "</p>");
	}
	html_raw(&h, "<form method=\"post\" action=\"");
	html_text(&h, c->base);
	html_raw(&h, "/sign-in\"><label>Name <input name=\"name\" autocomplete=\"username\" required>"
		"</label><label>Password <input name=\"password\" type=\"password\" "
		"autocomplete=\"current-password\" required></label><button>Sign in</button></form>");
	page_end(c, &h, status);
}

/* A hash to check a password against when the name is unknown, so that
 * a wrong name takes as long as a wrong password. */
static const char *decoy_hash(void)
{
	static char hash[PASSWORD_HASH_SIZE];

	if (hash[0] == '\0' && !password_hash("not a password of anyone", hash))
		return NULL;
	return hash;
}

static void sign_in(struct console *c, struct scim_error *err)
{
	const char *name = http_query_get(&c->form, "name");
	const char *password = http_query_get(&c->form, "password");
	const char *address = c->req->client_address ? c->req->client_address : "unknown";
	char hash[PASSWORD_HASH_SIZE] = "";
	char id[TOKEN_LENGTH + 1];
	uint8_t token_hash[32];
	long long failures;
	bool found = false;
	bool ok;

	if (!post_allowed(c, false))
		return;
	if (!store_console_failures(c->store, address, &failures, err))
		return;
	if (failures >= REFUSE_AFTER) {
		log_msg(c->log, LOG_WARNING, "sign-in refused from %s: %lld failures in 15 minutes",
			address, failures);
		sign_in_page(c, 429,
			     "Too many failed sign-ins from your address: try again in "
			     "15 minutes.");
		return;
	}
	if (name == NULL || password == NULL || strlen(name) > 200 ||
	    strlen(password) > PASSWORD_MAX_LENGTH) {
		sign_in_page(c, 400, "Give your name and password.");
		return;
	}
	if (!store_console_admin_by_name(c->store, name, &c->admin, hash, sizeof(hash), &found,
					 err))
		return;
	ok = password_verify(found ? hash : decoy_hash(), password) && found;
	if (!ok) {
		if (!store_console_failure_add(c->store, address, err))
			return;
		log_msg(c->log, LOG_WARNING, "sign-in failed for \"%s\" from %s", name, address);
		/* Each failure past the first few costs the next attempt time. */
		if (failures + 1 >= SLOW_AFTER)
			sleep((unsigned)(failures + 2 - SLOW_AFTER < 5 ? failures + 2 - SLOW_AFTER : 5));
		sign_in_page(c, 401, "The name or the password is wrong.");
		return;
	}
	/* The session id: a token's 256 random bits, without its prefix. */
	if (!token_generate(id, token_hash)) {
		message_page(c, 500, "Error", "No randomness is available.");
		return;
	}
	sha256(id + 5, SESSION_ID_LENGTH, c->session_hash);
	if (!store_console_session_add(c->store, c->admin.id, c->session_hash, address, err))
		return;
	log_msg(c->log, LOG_INFO, "admin \"%s\" signed in from %s", c->admin.name, address);
	set_cookie(c, id + 5, false);
	redirect(c, "/");
}

static void sign_out(struct console *c, struct scim_error *err)
{
	if (!post_allowed(c, true))
		return;
	if (!store_console_session_end(c->store, c->session_hash, err))
		return;
	set_cookie(c, "", true);
	redirect(c, "/");
}

/* ---- tenants ---------------------------------------------------------------- */

static void tenant_link(struct console *c, struct html *h, const char *tenant_id, const char *page,
			const char *text)
{
	html_raw(h, "<a href=\"");
	html_text(h, c->base);
	html_raw(h, "/tenants/");
	html_text(h, tenant_id);
	html_raw(h, page);
	html_raw(h, "\">");
	html_text(h, text);
	html_raw(h, "</a>");
}

static void home(struct console *c, struct scim_error *err)
{
	struct store_console_tenant *rows;
	struct html h = { 0 };
	int nrows;
	int i;

	if (!store_console_tenants(c->store, c->admin.tenant_id[0] ? c->admin.tenant_id : NULL,
				   &rows, &nrows, err))
		return;
	page_start(c, &h, c->admin.tenant_id[0] ? c->admin.tenant_name : "Tenants");
	html_raw(&h,
		 "<table><thead><tr><th>Tenant</th><th>Users</th><th>Active</th><th>Groups</th>"
		 "<th>Last provisioning</th><th>Failures, 24 h</th><th></th></tr></thead><tbody>");
	for (i = 0; i < nrows; i++) {
		html_raw(&h, "<tr><td>");
		html_text(&h, rows[i].name);
		html_rawf(&h, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>", rows[i].users,
			  rows[i].active, rows[i].groups);
		html_text(&h, rows[i].last_activity ? rows[i].last_activity : "never");
		html_rawf(&h, "</td><td>%lld</td><td>", rows[i].failures);
		tenant_link(c, &h, rows[i].id, "/providers", "Providers");
		html_raw(&h, " ");
		tenant_link(c, &h, rows[i].id, "/log", "Provisioning log");
		html_raw(&h, " ");
		tenant_link(c, &h, rows[i].id, "/users", "Users");
		html_raw(&h, " ");
		tenant_link(c, &h, rows[i].id, "/groups", "Groups");
		html_raw(&h, "</td></tr>");
	}
	html_raw(&h, "</tbody></table>");
	if (c->admin.tenant_id[0] == '\0') {
		html_raw(&h, "<h2>Add a tenant</h2><form method=\"post\" action=\"");
		html_text(&h, c->base);
		html_raw(&h, "/tenants\">");
		csrf_field(c, &h);
		html_raw(&h, "<label>Name <input name=\"name\" required maxlength=\"100\"></label>"
			     "<button>Add tenant</button></form>");
	}
	free(rows);
	page_end(c, &h, 200);
}

static void tenant_add(struct console *c, struct scim_error *err)
{
	const char *name = http_query_get(&c->form, "name");
	char id[37];

	if (c->admin.tenant_id[0] != '\0') {
		not_found(c);
		return;
	}
	if (!post_allowed(c, true))
		return;
	if (name == NULL || name[0] == '\0' || strlen(name) > 100) {
		message_page(c, 400, "Not added", "A tenant needs a name of 1 to 100 characters.");
		return;
	}
	if (!store_tenant_add(c->store, name, id, err))
		return;
	log_action(c, id, 0, "tenant added", name);
	redirect(c, "/");
}

/* The tenant of a page, when the account may see it: its name. */
static bool tenant_visible(struct console *c, const char *tenant_id, char *name, size_t size,
			   struct scim_error *err)
{
	bool found = false;

	if (!resource_id_valid(tenant_id) ||
	    (c->admin.tenant_id[0] != '\0' && strcasecmp(c->admin.tenant_id, tenant_id) != 0))
		return false;
	return store_console_tenant_name(c->store, tenant_id, name, size, &found, err) && found;
}

/* ---- providers ---------------------------------------------------------------- */

/* The SCIM base URL to paste into Entra as the Tenant URL. */
static void tenant_url(struct console *c, char *out, size_t size)
{
	size_t len;

	if (c->settings->base_url[0] != '\0') {
		snprintf(out, size, "%s", c->settings->base_url);
		return;
	}
	/* The console's URL, /admin turned into /v2. */
	snprintf(out, size, "%s", c->req->base_url);
	len = strlen(out);
	if (len >= 6 && strcmp(out + len - 6, "/admin") == 0)
		snprintf(out + len - 6, size - (len - 6), "/v2");
}

static void providers_page(struct console *c, const char *tenant_id, const char *tenant_name,
			   struct scim_error *err)
{
	struct store_token_row *rows;
	struct html h = { 0 };
	char title[300];
	int nrows;
	int i;

	if (!store_console_tokens(c->store, tenant_id, &rows, &nrows, err))
		return;
	snprintf(title, sizeof(title), "Providers of %s", tenant_name);
	page_start(c, &h, title);
	html_raw(&h, "<table><thead><tr><th>Title</th><th>Created</th><th>Last used</th>"
		"<th>Allowed networks</th><th>Expires</th><th>State</th><th></th></tr></thead><tbody>");
	for (i = 0; i < nrows; i++) {
		html_raw(&h, "<tr><td>");
		html_text(&h, rows[i].title);
		html_raw(&h, "</td><td>");
		html_text(&h, rows[i].created);
		html_raw(&h, "</td><td>");
		html_text(&h, rows[i].last_used ? rows[i].last_used : "never");
		html_raw(&h, "</td><td>");
		html_text(&h, rows[i].networks ? rows[i].networks : "any");
		html_raw(&h, "</td><td>");
		html_text(&h, rows[i].expires ? rows[i].expires : "never");
		html_raw(&h, "</td><td>");
		html_text(&h, rows[i].status);
		html_raw(&h, "</td><td>");
		if (strcmp(rows[i].status, "revoked") != 0) {
			char path[64];

			snprintf(path, sizeof(path), "/providers/%lld/revoke", rows[i].id);
			tenant_link(c, &h, tenant_id, path, "Revoke");
			html_raw(&h, " <form method=\"post\" action=\"");
			html_text(&h, c->base);
			html_raw(&h, "/tenants/");
			html_text(&h, tenant_id);
			html_rawf(&h, "/providers/%lld/rotate\">", rows[i].id);
			csrf_field(c, &h);
			html_raw(&h, "<button>Rotate</button></form>");
		}
		html_raw(&h, "</td></tr>");
	}
	html_raw(&h, "</tbody></table><h2>Add provider</h2><form method=\"post\" action=\"");
	html_text(&h, c->base);
	html_raw(&h, "/tenants/");
	html_text(&h, tenant_id);
	html_raw(&h, "/providers\">");
	csrf_field(c, &h);
	html_raw(&h, "<label>Title <input name=\"title\" required maxlength=\"200\" "
		"placeholder=\"Entra production\"></label><label>IP-based access restriction "
		"(optional): networks, one a line<textarea name=\"networks\" rows=\"3\" "
		"placeholder=\"20.0.0.0/8\"></textarea></label><button>Add provider</button></form>");
	free(rows);
	page_end(c, &h, 200);
}

/* The page that shows a new token, once. */
static void token_page(struct console *c, const char *title_text, const char *token)
{
	struct html h = { 0 };
	char url[1024];

	tenant_url(c, url, sizeof(url));
	page_start(c, &h, title_text);
	html_raw(&h, "<p>Paste these into the identity provider (in Entra: Provisioning, Admin "
		     "Credentials). The Secret Token is shown only now.</p><dl><dt>Tenant URL</dt>"
		     "<dd><code id=\"tenant-url\">");
	html_text(&h, url);
	html_raw(&h, "</code> <button type=\"button\" data-copy=\"tenant-url\">Copy</button></dd>"
		     "<dt>Secret Token</dt><dd><code id=\"secret-token\">");
	html_text(&h, token);
	html_raw(&h, "</code> <button type=\"button\" data-copy=\"secret-token\">Copy</button></dd>"
		     "</dl>");
	page_end(c, &h, 200);
}

static void provider_add(struct console *c, const char *tenant_id, struct scim_error *err)
{
	const char *title = http_query_get(&c->form, "title");
	const char *text = http_query_get(&c->form, "networks");
	struct address_networks parsed;
	const char *networks[ADDRESS_MAX_NETWORKS];
	char formatted[ADDRESS_MAX_NETWORKS][ADDRESS_TEXT_SIZE + 8];
	char token[TOKEN_LENGTH + 1];
	uint8_t hash[32];
	long long token_id;
	size_t i;

	if (!post_allowed(c, true))
		return;
	if (title == NULL || title[0] == '\0' || strlen(title) > 200) {
		message_page(c, 400, "Not added",
			     "A provider needs a title of 1 to 200 characters.");
		return;
	}
	if (!address_networks_parse(text, &parsed, err)) {
		char detail[sizeof(err->detail)];

		snprintf(detail, sizeof(detail), "%s", err->detail);
		error_clear(err);
		message_page(c, 400, "Not added", detail);
		return;
	}
	for (i = 0; i < parsed.count; i++) {
		char address[ADDRESS_TEXT_SIZE];

		snprintf(formatted[i], sizeof(formatted[i]), "%s/%u",
			 address_format(&parsed.list[i].base, address), parsed.list[i].prefix);
		networks[i] = formatted[i];
	}
	if (!token_generate(token, hash)) {
		message_page(c, 500, "Error", "No randomness is available.");
		return;
	}
	if (!store_console_token_add(c->store, tenant_id, title, networks, (int)parsed.count, hash,
				     &token_id, err))
		return;
	log_action(c, tenant_id, token_id, "provider added", title);
	token_page(c, "Provider added", token);
}

static void provider_revoke(struct console *c, const char *tenant_id, const char *token_id,
			    struct scim_error *err)
{
	struct html h = { 0 };
	char title[256];

	if (strcmp(c->req->method, "GET") == 0) {
		/* The confirmation; the revocation is its POST. */
		page_start(c, &h, "Revoke provider");
		html_raw(&h, "<p>The identity provider that uses this token will be refused from its next "
			"request on. This cannot be undone.</p><form method=\"post\">");
		csrf_field(c, &h);
		html_raw(&h, "<button class=\"danger\">Revoke</button></form>");
		page_end(c, &h, 200);
		return;
	}
	if (!post_allowed(c, true))
		return;
	if (!store_console_token_revoke(c->store, tenant_id, token_id, title, sizeof(title), err)) {
		if (err->status == 404) {
			error_clear(err);
			not_found(c);
		}
		return;
	}
	log_action(c, tenant_id, strtoll(token_id, NULL, 10), "provider revoked", title);
	snprintf(title, sizeof(title), "/tenants/%s/providers", tenant_id);
	redirect(c, title);
}

static void provider_rotate(struct console *c, const char *tenant_id, const char *token_id,
			    struct scim_error *err)
{
	char token[TOKEN_LENGTH + 1];
	char title[256];
	uint8_t hash[32];
	long long new_id;

	if (!post_allowed(c, true))
		return;
	if (!token_generate(token, hash)) {
		message_page(c, 500, "Error", "No randomness is available.");
		return;
	}
	if (!store_console_token_rotate(c->store, tenant_id, token_id, hash, &new_id, title,
					sizeof(title), err)) {
		if (err->status == 404) {
			error_clear(err);
			not_found(c);
		}
		return;
	}
	log_action(c, tenant_id, new_id, "provider rotated", title);
	token_page(c, "New token for the provider", token);
}

/* ---- the provisioning log ------------------------------------------------------- */

static void log_cell(struct html *h, const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	html_raw(h, "<td>");
	if (json_is_string(v))
		html_text(h, json_string_value(v));
	else if (json_is_integer(v))
		html_rawf(h, "%lld", (long long)json_integer_value(v));
	html_raw(h, "</td>");
}

/* The log's rows as a table. */
static void log_table(struct html *h, const json_t *rows, size_t count)
{
	const json_t *row;
	const json_t *name;
	size_t i;
	size_t k;

	html_raw(h, "<table><thead><tr><th>Time (UTC)</th><th>Provider</th><th>Action</th>"
		 "<th>Type</th><th>Resource</th><th>Changed</th><th>Status</th><th>Detail</th>"
		 "<th>Request</th></tr></thead><tbody>");
	for (i = 0; i < count && i < json_array_size(rows); i++) {
		row = json_array_get(rows, i);
		html_raw(h, "<tr>");
		log_cell(h, row, "at");
		if (json_is_string(json_object_get(row, "admin"))) {
			html_raw(h, "<td>console: ");
			html_text(h, json_string_value(json_object_get(row, "admin")));
			html_raw(h, "</td>");
		} else {
			log_cell(h, row, "provider");
		}
		log_cell(h, row, "action");
		log_cell(h, row, "resource_type");
		log_cell(h, row, json_is_string(json_object_get(row, "resource_name")) ?
			 "resource_name" : "resource_id");
		html_raw(h, "<td>");
		json_array_foreach(json_object_get(row, "attributes"), k, name) {
			html_raw(h, k ? ", " : "");
			html_text(h, json_string_value(name));
		}
		html_raw(h, "</td>");
		log_cell(h, row, "status");
		log_cell(h, row, "detail");
		log_cell(h, row, "request_id");
		html_raw(h, "</tr>");
	}
	html_raw(h, "</tbody></table>");
}

/* The rows of a filter, or NULL with err set (400: a value it cannot use). */
static json_t *log_rows(struct console *c, const struct store_log_filter *f,
			struct scim_error *err)
{
	char *json = store_log_query(c->store, f, err);
	json_t *rows;

	if (json == NULL)
		return NULL;
	rows = json_loads(json, 0, NULL);
	free(json);
	return rows;
}

/* A query parameter, NULL when absent or empty. */
static const char *param(const struct console *c, const char *name)
{
	const char *value = http_query_get(c->req, name);

	return value != NULL && value[0] != '\0' ? value : NULL;
}

static void filter_input(struct html *h, const char *label, const char *name, const char *value)
{
	html_raw(h, "<label>");
	html_text(h, label);
	html_raw(h, " <input name=\"");
	html_text(h, name);
	html_raw(h, "\" value=\"");
	html_text(h, value);
	html_raw(h, "\"></label>");
}

#define LOG_PAGE 100

static void log_page(struct console *c, const char *tenant_name, struct scim_error *err)
{
	struct store_log_filter f = { 0 };
	struct html h = { 0 };
	const char *before = param(c, "before");
	char title[300];
	json_t *rows;

	f.tenant = tenant_name;
	f.provider = param(c, "provider");
	f.action = param(c, "action");
	f.resource = param(c, "name");
	f.failed = param(c, "failed") != NULL;
	f.since = param(c, "since");
	f.until = param(c, "until");
	f.before = before != NULL && strspn(before, "0123456789") == strlen(before) ? before : NULL;
	f.limit = LOG_PAGE + 1;
	if (f.provider != NULL && strspn(f.provider, "0123456789") != strlen(f.provider))
		f.provider = NULL;
	rows = log_rows(c, &f, err);
	if (rows == NULL) {
		if (err->status == 400) {
			error_clear(err);
			message_page(c, 400, "Provisioning log",
				     "A filter has a value the log cannot use (a time?).");
		}
		return;
	}
	snprintf(title, sizeof(title), "Provisioning log of %s", tenant_name);
	page_start(c, &h, title);
	html_raw(&h, "<form method=\"get\" class=\"filters\">");
	filter_input(&h, "Name or id", "name", f.resource);
	filter_input(&h, "Action", "action", f.action);
	filter_input(&h, "Provider", "provider", f.provider);
	filter_input(&h, "Since", "since", f.since);
	filter_input(&h, "Until", "until", f.until);
	html_rawf(&h, "<label><input type=\"checkbox\" name=\"failed\" value=\"1\"%s> Failed only"
		  "</label><button>Filter</button></form>", f.failed ? " checked" : "");
	log_table(&h, rows, LOG_PAGE);
	if (json_array_size(rows) > LOG_PAGE) {
		/* The next page: older than the last row shown, same filters. */
		html_raw(&h, "<p><a class=\"next\" href=\"?before=");
		html_rawf(&h, "%lld", (long long)json_integer_value(
			json_object_get(json_array_get(rows, LOG_PAGE - 1), "log_id")));
		if (f.resource) { html_raw(&h, "&amp;name="); html_query_value(&h, f.resource); }
		if (f.action) { html_raw(&h, "&amp;action="); html_query_value(&h, f.action); }
		if (f.provider) { html_raw(&h, "&amp;provider="); html_query_value(&h, f.provider); }
		if (f.since) { html_raw(&h, "&amp;since="); html_query_value(&h, f.since); }
		if (f.until) { html_raw(&h, "&amp;until="); html_query_value(&h, f.until); }
		if (f.failed)
			html_raw(&h, "&amp;failed=1");
		html_raw(&h, "\">Older</a></p>");
	}
	json_decref(rows);
	page_end(c, &h, 200);
}

/* ---- users and groups --------------------------------------------------------- */

/* A list of a tenant's users or groups, 50 a page, searched by name. */
static void resources_page(struct console *c, const char *tenant_id, const char *tenant_name,
			   bool groups, struct scim_error *err)
{
	const char *q = param(c, "q");
	const char *page_text = param(c, "page");
	int page = page_text != NULL ? atoi(page_text) : 0;
	const json_t *row;
	struct html h = { 0 };
	char title[300];
	char link[128];
	json_t *rows;
	char *json;
	size_t i;

	if (page < 0 || page > 100000)
		page = 0;
	json = store_console_json(c->store, groups ? STORE_CONSOLE_GROUPS : STORE_CONSOLE_USERS,
				  tenant_id, q, page * 50, err);
	if (json == NULL)
		return;
	rows = json_loads(json, 0, NULL);
	free(json);
	snprintf(title, sizeof(title), "%s of %s", groups ? "Groups" : "Users", tenant_name);
	page_start(c, &h, title);
	html_raw(&h, "<form method=\"get\" class=\"filters\">");
	filter_input(&h, groups ? "displayName starts with" : "userName or displayName starts with",
		     "q", q);
	html_raw(&h, "<button>Search</button></form><table><thead><tr>");
	html_raw(&h, groups ? "<th>displayName</th><th>Members</th>" :
		 "<th>userName</th><th>displayName</th><th>Active</th>");
	html_raw(&h, "<th>externalId</th><th>Last modified (UTC)</th></tr></thead><tbody>");
	for (i = 0; i < json_array_size(rows) && i < 50; i++) {
		row = json_array_get(rows, i);
		snprintf(link, sizeof(link), "/%s/%s", groups ? "groups" : "users",
			 json_string_value(json_object_get(row, "id")));
		html_raw(&h, "<tr><td>");
		tenant_link(c, &h, tenant_id, link, json_string_value(json_object_get(
			row, groups ? "display_name" : "user_name")));
		html_raw(&h, "</td>");
		if (groups) {
			log_cell(&h, row, "members");
		} else {
			log_cell(&h, row, "display_name");
			html_raw(&h, json_is_true(json_object_get(row, "active")) ? "<td>yes</td>" :
				 "<td>no</td>");
		}
		log_cell(&h, row, "external_id");
		log_cell(&h, row, "last_modified");
		html_raw(&h, "</tr>");
	}
	html_raw(&h, "</tbody></table><p>");
	if (page > 0) {
		html_rawf(&h, "<a href=\"?page=%d&amp;q=", page - 1);
		html_query_value(&h, q);
		html_raw(&h, "\">Previous</a> ");
	}
	if (json_array_size(rows) > 50) {
		html_rawf(&h, "<a class=\"next\" href=\"?page=%d&amp;q=", page + 1);
		html_query_value(&h, q);
		html_raw(&h, "\">Next</a>");
	}
	html_raw(&h, "</p>");
	json_decref(rows);
	page_end(c, &h, 200);
}

/* An attribute's value as text: strings as they are, the rest as JSON. */
static void value_cell(struct html *h, const json_t *value)
{
	char *text;

	html_raw(h, "<td>");
	if (json_is_string(value)) {
		html_text(h, json_string_value(value));
	} else {
		text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
		html_text(h, text);
		free(text);
	}
	html_raw(h, "</td>");
}

/* One user or group: its attributes, its groups or members, its log. */
static void resource_page(struct console *c, const char *tenant_id, const char *tenant_name,
			  bool group, const char *id, struct scim_error *err)
{
	struct store_log_filter f = { 0 };
	const json_t *value;
	const json_t *item;
	const char *key;
	struct html h = { 0 };
	json_t *resource;
	json_t *rows;
	char link[128];
	char *json;
	size_t i;

	if (!resource_id_valid(id)) {
		not_found(c);
		return;
	}
	json = store_console_json(c->store, group ? STORE_CONSOLE_GROUP : STORE_CONSOLE_USER,
				  tenant_id, id, 0, err);
	if (json == NULL) {
		if (err->status == 404) {
			error_clear(err);
			not_found(c);
		}
		return;
	}
	resource = json_loads(json, 0, NULL);
	free(json);
	f.tenant = tenant_name;
	f.resource = id;
	f.limit = LOG_PAGE;
	rows = log_rows(c, &f, err);
	if (rows == NULL) {
		json_decref(resource);
		return;
	}
	page_start(c, &h, json_string_value(json_object_get(resource, "name")));
	html_raw(&h, "<table><tbody><tr><th>id</th>");
	value_cell(&h, json_object_get(resource, "id"));
	html_raw(&h, "</tr><tr><th>created (UTC)</th>");
	value_cell(&h, json_object_get(resource, "created"));
	html_raw(&h, "</tr><tr><th>lastModified (UTC)</th>");
	value_cell(&h, json_object_get(resource, "last_modified"));
	html_raw(&h, "</tr><tr><th>version</th>");
	value_cell(&h, json_object_get(resource, "version"));
	html_raw(&h, "</tr>");
	json_object_foreach(json_object_get(resource, "doc"), key, value) {
		if (strcmp(key, "schemas") == 0)
			continue;
		html_raw(&h, "<tr><th>");
		html_text(&h, key);
		html_raw(&h, "</th>");
		value_cell(&h, value);
		html_raw(&h, "</tr>");
	}
	html_raw(&h, "</tbody></table>");
	html_raw(&h, group ? "<h2>Members</h2>" : "<h2>Groups</h2>");
	if (group)
		html_rawf(&h, "<p>%lld in all%s</p>",
			  (long long)json_integer_value(json_object_get(resource, "related_count")),
			  json_integer_value(json_object_get(resource, "related_count")) > 500 ?
			  ", the first 500 by name:" : "");
	html_raw(&h, "<ul>");
	json_array_foreach(json_object_get(resource, "related"), i, item) {
		snprintf(link, sizeof(link), "/%s/%s",
			 strcmp(json_string_value(json_object_get(item, "type")), "User") == 0 ?
			 "users" : "groups", json_string_value(json_object_get(item, "id")));
		html_raw(&h, "<li>");
		tenant_link(c, &h, tenant_id, link, json_string_value(json_object_get(item, "name")));
		html_raw(&h, "</li>");
	}
	html_raw(&h, "</ul><h2>Provisioning log</h2>");
	log_table(&h, rows, LOG_PAGE);
	json_decref(rows);
	json_decref(resource);
	page_end(c, &h, 200);
}

/* ---- static files ------------------------------------------------------------- */

static const char console_css[] =
	"body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#1b1b1b}"
	"header{display:flex;flex-wrap:wrap;gap:1em;align-items:center;padding:.6em 1em;background:#1d3557;color:#fff}"
	"header a{color:#fff;font-weight:600;text-decoration:none}header .who{margin-left:auto}"
	"header form{display:inline}main{padding:1em;max-width:70em}"
	"nav{display:flex;flex-wrap:wrap;gap:1em;padding:.5em 1em;background:#e8eef5}"
	"table{border-collapse:collapse;width:100%;display:block;overflow-x:auto}"
	"th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}"
	"label{display:block;margin:.5em 0}input,textarea{display:block;font:inherit;max-width:100%}"
	".filters label{display:inline-block;margin-right:1em}.problem{color:#b00020}"
	"code{background:#f1f1f1;padding:.2em .4em;word-break:break-all}"
	"button.danger{background:#b00020;color:#fff}form{margin:.3em 0}";

static const char console_js[] =
	"document.querySelectorAll('button[data-copy]').forEach(function(b){"
	"b.addEventListener('click',function(){var t=document.getElementById(b.dataset.copy);"
	"if(t&&navigator.clipboard){navigator.clipboard.writeText(t.textContent);"
	"b.textContent='Copied';}});});";

static void static_file(struct console *c, const char *type, const char *text)
{
	c->resp->status = 200;
	c->resp->page_type = type;
	free(c->resp->page);
	c->resp->page = strdup(text);
	if (c->resp->page == NULL)
		abort();
}

/* ---- dispatch ----------------------------------------------------------------- */

/* Split "/tenants/ID/rest" into the id and the rest. */
static bool tenant_path(const char *path, char id[40], const char **rest)
{
	size_t len;

	if (strncmp(path, "/tenants/", 9) != 0)
		return false;
	len = strcspn(path + 9, "/");
	if (len == 0 || len >= 40)
		return false;
	memcpy(id, path + 9, len);
	id[len] = '\0';
	*rest = path + 9 + len;
	return true;
}

static void tenant_route(struct console *c, const char *path, bool post, struct scim_error *err)
{
	char tenant_id[40];
	char name[128];
	char token_id[24];
	const char *rest;
	size_t len;

	if (!tenant_path(path, tenant_id, &rest) ||
	    !tenant_visible(c, tenant_id, name, sizeof(name), err)) {
		if (!error_is_set(err))
			not_found(c);
		return;
	}
	snprintf(c->tenant_id, sizeof(c->tenant_id), "%s", tenant_id);
	if (strcmp(rest, "/providers") == 0) {
		if (post)
			provider_add(c, tenant_id, err);
		else
			providers_page(c, tenant_id, name, err);
		return;
	}
	if ((strcmp(rest, "/users") == 0 || strcmp(rest, "/groups") == 0) && !post) {
		resources_page(c, tenant_id, name, strcmp(rest, "/groups") == 0, err);
		return;
	}
	if (strncmp(rest, "/users/", 7) == 0 && !post) {
		resource_page(c, tenant_id, name, false, rest + 7, err);
		return;
	}
	if (strncmp(rest, "/groups/", 8) == 0 && !post) {
		resource_page(c, tenant_id, name, true, rest + 8, err);
		return;
	}
	if (strcmp(rest, "/log") == 0 && !post) {
		log_page(c, name, err);
		return;
	}
	if (strncmp(rest, "/providers/", 11) == 0) {
		len = strspn(rest + 11, "0123456789");
		if (len == 0 || len > 18) {
			not_found(c);
			return;
		}
		memcpy(token_id, rest + 11, len);
		token_id[len] = '\0';
		if (strcmp(rest + 11 + len, "/revoke") == 0) {
			provider_revoke(c, tenant_id, token_id, err);
			return;
		}
		if (strcmp(rest + 11 + len, "/rotate") == 0 && post) {
			provider_rotate(c, tenant_id, token_id, err);
			return;
		}
	}
	not_found(c);
}

void console_dispatch(const struct http_request *req, struct http_response *resp,
		      struct store *store, const struct settings *settings, struct log_context *log)
{
	struct console c = { .req = req, .resp = resp, .store = store, .settings = settings,
			     .log = log };
	struct scim_error err = { 0 };
	const char *path = req->path;
	bool post = strcmp(req->method, "POST") == 0;
	bool enabled = false;

	snprintf(c.base, sizeof(c.base), "%s", req->script_name ? req->script_name : "");
	if (!store_console_enabled(store, &enabled, &err) || !enabled) {
		if (!error_is_set(&err)) {
			not_found(&c);
			return;
		}
		goto failed;
	}
	if (strcmp(path, "/console.css") == 0 || strcmp(path, "/console.js") == 0) {
		if (strcmp(path, "/console.css") == 0)
			static_file(&c, "text/css; charset=utf-8", console_css);
		else
			static_file(&c, "text/javascript; charset=utf-8", console_js);
		return;
	}
	if (post && req->body != NULL)
		http_parse_query(&c.form, req->body);
	if (!read_session(&c, &err))
		goto failed;
	if (strcmp(path, "/sign-in") == 0 && post)
		sign_in(&c, &err);
	else if (!c.signed_in && (strcmp(path, "/") == 0 || path[0] == '\0'))
		sign_in_page(&c, 200, NULL);
	else if (!c.signed_in)
		redirect(&c, "/");
	else if (strcmp(path, "/sign-out") == 0 && post)
		sign_out(&c, &err);
	else if ((strcmp(path, "/") == 0 || path[0] == '\0') && !post)
		home(&c, &err);
	else if (strcmp(path, "/tenants") == 0 && post)
		tenant_add(&c, &err);
	else if (strncmp(path, "/tenants/", 9) == 0)
		tenant_route(&c, path, post, &err);
	else
		not_found(&c);
failed:
	if (error_is_set(&err))
		message_page(&c, err.status >= 500 ? err.status : 400, "Not done", err.detail);
	resp->error = err;
	http_request_clear(&c.form);
}
