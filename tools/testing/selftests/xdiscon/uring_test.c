// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring on AF_XDISCON sockets, through liburing: IORING_OP_SENDMSG
 * and IORING_OP_RECVMSG carry the disconnect control message in both
 * directions, IORING_OP_SEND and IORING_OP_RECV carry data, and a reset
 * fails a queued receive.  Receives are queued before the data is sent,
 * so that io_uring waits through the socket's poll, as a server's would.
 * Both socket types, both transports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#define CTL_SIZE CMSG_SPACE(256)

/* One sendmsg or recvmsg: its message, buffer and control buffer. */
struct uring_msg {
	struct msghdr msg;
	struct iovec iov;
	char data[256];
	union {
		char buf[CTL_SIZE];
		struct cmsghdr align;
	} ctl;
};

/* A sendmsg of @data with a disconnect carrying @disc. */
static void prep_send_disconnect(struct io_uring *ring, struct uring_msg *m,
				 int fd, const char *data, const char *disc)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct cmsghdr *cmsg;

	memset(m, 0, sizeof(*m));
	memcpy(m->data, data, strlen(data) + 1);
	m->iov.iov_base = m->data;
	m->iov.iov_len = strlen(data);
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	m->msg.msg_controllen = CMSG_SPACE(strlen(disc));
	cmsg = CMSG_FIRSTHDR(&m->msg);
	cmsg->cmsg_level = SOL_XDISCON;
	cmsg->cmsg_type = XDISCON_CMSG_DISCONNECT;
	cmsg->cmsg_len = CMSG_LEN(strlen(disc));
	memcpy(CMSG_DATA(cmsg), disc, strlen(disc));
	io_uring_prep_sendmsg(sqe, fd, &m->msg, MSG_NOSIGNAL);
	io_uring_sqe_set_data(sqe, m);
}

static void prep_recvmsg(struct io_uring *ring, struct uring_msg *m, int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	memset(m, 0, sizeof(*m));
	m->iov.iov_base = m->data;
	m->iov.iov_len = sizeof(m->data);
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	m->msg.msg_controllen = sizeof(m->ctl.buf);
	io_uring_prep_recvmsg(sqe, fd, &m->msg, 0);
	io_uring_sqe_set_data(sqe, m);
}

/* The disconnect data a recvmsg got, NUL-terminated, or NULL for none. */
static const char *disconnect_of(struct uring_msg *m)
{
	static char buf[257];
	struct cmsghdr *cmsg;
	size_t len;

	for (cmsg = CMSG_FIRSTHDR(&m->msg); cmsg;
	     cmsg = CMSG_NXTHDR(&m->msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_XDISCON ||
		    cmsg->cmsg_type != XDISCON_CMSG_DISCONNECT)
			continue;
		len = cmsg->cmsg_len - CMSG_LEN(0);
		memcpy(buf, CMSG_DATA(cmsg), len);
		buf[len] = 0;
		return buf;
	}
	return NULL;
}

/* Submit the one request prepared; 0 or -errno. */
static int submit(struct io_uring *ring)
{
	int ret = io_uring_submit(ring);

	return ret < 0 ? ret : ret == 1 ? 0 : -EIO;
}

/* Completions reaped while waiting for another, by user data. */
static struct {
	void *data;
	int res;
} early[8];

/*
 * Wait for the completion of @want (its user data) and return its
 * result.  Completions of other requests that come first are kept for
 * their own complete(): the order in which io_uring posts a send's and
 * the receive it satisfies is not the test's business.
 */
static int complete(struct io_uring *ring, void *want)
{
	struct io_uring_cqe *cqe;
	unsigned int i;
	void *got;
	int res, notif;

	for (i = 0; i < 8; i++) {
		if (early[i].data == want) {
			early[i].data = NULL;
			return early[i].res;
		}
	}
	for (;;) {
		if (io_uring_wait_cqe(ring, &cqe))
			return -EIO;
		got = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		notif = cqe->flags & IORING_CQE_F_NOTIF;
		io_uring_cqe_seen(ring, cqe);
		if (notif)
			continue;	/* a zero-copy send's buffer release */
		if (got == want)
			return res;
		for (i = 0; i < 8 && early[i].data; i++)
			;
		if (i == 8)
			return -ENOSPC;
		early[i].data = got;
		early[i].res = res;
	}
}

FIXTURE(conn) {
	struct io_uring ring;
	int lfd, cfd, sfd;
	int in_use;
};

FIXTURE_VARIANT(conn) {
	int type;
	int transport;
	int inet4;
};

#define LOCAL XDISCON_TRANSPORT_LOCAL
#define INET XDISCON_TRANSPORT_INET

FIXTURE_VARIANT_ADD(conn, stream) { .type = SOCK_STREAM, .transport = LOCAL };
FIXTURE_VARIANT_ADD(conn, seqpacket) {
	.type = SOCK_SEQPACKET, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(conn, inet6_stream) {
	.type = SOCK_STREAM, .transport = INET,
};
FIXTURE_VARIANT_ADD(conn, inet6_seqpacket) {
	.type = SOCK_SEQPACKET, .transport = INET,
};
FIXTURE_VARIANT_ADD(conn, inet4_stream) {
	.type = SOCK_STREAM, .transport = INET, .inet4 = 1,
};

FIXTURE_SETUP(conn)
{
	xd_use_transport(variant->transport, variant->inet4);
	self->in_use = xd_sockets_in_use();
	ASSERT_EQ(0, io_uring_queue_init(8, &self->ring, 0));
	self->lfd = xd_listener(variant->type, 16);
	ASSERT_LE(0, self->lfd);
	self->cfd = xd_pair(variant->type, self->lfd, &self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(conn)
{
	io_uring_queue_exit(&self->ring);
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
	EXPECT_TRUE(xd_sockets_back_to(self->in_use));
}

/*
 * The transaction exchange through io_uring alone: request and the
 * client's disconnect data one way, reply and the server's the other.
 * The data comes in its own recvmsg, the end (0) with the disconnect's
 * control message in the next.
 */
TEST_F(conn, sendmsg_recvmsg_disconnect_both_ways)
{
	struct uring_msg *tx = calloc(1, sizeof(*tx));
	struct uring_msg *rx = calloc(1, sizeof(*rx));
	struct io_uring *ring = &self->ring;

	ASSERT_TRUE(tx && rx);
	prep_recvmsg(ring, rx, self->sfd);
	ASSERT_EQ(0, submit(ring));
	prep_send_disconnect(ring, tx, self->cfd, "request", "client-bye");
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(7, complete(ring, tx));
	ASSERT_EQ(7, complete(ring, rx));
	EXPECT_EQ(0, memcmp(rx->data, "request", 7));
	EXPECT_EQ(NULL, disconnect_of(rx));
	prep_recvmsg(ring, rx, self->sfd);
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(0, complete(ring, rx));
	EXPECT_STREQ("client-bye", disconnect_of(rx));

	prep_recvmsg(ring, rx, self->cfd);
	ASSERT_EQ(0, submit(ring));
	prep_send_disconnect(ring, tx, self->sfd, "reply", "server-bye");
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(5, complete(ring, tx));
	ASSERT_EQ(5, complete(ring, rx));
	EXPECT_EQ(0, memcmp(rx->data, "reply", 5));
	prep_recvmsg(ring, rx, self->cfd);
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(0, complete(ring, rx));
	EXPECT_STREQ("server-bye", disconnect_of(rx));
	free(tx);
	free(rx);
}

/* A disconnect with no data: an empty control message, not none. */
TEST_F(conn, recvmsg_empty_disconnect_data)
{
	struct uring_msg *rx = calloc(1, sizeof(*rx));
	struct io_uring *ring = &self->ring;

	ASSERT_NE(NULL, rx);
	prep_recvmsg(ring, rx, self->sfd);
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, complete(ring, rx));
	EXPECT_STREQ("", disconnect_of(rx));
	free(rx);
}

/* IORING_OP_SEND and IORING_OP_RECV: 64 KiB, whole and in order. */
TEST_F(conn, send_recv)
{
	static unsigned char out[65536], in[65536];
	struct io_uring *ring = &self->ring;
	struct io_uring_sqe *sqe;
	size_t got = 0, sent = 0, i;
	int res;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + (i >> 8));
	if (variant->type == SOCK_SEQPACKET) {
		/* One record a send, one a receive. */
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_recv(sqe, self->sfd, in, sizeof(in), 0);
		io_uring_sqe_set_data(sqe, in);
		ASSERT_EQ(0, submit(ring));
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_send(sqe, self->cfd, out, 4096, 0);
		io_uring_sqe_set_data(sqe, out);
		ASSERT_EQ(0, submit(ring));
		ASSERT_EQ(4096, complete(ring, out));
		ASSERT_EQ(4096, complete(ring, in));
		EXPECT_EQ(0, memcmp(in, out, 4096));
		return;
	}
	/* Each receive is queued before the send that satisfies it. */
	while (got < sizeof(in)) {
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_recv(sqe, self->sfd, in + got, sizeof(in) - got,
				   0);
		io_uring_sqe_set_data(sqe, in);
		ASSERT_EQ(0, submit(ring));
		if (sent < sizeof(out)) {
			sqe = io_uring_get_sqe(ring);
			io_uring_prep_send(sqe, self->cfd, out + sent,
					   sizeof(out) - sent, 0);
			io_uring_sqe_set_data(sqe, out);
			ASSERT_EQ(0, submit(ring));
			res = complete(ring, out);
			ASSERT_LT(0, res);
			sent += res;
		}
		res = complete(ring, in);
		ASSERT_LT(0, res);
		got += res;
	}
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
}

/* A receive queued on an idle connection fails when the peer aborts. */
TEST_F(conn, recv_fails_on_reset)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	struct io_uring *ring = &self->ring;
	struct io_uring_sqe *sqe;
	char buf[64];

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_recv(sqe, self->sfd, buf, sizeof(buf), 0);
	io_uring_sqe_set_data(sqe, buf);
	ASSERT_EQ(0, submit(ring));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &l,
				sizeof(l)));
	close(self->cfd);
	self->cfd = -1;
	EXPECT_EQ(-ECONNRESET, complete(ring, buf));
}

/* Zero-copy sends need completion reports the family does not give. */
TEST_F(conn, send_zc_not_supported)
{
	struct io_uring *ring = &self->ring;
	struct io_uring_sqe *sqe;
	char buf[16] = "zero-copy";

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_send_zc(sqe, self->cfd, buf, sizeof(buf), 0, 0);
	io_uring_sqe_set_data(sqe, buf);
	ASSERT_EQ(0, submit(ring));
	EXPECT_EQ(-EOPNOTSUPP, complete(ring, buf));
}

/* The same for IORING_OP_SENDMSG_ZC. */
TEST_F(conn, sendmsg_zc_not_supported)
{
	struct io_uring *ring = &self->ring;
	struct io_uring_sqe *sqe;
	char buf[16] = "zero-copy";
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	sqe = io_uring_get_sqe(ring);
	io_uring_prep_sendmsg_zc(sqe, self->cfd, &msg, 0);
	io_uring_sqe_set_data(sqe, buf);
	ASSERT_EQ(0, submit(ring));
	EXPECT_EQ(-EOPNOTSUPP, complete(ring, buf));
}

TEST_HARNESS_MAIN
