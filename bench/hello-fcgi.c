/*
 * hello-fcgi.c - the smallest FastCGI application: bench/throughput's
 * ceiling for the requests that read. It runs behind the same web server,
 * with the same configuration and as many processes as the SCIM workers,
 * and answers every request with 200 and an empty SCIM ListResponse, after
 * reading the body as the worker does. What the web server, the FastCGI
 * round trip and the load generator cost is all it measures: the SCIM
 * server's share of it is the part that is its own.
 */
#include <fcgi_stdio.h>

static const char body[] =
	"{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
	"\"totalResults\":0,\"Resources\":[],\"startIndex\":1,\"itemsPerPage\":0}";

int main(void)
{
	char scratch[8192];

	while (FCGI_Accept() >= 0) {
		/* A body left unread could reset the web server's connection. */
		while (fread(scratch, 1, sizeof(scratch), stdin) > 0)
			;
		/* libfcgi's own printf knows no %zu. */
		printf("Status: 200 OK\r\n"
		       "Content-Type: application/scim+json\r\n"
		       "Content-Length: %d\r\n"
		       "\r\n%s",
		       (int)(sizeof(body) - 1), body);
	}
	return 0;
}
