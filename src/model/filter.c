/*
 * filter.c - the filter parser and the canonical rendering; see filter.h.
 *
 * Grammar (RFC 7644 3.4.2.2, ABNF in figure 1), lowest precedence first:
 *
 *   filter     = term *( "or" term )
 *   term       = factor *( "and" factor )
 *   factor     = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath
 *   attrExp    = attrPath "pr" / attrPath compareOp compValue
 *   valuePath  = attrPath "[" filter "]" [ "." subAttr ( "pr" / compareOp compValue ) ]
 *   attrPath   = [ URI ":" ] ATTRNAME [ "." subAttr ]
 *
 * Keywords and operators are case-insensitive. The input is (text, len), not
 * NUL-terminated; it is checked for NUL bytes and UTF-8 once, up front, so
 * the rest of the parser only has to stay within len.
 *
 * Positions in error details are byte offsets from 0.
 */
#include "filter.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct parser {
	const char *text;
	size_t len;
	size_t pos;
	int depth;             /* open parentheses, not and brackets */
	int nodes;             /* nodes allocated so far */
	bool in_brackets;      /* inside a value filter: no nested brackets */
	const char *scim_type; /* invalidFilter, or invalidPath for PATCH paths */
	const char *what;      /* "filter" or "path", for errors */
	struct scim_error *err;
};

static const char *const op_names[] = {
	[FILTER_EQ] = "eq", [FILTER_NE] = "ne", [FILTER_CO] = "co",
	[FILTER_SW] = "sw", [FILTER_EW] = "ew", [FILTER_GT] = "gt",
	[FILTER_GE] = "ge", [FILTER_LT] = "lt", [FILTER_LE] = "le",
	[FILTER_PR] = "pr",
};

#define OP_COUNT (sizeof(op_names) / sizeof(op_names[0]))

const char *filter_op_name(enum filter_op op)
{
	if ((size_t)op >= OP_COUNT)
		return "?";
	return op_names[op];
}

/* ---- errors ---- */

/* Set "<what> at position <pos>"; always returns false. */
static bool __attribute__((format(printf, 3, 4)))
parser_fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return error_set(p->err, 400, p->scim_type, "%s at position %zu", what,
			 pos);
}

static bool parser_out_of_memory(struct parser *p)
{
	return error_set(p->err, 500, NULL, "out of memory while parsing a filter");
}

/* ---- characters ---- */

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 7644 nameChar: "-" / "_" / DIGIT / ALPHA */
static bool is_name_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

/* Characters of an attribute path with its URN prefix and ".sub". */
static bool is_path_char(int c)
{
	return is_name_char(c) || c == '.' || c == ':' || c == '$';
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space((unsigned char)p->text[p->pos]))
		p->pos++;
}

/* Reject NUL bytes and invalid UTF-8 anywhere in the input. */
static bool check_bytes(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->text;
	size_t i = 0;

	while (i < p->len) {
		uint32_t cp;
		size_t n;

		if (s[i] == '\0')
			return parser_fail(p, i, "embedded NUL byte");
		n = utf8_sequence(s + i, p->len - i, &cp);
		if (n == 0)
			return parser_fail(p, i, "invalid UTF-8");
		i += n;
	}
	return true;
}

/* ---- nodes ---- */

static struct filter_node *node_new(struct parser *p, enum filter_kind kind)
{
	struct filter_node *node;

	if (p->nodes >= FILTER_MAX_NODES) {
		parser_fail(p, p->pos,
			    "filter has too many expressions (more than %d)",
			    FILTER_MAX_NODES);
		return NULL;
	}
	node = calloc(1, sizeof(*node));
	if (node == NULL) {
		parser_out_of_memory(p);
		return NULL;
	}
	p->nodes++;
	node->kind = kind;
	return node;
}

static void path_clear(struct filter_path *path)
{
	free(path->urn);
	free(path->attr);
	free(path->sub);
	path->urn = path->attr = path->sub = NULL;
}

void filter_free(struct filter_node *node)
{
	if (node == NULL)
		return;
	filter_free(node->left);
	filter_free(node->right);
	path_clear(&node->path);
	free(node->value.text);
	free(node->sub_attr);
	free(node);
}

void patch_path_free(struct patch_path *path)
{
	if (path == NULL)
		return;
	path_clear(&path->path);
	filter_free(path->filter);
	free(path->sub_attr);
	path->filter = NULL;
	path->sub_attr = NULL;
}

static char *copy_text(struct parser *p, size_t start, size_t end)
{
	char *s = strndup(p->text + start, end - start);

	if (s == NULL)
		parser_out_of_memory(p);
	return s;
}

/* ---- nesting ---- */

static bool depth_enter(struct parser *p)
{
	if (p->depth >= FILTER_MAX_DEPTH)
		return parser_fail(p, p->pos,
				   "filter nested too deeply (more than %d levels "
				   "of parentheses, not and brackets)",
				   FILTER_MAX_DEPTH);
	p->depth++;
	return true;
}

static void depth_leave(struct parser *p)
{
	p->depth--;
}

/* ---- attribute paths ---- */

/* ATTRNAME = ALPHA *(nameChar), or "$ref" (RFC 7643 2.4 sub-attribute). */
static bool is_attr_name(const char *s, size_t len)
{
	size_t i;

	if (len == 4 && strncasecmp(s, "$ref", 4) == 0)
		return true;
	if (len == 0 || !is_alpha((unsigned char)s[0]))
		return false;
	for (i = 1; i < len; i++)
		if (!is_name_char((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * A name at the current position (ATTRNAME or "$ref"), e.g. the sub-attribute
 * after "]."; `what` names it in the error.
 */
static char *parse_name(struct parser *p, const char *what)
{
	size_t start = p->pos;

	while (p->pos < p->len && is_path_char((unsigned char)p->text[p->pos]) &&
	       p->text[p->pos] != '.' && p->text[p->pos] != ':')
		p->pos++;
	if (!is_attr_name(p->text + start, p->pos - start)) {
		parser_fail(p, start, "expected %s", what);
		return NULL;
	}
	return copy_text(p, start, p->pos);
}

/*
 * [URN ":"] ATTRNAME ["." subAttr]. The URN is everything up to the last ':'
 * of the path, so "urn:...:2.0:User:name.givenName" has urn "urn:...:2.0:User".
 */
static bool parse_path(struct parser *p, struct filter_path *out)
{
	size_t start = p->pos;
	size_t end;
	size_t name;
	size_t dot;
	size_t i;

	while (p->pos < p->len && is_path_char((unsigned char)p->text[p->pos]))
		p->pos++;
	end = p->pos;
	if (end == start)
		return parser_fail(p, start, "expected an attribute path");

	name = start;
	for (i = start; i < end; i++)
		if (p->text[i] == ':')
			name = i + 1;
	if (name > start && !is_alpha((unsigned char)p->text[start]))
		return parser_fail(p, start, "expected a schema URN");

	dot = end;
	for (i = name; i < end; i++) {
		if (p->text[i] == '.') {
			dot = i;
			break;
		}
	}
	if (!is_attr_name(p->text + name, dot - name))
		return parser_fail(p, name, "expected an attribute name");
	if (dot < end) {
		for (i = dot + 1; i < end && p->text[i] != '.'; i++)
			;
		if (!is_attr_name(p->text + dot + 1, i - dot - 1))
			return parser_fail(p, dot + 1,
					   "expected a sub-attribute name");
		if (i < end)
			return parser_fail(p, i, "unexpected '.' after a "
					   "sub-attribute");
	}

	if (name > start) {
		out->urn = copy_text(p, start, name - 1);
		if (out->urn == NULL)
			return false;
	}
	out->attr = copy_text(p, name, dot);
	if (out->attr == NULL)
		return false;
	if (dot < end) {
		out->sub = copy_text(p, dot + 1, end);
		if (out->sub == NULL)
			return false;
	}
	return true;
}

/* ---- values ---- */

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at pos; -1 when they are not there. */
static long read_hex4(const struct parser *p, size_t pos)
{
	long v = 0;
	size_t i;

	if (pos > p->len || p->len - pos < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int h = hex_value((unsigned char)p->text[pos + i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * A JSON string (RFC 8259 7) at the current position, which holds '"'.
 * \u0000 is refused: values end up in C strings and SQL text parameters.
 */
static char *parse_string(struct parser *p)
{
	size_t start = p->pos;
	size_t n = 0;
	char *out;

	/* Unescaping never makes a string longer. */
	out = malloc(p->len - start + 1);
	if (out == NULL) {
		parser_out_of_memory(p);
		return NULL;
	}
	p->pos++;
	for (;;) {
		int c = peek(p);
		long cp;

		if (c < 0) {
			parser_fail(p, p->len, "unterminated string starting "
				    "at position %zu, expected '\"'", start);
			goto failed;
		}
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20) {
			parser_fail(p, p->pos, "unescaped control character "
				    "in a string");
			goto failed;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			p->pos++;
			continue;
		}
		p->pos++;
		c = peek(p);
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[n++] = (char)c;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u':
			cp = read_hex4(p, p->pos + 1);
			if (cp < 0) {
				parser_fail(p, p->pos - 1, "expected four hex "
					    "digits after \\u");
				goto failed;
			}
			if (cp == 0) {
				parser_fail(p, p->pos - 1, "\\u0000 is not "
					    "allowed in a string");
				goto failed;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				parser_fail(p, p->pos - 1, "unpaired surrogate "
					    "in a \\u escape");
				goto failed;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long low = -1;

				if (p->len - p->pos >= 11 &&
				    p->text[p->pos + 5] == '\\' &&
				    p->text[p->pos + 6] == 'u')
					low = read_hex4(p, p->pos + 7);
				if (low < 0xdc00 || low > 0xdfff) {
					parser_fail(p, p->pos - 1, "unpaired "
						    "surrogate in a \\u escape");
					goto failed;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (low - 0xdc00);
				p->pos += 6;
			}
			/* Six escaped bytes always hold their UTF-8 form. */
			n += utf8_encode((uint32_t)cp, out + n);
			p->pos += 4;
			break;
		default:
			parser_fail(p, p->pos - 1, "invalid escape in a string, "
				    "expected one of \\\" \\\\ \\/ \\b \\f \\n "
				    "\\r \\t \\uXXXX");
			goto failed;
		}
		p->pos++;
	}
	out[n] = '\0';
	return out;

failed:
	free(out);
	return NULL;
}

/* JSON number syntax (RFC 8259 6). */
static bool is_json_number(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0') {
		i++;
	} else if (i < len && s[i] >= '1' && s[i] <= '9') {
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	} else {
		return false;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !is_digit((unsigned char)s[i]))
			return false;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit((unsigned char)s[i]))
			return false;
		while (i < len && is_digit((unsigned char)s[i]))
			i++;
	}
	return i == len;
}

static bool word_is(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/*
 * compValue = false / null / true / number / string. Entra also sends bare
 * words (`externalId eq jyoung`, `name.FamilyName eq Employee`): a word that
 * is not a literal or a number is taken as a string. It ends at white space,
 * a parenthesis, a bracket or a quote.
 */
static bool parse_value(struct parser *p, struct filter_value *out)
{
	size_t start = p->pos;
	const char *s = p->text + start;
	size_t len;

	if (peek(p) == '"') {
		out->text = parse_string(p);
		if (out->text == NULL)
			return false;
		out->kind = FILTER_VALUE_STRING;
		return true;
	}
	while (p->pos < p->len) {
		int c = (unsigned char)p->text[p->pos];

		if (is_space(c) || c == '(' || c == ')' || c == '[' ||
		    c == ']' || c == '"')
			break;
		if (c < 0x20 || c == 0x7f)
			return parser_fail(p, p->pos, "unexpected control "
					   "character in a value");
		p->pos++;
	}
	len = p->pos - start;
	if (len == 0)
		return parser_fail(p, start, "expected a value");
	if (word_is(s, len, "true")) {
		out->kind = FILTER_VALUE_TRUE;
	} else if (word_is(s, len, "false")) {
		out->kind = FILTER_VALUE_FALSE;
	} else if (word_is(s, len, "null")) {
		out->kind = FILTER_VALUE_NULL;
	} else {
		out->kind = is_json_number(s, len) ? FILTER_VALUE_NUMBER :
						     FILTER_VALUE_STRING;
		out->text = copy_text(p, start, p->pos);
		if (out->text == NULL)
			return false;
	}
	return true;
}

/*
 * A keyword (and, or, not) at the current position, in any case, followed
 * by something that cannot continue a name. Consumed when it matches.
 */
static bool accept_keyword(struct parser *p, const char *keyword)
{
	size_t n = strlen(keyword);

	if (p->len - p->pos < n ||
	    strncasecmp(p->text + p->pos, keyword, n) != 0)
		return false;
	if (p->pos + n < p->len &&
	    is_path_char((unsigned char)p->text[p->pos + n]))
		return false;
	p->pos += n;
	return true;
}

/* compareOp or "pr", in any case. */
static bool parse_operator(struct parser *p, enum filter_op *op)
{
	size_t start = p->pos;
	size_t i;

	while (p->pos < p->len && is_name_char((unsigned char)p->text[p->pos]))
		p->pos++;
	for (i = 0; i < OP_COUNT; i++) {
		if (word_is(p->text + start, p->pos - start, op_names[i])) {
			*op = (enum filter_op)i;
			return true;
		}
	}
	return parser_fail(p, start, "expected an operator (eq, ne, co, sw, "
			   "ew, gt, ge, lt, le or pr)");
}

/* The operator and, unless it is pr, the value after an attribute path. */
static bool parse_comparison(struct parser *p, enum filter_op *op,
			     struct filter_value *value)
{
	size_t before = p->pos;

	skip_space(p);
	/* `userName"x"`: an operator must be separated from the path. */
	if (p->pos == before && p->pos < p->len)
		return parser_fail(p, p->pos, "expected an operator (eq, ne, "
				   "co, sw, ew, gt, ge, lt, le or pr)");
	if (!parse_operator(p, op))
		return false;
	if (*op == FILTER_PR)
		return true;
	skip_space(p);
	return parse_value(p, value);
}

/* ---- the grammar ---- */

static struct filter_node *parse_or(struct parser *p);

/* What may follow a complete expression at this level, for errors. */
static const char *expected_after(int closer)
{
	if (closer == ')')
		return "expected 'and', 'or' or ')'";
	if (closer == ']')
		return "expected 'and', 'or' or ']'";
	return "expected 'and', 'or' or the end of the filter";
}

/* "(" filter ")" or "not" "(" filter ")"; the '(' is at the current position. */
static struct filter_node *parse_group(struct parser *p)
{
	struct filter_node *inner;

	if (!depth_enter(p))
		return NULL;
	p->pos++;
	inner = parse_or(p);
	if (inner == NULL)
		return NULL;
	skip_space(p);
	if (peek(p) != ')') {
		parser_fail(p, p->pos, "%s", expected_after(')'));
		filter_free(inner);
		return NULL;
	}
	p->pos++;
	depth_leave(p);
	return inner;
}

/* attrPath "[" filter "]", the '[' at the current position. */
static struct filter_node *parse_bracket(struct parser *p, struct filter_node *node)
{
	if (p->in_brackets) {
		parser_fail(p, p->pos, "nested value filters are not allowed");
		return NULL;
	}
	if (node->path.sub != NULL) {
		parser_fail(p, p->pos, "a value filter must follow an attribute, "
			    "not a sub-attribute");
		return NULL;
	}
	if (!depth_enter(p))
		return NULL;
	p->pos++;
	p->in_brackets = true;
	node->left = parse_or(p);
	if (node->left == NULL)
		return NULL;
	skip_space(p);
	if (peek(p) != ']') {
		parser_fail(p, p->pos, "%s", expected_after(']'));
		return NULL;
	}
	p->pos++;
	p->in_brackets = false;
	depth_leave(p);
	return node;
}

/* attrExp, or valuePath with Entra's optional ".sub op value". */
static struct filter_node *parse_attr_expression(struct parser *p)
{
	struct filter_node *node = node_new(p, FILTER_COMPARE);

	if (node == NULL)
		return NULL;
	if (!parse_path(p, &node->path))
		goto failed;
	if (peek(p) != '[') {
		if (!parse_comparison(p, &node->op, &node->value))
			goto failed;
		return node;
	}

	node->kind = FILTER_VALUE_PATH;
	if (parse_bracket(p, node) == NULL)
		goto failed;
	if (peek(p) != '.')
		return node;
	/* Entra: `emails[type eq "work"].value eq "x"`. */
	p->pos++;
	node->sub_attr = parse_name(p, "a sub-attribute name after ']'");
	if (node->sub_attr == NULL)
		goto failed;
	node->has_sub_compare = true;
	if (!parse_comparison(p, &node->op, &node->value))
		goto failed;
	return node;

failed:
	filter_free(node);
	return NULL;
}

static struct filter_node *parse_factor(struct parser *p)
{
	struct filter_node *node;

	skip_space(p);
	if (p->pos >= p->len) {
		parser_fail(p, p->pos, "expected an attribute path, '(' or 'not'");
		return NULL;
	}
	if (peek(p) == '(')
		return parse_group(p);
	if (!accept_keyword(p, "not"))
		return parse_attr_expression(p);

	skip_space(p);
	if (peek(p) != '(') {
		parser_fail(p, p->pos, "expected '(' after 'not'");
		return NULL;
	}
	node = node_new(p, FILTER_NOT);
	if (node == NULL)
		return NULL;
	node->left = parse_group(p);
	if (node->left == NULL) {
		filter_free(node);
		return NULL;
	}
	return node;
}

/* Left-associative chains: `a and b and c` is ((a and b) and c). */
static struct filter_node *parse_chain(struct parser *p, enum filter_kind kind)
{
	const char *keyword = kind == FILTER_OR ? "or" : "and";
	struct filter_node *left;

	left = kind == FILTER_OR ? parse_chain(p, FILTER_AND) : parse_factor(p);
	if (left == NULL)
		return NULL;
	for (;;) {
		struct filter_node *node;
		size_t save;

		skip_space(p);
		save = p->pos;
		if (!accept_keyword(p, keyword)) {
			p->pos = save;
			return left;
		}
		node = node_new(p, kind);
		if (node == NULL) {
			filter_free(left);
			return NULL;
		}
		node->left = left;
		node->right = kind == FILTER_OR ? parse_chain(p, FILTER_AND) :
						  parse_factor(p);
		if (node->right == NULL) {
			filter_free(node);
			return NULL;
		}
		left = node;
	}
}

static struct filter_node *parse_or(struct parser *p)
{
	return parse_chain(p, FILTER_OR);
}

static bool parser_init(struct parser *p, const char *text, size_t len,
			bool patch_path, struct scim_error *err)
{
	memset(p, 0, sizeof(*p));
	p->text = text != NULL ? text : "";
	p->len = text != NULL ? len : 0;
	p->scim_type = patch_path ? SCIM_INVALID_PATH : SCIM_INVALID_FILTER;
	p->what = patch_path ? "path" : "filter";
	p->err = err;
	if (p->len > FILTER_MAX_LENGTH)
		return parser_fail(p, FILTER_MAX_LENGTH,
				   "%s is too long (more than %d bytes)",
				   p->what, FILTER_MAX_LENGTH);
	return check_bytes(p);
}

struct filter_node *filter_parse(const char *text, size_t len,
				 struct scim_error *err)
{
	struct filter_node *node;
	struct parser p;

	if (!parser_init(&p, text, len, false, err))
		return NULL;
	skip_space(&p);
	if (p.pos >= p.len) {
		parser_fail(&p, p.pos, "empty filter, expected an attribute path");
		return NULL;
	}
	node = parse_or(&p);
	if (node == NULL)
		return NULL;
	skip_space(&p);
	if (p.pos < p.len) {
		int c = peek(&p);

		if (c == ')' || c == ']')
			parser_fail(&p, p.pos, "unexpected '%c'", c);
		else
			parser_fail(&p, p.pos, "%s", expected_after(0));
		filter_free(node);
		return NULL;
	}
	return node;
}

/*
 * PATCH paths come from JSON, so they get no white space around them. A
 * bracket filter in them is a filter like any other, but its errors are
 * invalidPath (RFC 7644 3.5.2).
 */
bool filter_parse_patch_path(const char *text, size_t len,
			     struct patch_path *out, struct scim_error *err)
{
	struct filter_node holder;
	struct parser p;

	memset(out, 0, sizeof(*out));
	memset(&holder, 0, sizeof(holder));
	if (!parser_init(&p, text, len, true, err))
		return false;
	if (p.len == 0)
		return parser_fail(&p, 0, "empty path, expected an attribute path");
	if (!parse_path(&p, &out->path))
		goto failed;
	if (peek(&p) == '[') {
		holder.path = out->path;
		if (parse_bracket(&p, &holder) == NULL) {
			filter_free(holder.left);
			goto failed;
		}
		out->filter = holder.left;
		if (peek(&p) == '.') {
			p.pos++;
			out->sub_attr = parse_name(&p, "a sub-attribute name "
						   "after ']'");
			if (out->sub_attr == NULL)
				goto failed;
		}
	}
	if (p.pos < p.len) {
		parser_fail(&p, p.pos, "%s", out->filter != NULL ?
			    "expected '.' and a sub-attribute, or the end of the path" :
			    "expected '[' or the end of the path");
		goto failed;
	}
	return true;

failed:
	patch_path_free(out);
	return false;
}

/* ---- canonical rendering ---- */

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

static void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->failed)
		return;
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 64;
		char *buf;

		while (sb->len + n + 1 > cap)
			cap *= 2;
		buf = realloc(sb->buf, cap);
		if (buf == NULL) {
			sb->failed = true;
			return;
		}
		sb->buf = buf;
		sb->cap = cap;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

/* A JSON string: quote, backslash and control characters escaped. */
static void render_string(struct strbuf *sb, const char *s)
{
	sb_puts(sb, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		switch (c) {
		case '"':
			sb_puts(sb, "\\\"");
			break;
		case '\\':
			sb_puts(sb, "\\\\");
			break;
		case '\b':
			sb_puts(sb, "\\b");
			break;
		case '\f':
			sb_puts(sb, "\\f");
			break;
		case '\n':
			sb_puts(sb, "\\n");
			break;
		case '\r':
			sb_puts(sb, "\\r");
			break;
		case '\t':
			sb_puts(sb, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				sb_puts(sb, esc);
			} else {
				sb_add(sb, s, 1);
			}
		}
	}
	sb_puts(sb, "\"");
}

static void render_path(struct strbuf *sb, const struct filter_path *path)
{
	if (path->urn != NULL) {
		sb_puts(sb, path->urn);
		sb_puts(sb, ":");
	}
	sb_puts(sb, path->attr != NULL ? path->attr : "?");
	if (path->sub != NULL) {
		sb_puts(sb, ".");
		sb_puts(sb, path->sub);
	}
}

static void render_comparison(struct strbuf *sb, enum filter_op op,
			      const struct filter_value *value)
{
	sb_puts(sb, " ");
	sb_puts(sb, filter_op_name(op));
	if (op == FILTER_PR)
		return;
	sb_puts(sb, " ");
	switch (value->kind) {
	case FILTER_VALUE_STRING:
		render_string(sb, value->text != NULL ? value->text : "");
		break;
	case FILTER_VALUE_NUMBER:
		sb_puts(sb, value->text != NULL ? value->text : "0");
		break;
	case FILTER_VALUE_TRUE:
		sb_puts(sb, "true");
		break;
	case FILTER_VALUE_FALSE:
		sb_puts(sb, "false");
		break;
	case FILTER_VALUE_NULL:
		sb_puts(sb, "null");
		break;
	}
}

static void render(struct strbuf *sb, const struct filter_node *node,
		   bool operand);

/* The operands of an and/or chain; a left operand of the same kind is
 * written inline, so `a and b and c` keeps one level of parentheses. */
static void render_chain(struct strbuf *sb, const struct filter_node *node)
{
	if (node->left != NULL && node->left->kind == node->kind)
		render_chain(sb, node->left);
	else
		render(sb, node->left, true);
	sb_puts(sb, node->kind == FILTER_AND ? " and " : " or ");
	render(sb, node->right, true);
}

/*
 * Binary and not nodes always in parentheses; comparisons and value paths
 * in parentheses when they are an operand, bare at the top.
 */
static void render(struct strbuf *sb, const struct filter_node *node,
		   bool operand)
{
	if (node == NULL) {
		sb_puts(sb, "?");
		return;
	}
	switch (node->kind) {
	case FILTER_AND:
	case FILTER_OR:
		sb_puts(sb, "(");
		render_chain(sb, node);
		sb_puts(sb, ")");
		break;
	case FILTER_NOT:
		sb_puts(sb, "(not ");
		render(sb, node->left, true);
		sb_puts(sb, ")");
		break;
	case FILTER_COMPARE:
		if (operand)
			sb_puts(sb, "(");
		render_path(sb, &node->path);
		render_comparison(sb, node->op, &node->value);
		if (operand)
			sb_puts(sb, ")");
		break;
	case FILTER_VALUE_PATH:
		if (operand)
			sb_puts(sb, "(");
		render_path(sb, &node->path);
		sb_puts(sb, "[");
		render(sb, node->left, true);
		sb_puts(sb, "]");
		if (node->has_sub_compare) {
			sb_puts(sb, ".");
			sb_puts(sb, node->sub_attr != NULL ? node->sub_attr : "?");
			render_comparison(sb, node->op, &node->value);
		}
		if (operand)
			sb_puts(sb, ")");
		break;
	}
}

/*
 * The limits apply to the text a client sends: the canonical text of a
 * filter close to FILTER_MAX_DEPTH or FILTER_MAX_LENGTH can exceed them,
 * since it adds parentheses. Returns NULL when out of memory.
 */
char *filter_to_string(const struct filter_node *node)
{
	struct strbuf sb = { 0 };

	render(&sb, node, false);
	if (sb.failed) {
		free(sb.buf);
		return NULL;
	}
	return sb.buf;
}
