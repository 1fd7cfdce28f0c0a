/* address.c - client addresses and trusted proxies; see address.h. */
#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

bool address_parse(const char *text, size_t len, struct address *out)
{
	struct in6_addr v6;
	char copy[ADDRESS_TEXT_SIZE];

	if (text == NULL || len >= sizeof(copy))
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';
	copy[strcspn(copy, "%")] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, copy, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, copy, &v6) != 1)
		return false;
	if (IN6_IS_ADDR_V4MAPPED(&v6)) {
		out->family = AF_INET;
		memcpy(out->bytes, &v6.s6_addr[12], 4);
	} else {
		out->family = AF_INET6;
		memcpy(out->bytes, v6.s6_addr, 16);
	}
	return true;
}

const char *address_format(const struct address *addr, char out[ADDRESS_TEXT_SIZE])
{
	if (inet_ntop(addr->family, addr->bytes, out, ADDRESS_TEXT_SIZE) == NULL)
		out[0] = '\0';
	return out;
}

/* The bits of byte `i` of an address that a prefix of `prefix` bits covers. */
static uint8_t prefix_mask(unsigned prefix, unsigned i)
{
	if (prefix >= (i + 1) * 8)
		return 0xff;
	if (prefix <= i * 8)
		return 0;
	return (uint8_t)(0xff << (8 - (prefix - i * 8)));
}

static unsigned address_bits(const struct address *addr)
{
	return addr->family == AF_INET ? 32 : 128;
}

static bool all_digits(const char *text, size_t len, size_t max)
{
	size_t i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true;
}

/* Why a network was refused. */
enum network_fault { NETWORK_OK, NETWORK_MALFORMED, NETWORK_HOST_BITS };

/* One network of `len` bytes: an address without a zone, "/prefix" optional. */
static enum network_fault network_parse(const char *text, size_t len,
					struct address_network *out)
{
	const char *slash = memchr(text, '/', len);
	size_t address_len = slash != NULL ? (size_t)(slash - text) : len;
	unsigned bits;
	unsigned i;

	if (memchr(text, '%', address_len) != NULL ||
	    !address_parse(text, address_len, &out->base))
		return NETWORK_MALFORMED;
	bits = address_bits(&out->base);
	out->prefix = bits;
	if (slash != NULL) {
		if (!all_digits(slash + 1, len - address_len - 1, 3))
			return NETWORK_MALFORMED;
		out->prefix = (unsigned)strtoul(slash + 1, NULL, 10);
		if (out->prefix > bits)
			return NETWORK_MALFORMED;
	}
	for (i = 0; i < bits / 8; i++)
		if (out->base.bytes[i] & ~prefix_mask(out->prefix, i))
			return NETWORK_HOST_BITS;
	return NETWORK_OK;
}

bool address_networks_parse(const char *text, struct address_networks *out,
			    struct scim_error *err)
{
	static const char separators[] = ", \t\r\n";
	const char *p = text != NULL ? text : "";
	size_t len;

	out->count = 0;
	for (;;) {
		p += strspn(p, separators);
		if (*p == '\0')
			return true;
		len = strcspn(p, separators);
		if (out->count == ADDRESS_MAX_NETWORKS) {
			out->count = 0;
			return error_set(err, 500, NULL, "more than %d networks",
					 ADDRESS_MAX_NETWORKS);
		}
		switch (network_parse(p, len, &out->list[out->count])) {
		case NETWORK_OK:
			break;
		case NETWORK_HOST_BITS:
			out->count = 0;
			return error_set(err, 500, NULL, "%.*s: host bits set (a network has no bit set "
					 "beyond its prefix, e.g. 10.0.0.0/8)", (int)(len < 64 ? len : 64), p);
		default:
			out->count = 0;
			return error_set(err, 500, NULL, "%.*s: not an address or network (e.g. "
					 "20.0.0.0/8 or 2001:db8::/32)", (int)(len < 64 ? len : 64), p);
		}
		out->count++;
		p += len;
	}
}

static bool network_contains(const struct address_network *network,
			     const struct address *addr)
{
	unsigned i;

	if (network->base.family != addr->family)
		return false;
	for (i = 0; i < address_bits(addr) / 8; i++)
		if ((network->base.bytes[i] ^ addr->bytes[i]) & prefix_mask(network->prefix, i))
			return false;
	return true;
}

bool address_networks_contain(const struct address_networks *networks,
			      const struct address *addr)
{
	size_t i;

	for (i = 0; i < networks->count; i++)
		if (network_contains(&networks->list[i], addr))
			return true;
	return false;
}

/*
 * One X-Forwarded-For entry: an address, "[IPv6]", or either with a port,
 * "192.0.2.1:5678" or "[2001:db8::1]:5678" (Azure Application Gateway
 * appends the client's port).
 */
static bool forwarded_entry_parse(const char *text, size_t len, struct address *out)
{
	const char *close;
	const char *colon;

	if (len > 0 && text[0] == '[') {
		close = memchr(text, ']', len);
		if (close == NULL)
			return false;
		colon = close + 1;
		if (colon < text + len &&
		    (*colon != ':' || !all_digits(colon + 1, (size_t)(text + len - colon - 1), 5)))
			return false;
		return address_parse(text + 1, (size_t)(close - text - 1), out);
	}
	colon = memchr(text, ':', len);
	if (colon != NULL && memchr(colon + 1, ':', (size_t)(text + len - colon - 1)) == NULL) {
		/* One colon: IPv4 and a port; IPv6 has at least two. */
		if (!all_digits(colon + 1, (size_t)(text + len - colon - 1), 5))
			return false;
		return address_parse(text, (size_t)(colon - text), out) && out->family == AF_INET;
	}
	return address_parse(text, len, out);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

const char *address_client(const char *remote_addr, const char *forwarded_for,
			   const struct address_networks *trusted_proxies,
			   char out[ADDRESS_TEXT_SIZE])
{
	struct address peer;
	struct address hop;
	const char *start;
	const char *end;
	const char *first;
	const char *last;

	if (remote_addr == NULL || !address_parse(remote_addr, strlen(remote_addr), &peer))
		return NULL;
	if (forwarded_for == NULL || !address_networks_contain(trusted_proxies, &peer))
		return address_format(&peer, out);
	/* Entries from the right; empty ones are ignored (RFC 9110 5.6.1). */
	end = forwarded_for + strlen(forwarded_for);
	for (;;) {
		start = end;
		while (start > forwarded_for && start[-1] != ',')
			start--;
		first = start;
		last = end;
		while (first < last && is_blank(*first))
			first++;
		while (last > first && is_blank(last[-1]))
			last--;
		if (last > first) {
			if (!forwarded_entry_parse(first, (size_t)(last - first), &hop))
				break;
			if (!address_networks_contain(trusted_proxies, &hop))
				return address_format(&hop, out);
		}
		if (start == forwarded_for)
			break;
		end = start - 1; /* before the comma */
	}
	return address_format(&peer, out);
}
