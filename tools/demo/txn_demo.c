// SPDX-License-Identifier: GPL-2.0
/*
 * The demo: the reference document's transaction-total exchange over
 * AF_XDISCON, narrated.  Usage: txn_demo [clients] [stream|seqpacket]
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include "../testing/selftests/xdiscon/txn.h"

int main(int argc, char **argv)
{
	int clients = argc > 1 ? atoi(argv[1]) : 3;
	int type = argc > 2 && !strcmp(argv[2], "seqpacket") ?
		   SOCK_SEQPACKET : SOCK_STREAM;
	int failed;

	if (xd_family() < 0) {
		fprintf(stderr, "txn_demo: the xdiscon module is not loaded\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	txn_verbose = 1;
	printf("AF_XDISCON (family %d) %s: %d clients, %d transactions each\n",
	       xd_family(), type == SOCK_STREAM ? "SOCK_STREAM" :
	       "SOCK_SEQPACKET", clients, TXN_PER_CLIENT);
	failed = txn_run(type, clients);
	printf("%s: expected grand total %llu, %d failures\n",
	       failed ? "FAILED" : "OK",
	       (unsigned long long)txn_grand_total(clients), failed);
	return failed ? 1 : 0;
}
