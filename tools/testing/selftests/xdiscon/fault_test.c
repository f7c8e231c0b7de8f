// SPDX-License-Identifier: GPL-2.0
/*
 * Failures injected into the module through its fault-injection points
 * (Documentation/fault-injection), on the debug kernel only
 * (CONFIG_FAULT_INJECTION_DEBUG_FS).  A transmit that finds no page for a
 * frame's header (fail_xdiscon_tx_page) waits for memory and tries
 * again: the connection does not reset and nothing is lost.  Each test
 * starts with no other xdiscon socket alive, so the failures are the
 * connection's own, and checks that every failure it asked for was
 * injected, so it cannot pass by not reaching the code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#define TX_PAGE		"/sys/kernel/debug/fail_xdiscon_tx_page"
#define FAILURES	5
#define RECORDS		4
#define RECORD		1000

static int fail_attr(const char *point, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", point, name);
	return xd_write_file(path, val);
}

/* Make @point fail the next @times times it is reached, silently. */
static int inject(struct __test_metadata *_metadata, const char *point,
		  int times)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", times);
	if (fail_attr(point, "verbose", "0") ||
	    fail_attr(point, "task-filter", "N") ||
	    fail_attr(point, "interval", "1") ||
	    fail_attr(point, "times", n) ||
	    fail_attr(point, "probability", "100")) {
		TH_LOG("%s: %s", point, strerror(errno));
		return -1;
	}
	return 0;
}

/* Failures asked of @point that have not happened yet, or -1. */
static int left(const char *point)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/times", point);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return buf[0] ? atoi(buf) : -1;
}

FIXTURE(tx) {
	int lfd, c, s;
};

FIXTURE_VARIANT(tx) {
	int type;
};

FIXTURE_VARIANT_ADD(tx, stream) {
	.type = SOCK_STREAM,
};

FIXTURE_VARIANT_ADD(tx, seqpacket) {
	.type = SOCK_SEQPACKET,
};

FIXTURE_SETUP(tx)
{
	struct timeval tv = { .tv_sec = 10 };

	if (access(TX_PAGE, W_OK))
		SKIP(return, "%s: %s (CONFIG_FAULT_INJECTION_DEBUG_FS)", TX_PAGE,
		     strerror(errno));
	/* Nothing else may take the failures: earlier closes are done. */
	ASSERT_TRUE(xd_sockets_back_to(0));
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	self->lfd = xd_listener(variant->type, 1);
	ASSERT_LE(0, self->lfd);
	self->c = xd_pair(variant->type, self->lfd, &self->s);
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, setsockopt(self->s, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
}

FIXTURE_TEARDOWN(tx)
{
	fail_attr(TX_PAGE, "probability", "0");
	if (self->lfd <= 0)
		return;
	close(self->c);
	close(self->s);
	close(self->lfd);
	xd_sockets_back_to(0);
}

/*
 * Records and then a disconnect with data, sent while the header copy
 * fails FAILURES times: all of it arrives, in order, and no one sees a
 * reset.
 */
TEST_F_TIMEOUT(tx, enomem_waits_for_memory, 60)
{
	char out[RECORD], in[RECORD * RECORDS], disc[16];
	int i, dlen, flags;
	size_t got = 0;
	ssize_t n;

	ASSERT_EQ(0, inject(_metadata, TX_PAGE, FAILURES));
	for (i = 0; i < RECORDS; i++) {
		memset(out, 'a' + i, sizeof(out));
		ASSERT_EQ(RECORD, send(self->c, out, RECORD, MSG_NOSIGNAL))
			TH_LOG("send %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(0, st_send_disconnect(self->c, NULL, 0, "bye", 3))
		TH_LOG("disconnect: %s", strerror(errno));

	do {
		n = st_recv(self->s, in + got, sizeof(in) - got, 0, disc,
			    sizeof(disc), &dlen, &flags);
		ASSERT_LT(0, n) TH_LOG("after %zu bytes: %s", got,
				       n ? strerror(errno) : "end");
		if (variant->type == SOCK_SEQPACKET)
			ASSERT_EQ(RECORD, n);
		got += n;
	} while (got < sizeof(in));
	for (i = 0; i < RECORD * RECORDS; i++)
		ASSERT_EQ('a' + i / RECORD, in[i]) TH_LOG("byte %d", i);

	/* The end, with the disconnect data, and no reset. */
	n = st_recv(self->s, in, sizeof(in), 0, disc, sizeof(disc), &dlen,
		    &flags);
	ASSERT_EQ(0, n) TH_LOG("at the end: %s", strerror(errno));
	ASSERT_EQ(3, dlen);
	ASSERT_EQ(0, memcmp(disc, "bye", 3));
	EXPECT_EQ(0, left(TX_PAGE)) TH_LOG("not every failure was injected");
}

TEST_HARNESS_MAIN
