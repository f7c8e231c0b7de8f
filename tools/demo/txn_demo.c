// SPDX-License-Identifier: GPL-2.0
/*
 * The demo: the reference document's transaction-total exchange over
 * AF_XDISCON (tools/examples/txn.h), narrated.
 * Usage: txn_demo [clients] [stream|seqpacket]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "txn.h"

#define TXN_COUNT	16

int main(int argc, char **argv)
{
	int clients = argc > 1 ? atoi(argv[1]) : 3;
	int type = argc > 2 && !strcmp(argv[2], "seqpacket") ?
		   SOCK_SEQPACKET : SOCK_STREAM;
	struct sockaddr_xdiscon addr = {
		.sxd_family = xd_family(),
		.sxd_transport = XDISCON_TRANSPORT_LOCAL,
	};
	int failed;

	if (xd_family() < 0) {
		fprintf(stderr, "txn_demo: the xdiscon module is not loaded\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	txn_verbose = 1;
	printf("AF_XDISCON (family %d) %s: %d clients, %d transactions each\n",
	       xd_family(), type == SOCK_STREAM ? "SOCK_STREAM" :
	       "SOCK_SEQPACKET", clients, TXN_COUNT);
	failed = txn_run(&addr, type, clients, TXN_COUNT);
	printf("%s: expected grand total %" PRIu64 ", %d failures\n",
	       failed ? "FAILED" : "OK", txn_grand_total(clients, TXN_COUNT),
	       failed);
	return failed ? 1 : 0;
}
