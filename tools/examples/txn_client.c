// SPDX-License-Identifier: GPL-2.0
/*
 * txn_client: one client of the transaction-total exchange (txn.h),
 * written against libxdiscon only (build: cc txn_client.c txn.c
 * $(pkg-config --cflags --libs xdiscon)).
 *
 *   txn_client ADDRESS ID COUNT
 *
 * Sends COUNT transactions, then disconnects with their total as
 * disconnect data (Winsock: WSASendDisconnect), waits for the server's
 * disconnect (FD_CLOSE: EPOLLRDHUP) and prints the grand total that came
 * with it (WSARecvDisconnect).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "txn.h"

int main(int argc, char **argv)
{
	struct sockaddr_xdiscon server;
	uint64_t grand;
	int id, count;

	if (argc != 4 || (count = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: txn_client ADDRESS ID COUNT (COUNT >= 1)\n");
		return 2;
	}
	id = atoi(argv[2]);
	/* The address is text; the family comes from the module. */
	if (xd_parse_addr(argv[1], &server)) {
		perror("txn_client: address");
		return 1;
	}
	if (txn_client(&server, SOCK_STREAM, id, count, &grand))
		return 1;
	printf("client %d: grand total %" PRIu64 "\n", id, grand);
	return 0;
}
