// SPDX-License-Identifier: GPL-2.0
/*
 * libxdiscon's calls against the kernel, on both socket types and both
 * transports: what xd_close_graceful(), xd_recv_disconnect(), xd_recv(),
 * WSARecvDisconnect() and closesocket() do at the edges (a socket that never connected,
 * listens, is still connecting or was reset; no disconnect yet; data or
 * an empty record left unread; a short buffer).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <netinet/in.h>
#include <linux/sockios.h>

#include "../kselftest_harness.h"
#include "xd_util.h"
#include <xdiscon/winsock.h>

FIXTURE(lib) {
	int lfd, cfd, sfd;
};

FIXTURE_VARIANT(lib) {
	int type;
	int transport;
};

FIXTURE_VARIANT_ADD(lib, local_stream) {
	.type = SOCK_STREAM, .transport = XDISCON_TRANSPORT_LOCAL,
};

FIXTURE_VARIANT_ADD(lib, local_seqpacket) {
	.type = SOCK_SEQPACKET, .transport = XDISCON_TRANSPORT_LOCAL,
};

FIXTURE_VARIANT_ADD(lib, inet_stream) {
	.type = SOCK_STREAM, .transport = XDISCON_TRANSPORT_INET,
};

FIXTURE_VARIANT_ADD(lib, inet_seqpacket) {
	.type = SOCK_SEQPACKET, .transport = XDISCON_TRANSPORT_INET,
};

FIXTURE_SETUP(lib)
{
	xd_lo_up();
	xd_use_transport(variant->transport, 0);
	self->lfd = xd_listener(variant->type, 4);
	ASSERT_LE(0, self->lfd);
	self->cfd = xd_pair(variant->type, self->lfd, &self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(lib)
{
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->sfd >= 0)
		close(self->sfd);
	if (self->lfd >= 0)
		close(self->lfd);
}

/* Wait up to 5 s for any of @events on @fd; the revents, 0 on timeout. */
static int wait_events(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 5000) == 1 ? p.revents : 0;
}

static int unread(int fd)
{
	int n = -1;

	return ioctl(fd, SIOCINQ, &n) ? -1 : n;
}

/* A non-blocking socket that never connected closes at once. */
TEST_F(lib, close_graceful_nonblocking_unconnected)
{
	int fd = xd_socket(variant->type | SOCK_NONBLOCK);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xd_close_graceful(fd, 5));
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));	/* closed */
}

/* A non-blocking socket whose peer reset it closes at once. */
TEST_F(lib, close_graceful_nonblocking_after_reset)
{
	ASSERT_EQ(0, xd_close_abortive(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_events(self->cfd, POLLERR) & POLLERR);
	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(0, xd_close_graceful(self->cfd, 5));
	EXPECT_EQ(-1, fcntl(self->cfd, F_GETFD));
	self->cfd = -1;
}

/*
 * xd_abort(): the peer fails with ECONNRESET and xd_peer_abort_data()
 * gives the reason; a short buffer is ERANGE; the aborting side, still
 * open, sends no more (EPIPE, no SIGPIPE).
 */
TEST_F(lib, abort_with_reason)
{
	char why[32];

	EXPECT_EQ(-1, xd_peer_abort_data(self->sfd, why, sizeof(why)));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(0, xd_abort(self->cfd, "quota exceeded", 14));
	ASSERT_TRUE(wait_events(self->sfd, POLLERR) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, why, sizeof(why), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(14, xd_peer_abort_data(self->sfd, why, sizeof(why)));
	EXPECT_EQ(0, memcmp(why, "quota exceeded", 14));
	EXPECT_EQ(-1, xd_peer_abort_data(self->sfd, why, 4));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(-1, xd_peer_abort_data(self->sfd, NULL, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xd_abort(self->cfd, NULL, 0));
	EXPECT_EQ(EPIPE, errno);
}

/* An empty reason is a reason: 0 bytes, not ENODATA. */
TEST_F(lib, abort_empty_reason)
{
	char why[4];

	EXPECT_EQ(0, xd_abort(self->sfd, NULL, 0));
	ASSERT_TRUE(wait_events(self->cfd, POLLERR) & POLLERR);
	EXPECT_EQ(0, xd_peer_abort_data(self->cfd, why, sizeof(why)));
}

/* No disconnect yet: ENODATA, and the receiving direction stays open. */
TEST_F(lib, recv_disconnect_before_disconnect_keeps_rx_open)
{
	char buf[16];

	EXPECT_EQ(-1, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	/* A shut receiving direction would show as EPOLLRDHUP at once. */
	EXPECT_EQ(POLLOUT, wait_events(self->sfd, POLLRDHUP | POLLOUT));
	ASSERT_EQ(4, xd_send_final(self->cfd, "data", 4, "bye", 3,
				   MSG_NOSIGNAL));
	ASSERT_EQ(0, xd_wait_disconnect(self->sfd, 5000));
	EXPECT_EQ(4, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(3, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "bye", 3));
}

/* Data sent before the disconnect survives xd_recv_disconnect(). */
TEST_F(lib, recv_disconnect_keeps_unread_data)
{
	char buf[16];

	ASSERT_EQ(4, xd_send_final(self->cfd, "data", 4, "bye", 3,
				   MSG_NOSIGNAL));
	ASSERT_EQ(0, xd_wait_disconnect(self->sfd, 5000));
	EXPECT_EQ(3, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(4, unread(self->sfd));
	EXPECT_EQ(4, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "data", 4));
	/* Everything read: it succeeds again. */
	EXPECT_EQ(3, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
}

/* Disconnect data longer than xd_recv()'s buffer: EMSGSIZE, not cut. */
TEST_F(lib, recv_truncated_disconnect_data_is_emsgsize)
{
	char buf[16], data[4];
	size_t dlen = sizeof(data);

	ASSERT_EQ(0, xd_send_disconnect(self->cfd, "0123456789", 10));
	errno = 0;
	EXPECT_EQ(-1, xd_recv(self->sfd, buf, sizeof(buf), 0, data, &dlen));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(10, dlen);
	EXPECT_EQ(10, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
}

/* Empty disconnect data in a zero-sized buffer is not a truncation. */
TEST_F(lib, recv_empty_disconnect_data_fits_no_buffer)
{
	char buf[16];
	size_t dlen = 0;

	ASSERT_EQ(0, xd_send_disconnect(self->cfd, NULL, 0));
	EXPECT_EQ(0, xd_recv(self->sfd, buf, sizeof(buf), 0, NULL, &dlen));
	EXPECT_EQ(0, dlen);
}

/*
 * WSARecvDisconnect() with no buffer shuts the receiving direction, as
 * shutdown(SHUT_RD) does: the disconnect data and unread data are gone.
 */
TEST_F(lib, wsa_recv_disconnect_without_buffer)
{
	char buf[16];

	ASSERT_EQ(4, xd_send_final(self->cfd, "data", 4, "reason", 6,
				   MSG_NOSIGNAL));
	ASSERT_EQ(0, xd_wait_disconnect(self->sfd, 5000));
	EXPECT_EQ(0, WSARecvDisconnect(self->sfd, NULL));
	EXPECT_EQ(0, unread(self->sfd));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
}

/* Winsock's closes: SO_LINGER decides, as closesocket() does there. */
TEST_F(lib, closesocket_linger_off_is_graceful)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->sfd, SD_SEND));
	EXPECT_EQ(0, closesocket(self->cfd));
	EXPECT_EQ(-1, fcntl(self->cfd, F_GETFD));
	self->cfd = -1;
	ASSERT_EQ(0, xd_wait_disconnect(self->sfd, 5000));
	EXPECT_EQ(0, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
}

TEST_F(lib, closesocket_linger_zero_is_abortive)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	char buf[4];

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &l,
				sizeof(l)));
	EXPECT_EQ(0, closesocket(self->cfd));
	self->cfd = -1;
	ASSERT_TRUE(wait_events(self->sfd, POLLERR) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/*
 * Send until nothing more is taken for half a second: the peer's
 * buffers, and over TCP the TCP sockets', are full.
 */
static void fill(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	char buf[1000];

	memset(buf, 'x', sizeof(buf));
	for (;;) {
		if (send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
			continue;
		if (errno != EAGAIN || poll(&p, 1, 500) != 1)
			return;
	}
}

/*
 * Linger {1, t} on a non-blocking socket whose peer has not taken
 * everything: WSAEWOULDBLOCK and the socket stays open, as on Winsock;
 * once the peer has read it all, closesocket() completes.
 */
TEST_F_TIMEOUT(lib, closesocket_nonblocking_linger_would_block, 120)
{
	struct linger l = { .l_onoff = 1, .l_linger = 5 };
	int rcvbuf = 4096, i;
	char buf[4096];

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &l,
				sizeof(l)));
	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	fill(self->cfd);
	EXPECT_EQ(SOCKET_ERROR, closesocket(self->cfd));
	EXPECT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
	EXPECT_EQ(0, fcntl(self->cfd, F_GETFD));	/* still open */
	/* The peer reads all, up to the disconnect. */
	while (recv(self->sfd, buf, sizeof(buf), 0) > 0)
		;
	for (i = 0; i < 500; i++) {
		if (!closesocket(self->cfd))
			break;
		ASSERT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
		usleep(10000);
	}
	EXPECT_EQ(-1, fcntl(self->cfd, F_GETFD));
	self->cfd = -1;
}

/* A listener has nothing to deliver: it closes at once. */
TEST_F(lib, close_graceful_nonblocking_listener)
{
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(0, xd_close_graceful(self->lfd, 5));
	EXPECT_EQ(-1, fcntl(self->lfd, F_GETFD));
	self->lfd = -1;
}

/*
 * SOCK_SEQPACKET: an empty record queued before the disconnect is data
 * like any other; xd_recv_disconnect() leaves it readable.
 */
static void empty_record_before_disconnect(struct __test_metadata *_metadata,
					   int transport)
{
	int lfd, cfd, sfd;
	size_t dlen = 0;
	char buf[16];

	xd_use_transport(transport, 0);
	lfd = xd_listener(SOCK_SEQPACKET, 1);
	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_SEQPACKET, lfd, &sfd);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, send(cfd, "", 0, 0));
	ASSERT_EQ(0, xd_send_disconnect(cfd, "bye", 3));
	ASSERT_EQ(0, xd_wait_disconnect(sfd, 5000));
	EXPECT_EQ(3, xd_recv_disconnect(sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, xd_recv(sfd, buf, sizeof(buf), MSG_DONTWAIT, NULL, &dlen));
	EXPECT_EQ(XD_NO_DISCONNECT, dlen);	/* the empty record */
	dlen = 0;
	EXPECT_EQ(-1, xd_recv(sfd, buf, sizeof(buf), 0, NULL, &dlen));
	EXPECT_EQ(EMSGSIZE, errno);		/* the disconnect, 3 bytes */
	EXPECT_EQ(3, dlen);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(local_empty_record_before_disconnect)
{
	empty_record_before_disconnect(_metadata, XDISCON_TRANSPORT_LOCAL);
}

TEST(inet_empty_record_before_disconnect)
{
	xd_lo_up();
	empty_record_before_disconnect(_metadata, XDISCON_TRANSPORT_INET);
}

/*
 * A connect in progress still has its disconnect to send: EWOULDBLOCK,
 * and the socket stays open.  The TCP peer accepts but never answers
 * the handshake.
 */
TEST(close_graceful_nonblocking_connecting)
{
	struct sockaddr_in6 tcp = { .sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(tcp);
	struct sockaddr_xdiscon a;
	int lfd, fd;

	xd_lo_up();
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&tcp, sizeof(tcp)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&tcp, &len));
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	a = xd_addr(ntohs(tcp.sin6_port));
	fd = xd_socket(SOCK_STREAM | SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, xd_close_graceful(fd, 5));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_LE(0, fcntl(fd, F_GETFD));	/* still open */
	EXPECT_EQ(0, xd_close_abortive(fd));
	close(lfd);
}

TEST_HARNESS_MAIN
