// SPDX-License-Identifier: GPL-2.0
/*
 * txn_client: one client of the transaction-total exchange, written
 * against libxdiscon only (build: cc txn_client.c $(pkg-config --cflags
 * --libs xdiscon)).
 *
 *   txn_client ADDRESS ID COUNT
 *
 * Sends COUNT transactions (8-byte amounts), then disconnects with its
 * total as disconnect data (Winsock: WSASendDisconnect), waits for the
 * server's disconnect (FD_CLOSE: EPOLLRDHUP) and prints the grand total
 * that came with it (WSARecvDisconnect).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xdiscon/xdiscon.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_xdiscon server;
	uint64_t amount, total = 0, grand;
	size_t glen = sizeof(grand);
	int fd, id, count, i;
	char byte;

	if (argc != 4) {
		fprintf(stderr, "usage: txn_client ADDRESS ID COUNT\n");
		return 2;
	}
	id = atoi(argv[2]);
	count = atoi(argv[3]);

	/* 1. Connect: the address is text, the family comes from the module. */
	if (xd_parse_addr(argv[1], &server))
		return fail("address");
	fd = xd_socket(SOCK_STREAM);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&server, sizeof(server)))
		return fail("connect");

	/* 2. The transactions; the last one goes with the disconnect. */
	for (i = 1; i <= count; i++) {
		amount = (uint64_t)id * 1000 + i;
		total += amount;
		if (i < count && send(fd, &amount, sizeof(amount), 0) < 0)
			return fail("send");
	}
	if (xd_send_final(fd, &amount, sizeof(amount), &total, sizeof(total),
			  0) < 0)
		return fail("send with disconnect");

	/* 3. FD_CLOSE: the server has answered and disconnected. */
	if (xd_wait_disconnect(fd, 60000))
		return fail("waiting for the server's disconnect");

	/* 4. End of stream, with the server's disconnect data. */
	if (xd_recv(fd, &byte, 1, 0, &grand, &glen) != 0 ||
	    glen != sizeof(grand)) {
		fprintf(stderr, "txn_client: no grand total came\n");
		return 1;
	}
	printf("client %d: total %" PRIu64 ", grand total %" PRIu64 "\n", id,
	       total, grand);
	return close(fd) ? fail("close") : 0;
}
