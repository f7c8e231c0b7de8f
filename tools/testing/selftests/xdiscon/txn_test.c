// SPDX-License-Identifier: GPL-2.0
/*
 * The reference document's transaction-total exchange, end to end, with
 * many clients at once: transaction totals as the clients' disconnect
 * data, the grand total as the server's, over both transports.  It runs
 * the examples' implementation (tools/examples/txn.h).
 */
#define _GNU_SOURCE
#include "../kselftest_harness.h"
#include "xd_util.h"
#include "txn.h"

#define TXN_COUNT	16

FIXTURE(txn) {
};

FIXTURE_VARIANT(txn) {
	int type;
	int clients;
	int transport;
};

#define LOCAL XDISCON_TRANSPORT_LOCAL
#define INET XDISCON_TRANSPORT_INET

FIXTURE_VARIANT_ADD(txn, stream_1) {
	.type = SOCK_STREAM, .clients = 1, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(txn, stream_32) {
	.type = SOCK_STREAM, .clients = 32, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(txn, seqpacket_1) {
	.type = SOCK_SEQPACKET, .clients = 1, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(txn, seqpacket_32) {
	.type = SOCK_SEQPACKET, .clients = 32, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(txn, inet_stream_32) {
	.type = SOCK_STREAM, .clients = 32, .transport = INET,
};
FIXTURE_VARIANT_ADD(txn, inet_seqpacket_32) {
	.type = SOCK_SEQPACKET, .clients = 32, .transport = INET,
};

FIXTURE_SETUP(txn)
{
	xd_use_transport(variant->transport, 0);
}

FIXTURE_TEARDOWN(txn)
{
}

TEST_F_TIMEOUT(txn, totals, 120)
{
	struct sockaddr_xdiscon addr = xd_addr(0);

	EXPECT_EQ(0, txn_run(&addr, variant->type, variant->clients,
			     TXN_COUNT));
}

TEST_HARNESS_MAIN
