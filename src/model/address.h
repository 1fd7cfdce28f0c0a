/*
 * address.h - the client's IP address. The web server names the peer of
 * the connection (REMOTE_ADDR); behind a load balancer or reverse proxy that
 * peer is the proxy, and the client is named in X-Forwarded-For, a header
 * believed only when the peer is one of the trusted proxies
 * (SCIM_TRUSTED_PROXIES).
 *
 * Addresses come out in the text form PostgreSQL's inet reads: a zone
 * ("fe80::1%eth0") is dropped, and an IPv4 address seen through a
 * dual-stack socket ("::ffff:192.0.2.1") becomes IPv4, so that IPv4
 * networks match it. Nothing here allocates; text arguments are borrowed.
 */
#ifndef SCIM_ADDRESS_H
#define SCIM_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define ADDRESS_TEXT_SIZE 46 /* INET6_ADDRSTRLEN */
#define ADDRESS_MAX_NETWORKS 64

struct address {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* the first 4 for AF_INET */
};

struct address_network {
	struct address base; /* no bit set beyond the prefix */
	unsigned prefix;     /* leading bits an address must share with base */
};

struct address_networks {
	struct address_network list[ADDRESS_MAX_NETWORKS];
	size_t count;
};

/* The address in the first `len` bytes of `text`, normalised. False when
 * they are not an IP address. */
bool address_parse(const char *text, size_t len, struct address *out);

/* Its text form, in `out`; returns out. */
const char *address_format(const struct address *addr, char out[ADDRESS_TEXT_SIZE]);

/*
 * Networks separated by commas or spaces, each an address with an optional
 * "/prefix" (without one, that address alone): "10.0.0.0/8, 2001:db8::/32".
 * As in PostgreSQL's cidr, no bit may be set beyond the prefix. NULL or an
 * empty text is no network. On a malformed entry, or more than
 * ADDRESS_MAX_NETWORKS, `out` holds no network and err names the fault.
 */
bool address_networks_parse(const char *text, struct address_networks *out,
			    struct scim_error *err);

/* True when one of the networks holds the address. */
bool address_networks_contain(const struct address_networks *networks,
			      const struct address *addr);

/*
 * The client's address for a request whose peer is `remote_addr` and whose
 * X-Forwarded-For header is `forwarded_for` (NULL when absent); NULL when
 * remote_addr is not an IP address.
 *
 * Unless the peer is a trusted proxy, the header is ignored: anyone can send
 * it. From a trusted proxy, the header is read from the right, the end each
 * proxy appends to: entries that are trusted proxies themselves are
 * skipped, and the first that is not is the client. Entries further left
 * were written by the client and are never read. When no such entry is
 * found (no header, a malformed entry, every entry trusted), the client is
 * the peer: the one address known from the connection itself.
 */
const char *address_client(const char *remote_addr, const char *forwarded_for,
			   const struct address_networks *trusted_proxies,
			   char out[ADDRESS_TEXT_SIZE]);

#endif
