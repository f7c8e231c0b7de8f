// SPDX-License-Identifier: GPL-2.0
/*
 * txn_server: the server of the transaction-total exchange, written
 * against libxdiscon only.
 *
 *   txn_server ADDRESS CLIENTS
 *
 * Accepts CLIENTS connections and reads their transactions.  When a
 * client disconnects (EPOLLRDHUP, Winsock's FD_CLOSE) the end of its
 * stream carries its total, which must match what it sent.  When all are
 * done, the server answers each with the grand total as its own
 * disconnect data and closes.  Prints the grand total.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xdiscon/xdiscon.h>

struct client {
	int fd;
	uint64_t sum;		/* of the amounts received */
	size_t have;		/* bytes of a partial amount */
	unsigned char part[8];
	int done;
};

/* Read what there is; returns 1 at the end of the client's stream. */
static int serve(struct client *c)
{
	unsigned char buf[4096];
	uint64_t total, amount;
	size_t tlen = sizeof(total);
	ssize_t n = xd_recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT, &total,
			    &tlen);

	if (n < 0)
		return 0;	/* EAGAIN: more later */
	for (ssize_t i = 0; i < n; i++) {
		c->part[c->have++] = buf[i];
		if (c->have == sizeof(amount)) {
			memcpy(&amount, c->part, sizeof(amount));
			c->sum += amount;
			c->have = 0;
		}
	}
	if (n > 0)
		return 0;
	/* n == 0: end of stream, with the client's disconnect data. */
	if (tlen != sizeof(total) || total != c->sum) {
		fprintf(stderr, "txn_server: client total does not match\n");
		exit(1);
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_xdiscon addr;
	struct client *clients;
	struct pollfd *p;
	uint64_t grand = 0;
	int lfd, n, i, done = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: txn_server ADDRESS CLIENTS\n");
		return 2;
	}
	n = atoi(argv[2]);
	clients = calloc(n, sizeof(*clients));
	p = calloc(n, sizeof(*p));
	if (xd_parse_addr(argv[1], &addr))
		return perror("address"), 1;
	lfd = xd_socket(SOCK_STREAM);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, n))
		return perror("listen"), 1;

	for (i = 0; i < n; i++) {
		clients[i].fd = accept(lfd, NULL, NULL);
		if (clients[i].fd < 0)
			return perror("accept"), 1;
		p[i].fd = clients[i].fd;
		p[i].events = POLLIN | POLLRDHUP;
	}
	close(lfd);

	while (done < n) {
		if (poll(p, n, 60000) <= 0)
			return perror("poll"), 1;
		for (i = 0; i < n; i++) {
			if (!p[i].revents || clients[i].done)
				continue;
			if (serve(&clients[i])) {
				clients[i].done = 1;
				p[i].fd = -1;
				grand += clients[i].sum;
				done++;
			}
		}
	}

	/* Everyone is done: answer with the grand total, and close. */
	for (i = 0; i < n; i++) {
		if (xd_send_disconnect(clients[i].fd, &grand, sizeof(grand)))
			return perror("disconnect"), 1;
		if (xd_close_graceful(clients[i].fd, 5))
			return perror("close"), 1;
	}
	printf("server: %d clients, grand total %" PRIu64 "\n", n, grand);
	return 0;
}
