// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of libxdiscon: address parsing and formatting,
 * control message building and parsing, the family lookup and the
 * Winsock errno mapping.  No kernel module needed.  The library's source
 * is included so its internal helpers can be reached.
 */
#define _GNU_SOURCE
#include "../xdiscon.c"
#include "../winsock.c"

#include "../../../testing/selftests/kselftest_harness.h"

static const unsigned char v4mapped_1234[16] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4,
};

TEST(parse_local)
{
	struct sockaddr_xdiscon a;

	ASSERT_EQ(0, xd_parse_addr("local:5000", &a));
	EXPECT_EQ(XDISCON_TRANSPORT_LOCAL, a.sxd_transport);
	EXPECT_EQ(5000, ntohs(a.sxd_port));
	EXPECT_EQ(0, a.sxd_flags);
	EXPECT_NE(0, a.sxd_family);
	ASSERT_EQ(0, xd_parse_addr("local:0", &a));
	EXPECT_EQ(0, a.sxd_port);
	ASSERT_EQ(0, xd_parse_addr("local:65535", &a));
	EXPECT_EQ(65535, ntohs(a.sxd_port));
}

TEST(parse_inet)
{
	struct sockaddr_xdiscon a;
	unsigned char lo6[16] = { [15] = 1 };

	ASSERT_EQ(0, xd_parse_addr("1.2.3.4:80", &a));
	EXPECT_EQ(XDISCON_TRANSPORT_INET, a.sxd_transport);
	EXPECT_EQ(0, memcmp(a.sxd_addr, v4mapped_1234, 16));
	EXPECT_EQ(80, ntohs(a.sxd_port));
	ASSERT_EQ(0, xd_parse_addr("[::1]:443", &a));
	EXPECT_EQ(0, memcmp(a.sxd_addr, lo6, 16));
	EXPECT_EQ(0, a.sxd_scope_id);
	ASSERT_EQ(0, xd_parse_addr("[fe80::1%7]:1", &a));
	EXPECT_EQ(7, a.sxd_scope_id);
	EXPECT_EQ(0xfe, a.sxd_addr[0]);
}

TEST(parse_bad)
{
	static const char *const bad[] = {
		"local", "local:", "local:65536", "local:12a", "local:-1",
		"local: 1", "5000", ":5000", "1.2.3:80", "1.2.3.4.5:80",
		"[::1]", "[::1:80", "::1:80", "[zz::1]:80", "foo:80",
		"[fe80::1%nosuchif0]:1", "",
	};
	struct sockaddr_xdiscon a;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(-1, xd_parse_addr(bad[i], &a)) TH_LOG("%s", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("%s", bad[i]);
	}
	EXPECT_EQ(-1, xd_parse_addr(NULL, &a));
	EXPECT_EQ(EINVAL, errno);
}

TEST(format_round_trip)
{
	static const char *const texts[] = {
		"local:5000", "1.2.3.4:80", "[::1]:443", "[2001:db8::7]:65535",
	};
	struct sockaddr_xdiscon a;
	char buf[XD_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ASSERT_EQ(0, xd_parse_addr(texts[i], &a));
		ASSERT_LT(0, xd_format_addr(&a, buf, sizeof(buf)));
		EXPECT_STREQ(texts[i], buf);
	}
	EXPECT_EQ(-1, xd_format_addr(&a, buf, 4));
	EXPECT_EQ(ENOSPC, errno);
	a.sxd_transport = 9;
	EXPECT_EQ(-1, xd_format_addr(&a, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

TEST(cmsg_round_trip)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = { .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	const void *data;
	size_t len;

	ASSERT_EQ(0, xd_cmsg_put_disconnect(&msg, "total=7", 7));
	EXPECT_EQ(xd_cmsg_space(7), msg.msg_controllen);
	ASSERT_EQ(1, xd_cmsg_get_disconnect(&msg, &data, &len));
	EXPECT_EQ(7, len);
	EXPECT_EQ(0, memcmp(data, "total=7", 7));

	msg.msg_controllen = sizeof(ctl);
	ASSERT_EQ(0, xd_cmsg_put_disconnect(&msg, NULL, 0));
	ASSERT_EQ(1, xd_cmsg_get_disconnect(&msg, &data, &len));
	EXPECT_EQ(0, len);
}

TEST(cmsg_errors_and_others)
{
	union {
		char buf[64];
		struct cmsghdr align;
	} ctl = { 0 };
	struct msghdr msg = { .msg_control = &ctl, .msg_controllen = 8 };
	struct cmsghdr *c;
	size_t len;

	EXPECT_EQ(-1, xd_cmsg_put_disconnect(&msg, "x", 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, xd_cmsg_put_disconnect(NULL, "x", 1));
	EXPECT_EQ(EINVAL, errno);
	msg.msg_controllen = sizeof(ctl);
	EXPECT_EQ(-1, xd_cmsg_put_disconnect(&msg, NULL, 3));
	EXPECT_EQ(EINVAL, errno);

	/* A control message at another level is not the disconnect. */
	msg.msg_controllen = CMSG_SPACE(4);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = XDISCON_CMSG_DISCONNECT;
	c->cmsg_len = CMSG_LEN(4);
	EXPECT_EQ(0, xd_cmsg_get_disconnect(&msg, NULL, &len));
	msg.msg_controllen = 0;
	EXPECT_EQ(0, xd_cmsg_get_disconnect(&msg, NULL, &len));
}

TEST(family_lookup)
{
	char path[] = "/tmp/xd_family_XXXXXX";
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xd_family_from("/nonexistent/xdiscon/family"));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	ASSERT_EQ(3, write(fd, "22\n", 3));
	EXPECT_EQ(22, xd_family_from(path));
	ASSERT_EQ(0, ftruncate(fd, 0));
	ASSERT_EQ(4, pwrite(fd, "junk", 4, 0));
	EXPECT_EQ(-1, xd_family_from(path));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
	unlink(path);
}

TEST(wsa_errors)
{
	static const int map[][2] = {
		{ 0, 0 }, { ECONNRESET, WSAECONNRESET }, { ENOTCONN, WSAENOTCONN },
		{ EMSGSIZE, WSAEMSGSIZE }, { EWOULDBLOCK, WSAEWOULDBLOCK },
		{ EPIPE, WSAESHUTDOWN }, { ECONNREFUSED, WSAECONNREFUSED },
		{ EAFNOSUPPORT, WSAEAFNOSUPPORT }, { EINVAL, WSAEINVAL },
		{ ETIMEDOUT, WSAETIMEDOUT }, { ENODATA, WSAEWOULDBLOCK },
		{ EBADF, WSAENOTSOCK }, { ENOMEM, WSAENOBUFS },
		{ ENETUNREACH, WSAENETUNREACH }, { EHOSTDOWN, WSAEHOSTDOWN },
		{ EHOSTUNREACH, WSAEHOSTUNREACH },
	};
	unsigned int i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		EXPECT_EQ(map[i][1], xd_wsa_error(map[i][0])) TH_LOG("errno %d", map[i][0]);
	errno = ECONNRESET;
	EXPECT_EQ(WSAECONNRESET, WSAGetLastError());
}

/* FD_CLOSE's error: a connection lost without a reset is aborted. */
TEST(wsa_close_errors)
{
	EXPECT_EQ(0, xd_wsa_close_error(0));
	EXPECT_EQ(WSAECONNRESET, xd_wsa_close_error(ECONNRESET));
	EXPECT_EQ(WSAENETDOWN, xd_wsa_close_error(ENETDOWN));
	EXPECT_EQ(WSAECONNABORTED, xd_wsa_close_error(ETIMEDOUT));
	EXPECT_EQ(WSAECONNABORTED, xd_wsa_close_error(EHOSTUNREACH));
	EXPECT_EQ(32, FD_CLOSE);
}

TEST(calls_on_bad_fd)
{
	char buf[4];
	size_t dlen = sizeof(buf);
	WSABUF w = { .len = sizeof(buf), .buf = buf };

	EXPECT_EQ(-1, xd_send_disconnect(-1, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, xd_recv_disconnect(-1, buf, sizeof(buf)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, xd_recv(-1, buf, sizeof(buf), 0, buf, &dlen));
	EXPECT_EQ(-1, xd_close_graceful(-1, 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, xd_close_abortive(-1));
	EXPECT_EQ(SOCKET_ERROR, WSASendDisconnect(-1, &w));
	EXPECT_EQ(WSAENOTSOCK, WSAGetLastError());
	EXPECT_EQ(SOCKET_ERROR, WSARecvDisconnect(-1, &w));
}

TEST_HARNESS_MAIN
