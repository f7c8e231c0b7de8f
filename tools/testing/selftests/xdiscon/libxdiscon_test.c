// SPDX-License-Identifier: GPL-2.0
/*
 * libxdiscon's calls against the kernel, on both socket types and both
 * transports: what xd_close_graceful(), xd_recv_disconnect(), xd_recv()
 * and WSARecvDisconnect() do at the edges (a socket that never connected
 * or was reset, no disconnect yet, data left unread, a short buffer).
 */
#define _GNU_SOURCE
#include <poll.h>
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
	/* Everything read: now it shuts the receiving direction. */
	EXPECT_EQ(3, xd_recv_disconnect(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
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

/* WSARecvDisconnect() with no buffer discards the data and shuts rx. */
TEST_F(lib, wsa_recv_disconnect_without_buffer)
{
	char buf[16];

	ASSERT_EQ(0, xd_send_disconnect(self->cfd, "reason", 6));
	ASSERT_EQ(0, xd_wait_disconnect(self->sfd, 5000));
	EXPECT_EQ(0, WSARecvDisconnect(self->sfd, NULL));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
	EXPECT_TRUE(wait_events(self->sfd, POLLRDHUP) & POLLRDHUP);
}

TEST_HARNESS_MAIN
