// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for xdiscon, built as the module xdiscon_kunit.ko.  They
 * create real sockets in the kernel and reach internals exported with
 * EXPORT_SYMBOL_IF_KUNIT().
 */

#include <kunit/test.h>
#include <linux/net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "compat.h"
#include "xdiscon.h"

static int xd_kunit_create(int type, int protocol, struct socket **sockp)
{
	return sock_create_kern(&init_net, xdiscon_family(), type, protocol,
				sockp);
}

static void xd_kunit_create_stream(struct kunit *test)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, xd_kunit_create(SOCK_STREAM, 0, &sock), 0);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_family, xdiscon_family());
	KUNIT_EXPECT_EQ(test, sock->sk->sk_type, SOCK_STREAM);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_state, XDISCON_UNCONNECTED);
	sock_release(sock);
}

static void xd_kunit_create_seqpacket(struct kunit *test)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, xd_kunit_create(SOCK_SEQPACKET, 0, &sock), 0);
	KUNIT_EXPECT_EQ(test, sock->sk->sk_type, SOCK_SEQPACKET);
	KUNIT_EXPECT_PTR_NE(test, sock->ops, NULL);
	sock_release(sock);
}

static void xd_kunit_wrong_type(struct kunit *test)
{
	static const int types[] = {
		SOCK_DGRAM, SOCK_RAW, SOCK_RDM, 0, SOCK_PACKET,
	};
	struct socket *sock;
	int i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		KUNIT_EXPECT_EQ_MSG(test, xd_kunit_create(types[i], 0, &sock),
				    -ESOCKTNOSUPPORT, "type %d", types[i]);
}

static void xd_kunit_wrong_protocol(struct kunit *test)
{
	struct socket *sock;

	KUNIT_EXPECT_EQ(test, xd_kunit_create(SOCK_STREAM, IPPROTO_TCP, &sock),
			-EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, xd_kunit_create(SOCK_SEQPACKET, 1, &sock),
			-EPROTONOSUPPORT);
}

static struct kunit_case xdiscon_socket_cases[] = {
	KUNIT_CASE(xd_kunit_create_stream),
	KUNIT_CASE(xd_kunit_create_seqpacket),
	KUNIT_CASE(xd_kunit_wrong_type),
	KUNIT_CASE(xd_kunit_wrong_protocol),
	{}
};

static struct kunit_suite xdiscon_socket_suite = {
	.name = "xdiscon_socket",
	.test_cases = xdiscon_socket_cases,
};

kunit_test_suites(&xdiscon_socket_suite);

MODULE_DESCRIPTION("KUnit tests for AF_XDISCON");
MODULE_LICENSE("GPL");
XDISCON_IMPORT_KUNIT_NS();
