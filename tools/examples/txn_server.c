// SPDX-License-Identifier: GPL-2.0
/*
 * txn_server: the server of the transaction-total exchange (txn.h),
 * written against libxdiscon only (build: cc txn_server.c txn.c
 * $(pkg-config --cflags --libs xdiscon)).
 *
 *   txn_server ADDRESS CLIENTS [COUNT]
 *
 * Accepts CLIENTS connections and reads their transactions.  When a
 * client disconnects (EPOLLRDHUP, Winsock's FD_CLOSE) the end of its
 * stream carries its total, which must match what it sent.  When all are
 * done, the server answers each with the grand total as its own
 * disconnect data and closes.  Prints the grand total.  Given COUNT, the
 * clients' transactions each (txn_client IDs 0 to CLIENTS - 1), it also
 * checks the grand total, and exits 1 if it is not theirs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "txn.h"

int main(int argc, char **argv)
{
	struct sockaddr_xdiscon addr;
	uint64_t grand;
	int lfd, n, count = 0;

	if (argc < 3 || argc > 4 || (n = atoi(argv[2])) < 1 ||
	    (argc == 4 && (count = atoi(argv[3])) < 1)) {
		fprintf(stderr, "usage: txn_server ADDRESS CLIENTS [COUNT] (both >= 1)\n");
		return 2;
	}
	if (xd_parse_addr(argv[1], &addr)) {
		perror("txn_server: address");
		return 1;
	}
	lfd = xd_socket(SOCK_STREAM);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, n)) {
		perror("txn_server: listen");
		return 1;
	}
	if (txn_server(lfd, n, &grand))
		return 1;
	close(lfd);
	printf("server: %d clients, grand total %" PRIu64 "\n", n, grand);
	if (count && grand != txn_grand_total(n, count)) {
		fprintf(stderr, "txn_server: the grand total should be %" PRIu64 "\n",
			txn_grand_total(n, count));
		return 1;
	}
	return 0;
}
