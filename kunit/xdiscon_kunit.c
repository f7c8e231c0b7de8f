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
#include <net/strparser.h>
#include <linux/socket.h>

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

/* -- disconnect data: cmsg parsing and limits -- */

struct xd_kunit_ctl {
	struct socket *sock;
	char buf[CMSG_SPACE(8192)];
	size_t len;
};

static void xd_kunit_ctl_reset(struct xd_kunit_ctl *c)
{
	memset(c->buf, 0, sizeof(c->buf));
	c->len = 0;
}

/* Append a control message with @len bytes of @data. */
static void xd_kunit_ctl_add(struct xd_kunit_ctl *c, int level, int type,
			     const void *data, size_t len)
{
	struct cmsghdr *cmsg = (struct cmsghdr *)(c->buf + c->len);

	cmsg->cmsg_level = level;
	cmsg->cmsg_type = type;
	cmsg->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cmsg), data, len);
	c->len += CMSG_SPACE(len);
}

static int xd_kunit_ctl_parse(struct xd_kunit_ctl *c, struct sk_buff **out)
{
	struct msghdr msg = {
		.msg_control = c->buf,
		.msg_controllen = c->len,
	};

	*out = NULL;
	return xdiscon_cmsg_disconnect(c->sock->sk, &msg, out);
}

static struct xd_kunit_ctl *xd_kunit_ctl_new(struct kunit *test)
{
	struct xd_kunit_ctl *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, xd_kunit_create(SOCK_STREAM, 0, &c->sock), 0);
	return c;
}

static void xd_kunit_cmsg_none(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	struct sk_buff *skb;
	int one = 1;

	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_EXPECT_NULL(test, skb);
	/* Other levels are not ours: ignored, as TCP does. */
	xd_kunit_ctl_add(c, SOL_SOCKET, SO_MARK, &one, sizeof(one));
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_EXPECT_NULL(test, skb);
	sock_release(c->sock);
}

static void xd_kunit_cmsg_disconnect(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	struct sk_buff *skb;

	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "total", 5);
	KUNIT_ASSERT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, skb->len, 5);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, "total", 5), 0);
	/* Charged to the socket. */
	KUNIT_EXPECT_GE(test, sk_wmem_alloc_get(c->sock->sk), skb->truesize);
	kfree_skb(skb);
	sock_release(c->sock);
}

static void xd_kunit_cmsg_empty(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	struct sk_buff *skb;

	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "", 0);
	KUNIT_ASSERT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, skb->len, 0);
	kfree_skb(skb);
	sock_release(c->sock);
}

static void xd_kunit_cmsg_malformed(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	struct sk_buff *skb;

	xd_kunit_ctl_add(c, SOL_XDISCON, 77, "x", 1);
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), -EINVAL);
	KUNIT_EXPECT_NULL(test, skb);

	xd_kunit_ctl_reset(c);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "a", 1);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "b", 1);
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), -EINVAL);
	KUNIT_EXPECT_NULL(test, skb);

	xd_kunit_ctl_reset(c);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "abc", 3);
	c->len = CMSG_LEN(3) - 1;	/* cmsg_len runs past the buffer */
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), -EINVAL);
	KUNIT_EXPECT_NULL(test, skb);
	kfree_skb(skb);
	sock_release(c->sock);
}

static void xd_kunit_cmsg_limit(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	unsigned int max = READ_ONCE(xdiscon_max_discdata);
	struct sk_buff *skb;
	char *big;

	big = kunit_kzalloc(test, max + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, big,
			 max + 1);
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), -EMSGSIZE);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, sk_wmem_alloc_get(c->sock->sk), 0);

	xd_kunit_ctl_reset(c);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, big, max);
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_EXPECT_EQ(test, skb->len, max);
	kfree_skb(skb);
	sock_release(c->sock);
}

static void xd_kunit_max_discdata_param(struct kunit *test)
{
	unsigned int old = READ_ONCE(xdiscon_max_discdata);

	KUNIT_EXPECT_EQ(test, xdiscon_set_max_discdata("1023"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdiscon_set_max_discdata("65537"), -EINVAL);
	KUNIT_EXPECT_EQ(test, xdiscon_set_max_discdata("lots"), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(xdiscon_max_discdata), old);
	KUNIT_EXPECT_EQ(test, xdiscon_set_max_discdata("1024"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(xdiscon_max_discdata), 1024);
	KUNIT_EXPECT_EQ(test, xdiscon_set_max_discdata("65536"), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(xdiscon_max_discdata), 65536);
	WRITE_ONCE(xdiscon_max_discdata, old);
}

/* -- the state machine, on kernel sockets -- */

struct xd_kunit_pair {
	struct socket *l, *c, *s;
};

static void xd_kunit_pair_open(struct kunit *test, struct xd_kunit_pair *p,
			       int type)
{
	struct sockaddr_xdiscon a = {
		.sxd_family = xdiscon_family(),
		.sxd_transport = XDISCON_TRANSPORT_LOCAL,
	};

	KUNIT_ASSERT_EQ(test, xd_kunit_create(type, 0, &p->l), 0);
	KUNIT_ASSERT_EQ(test, kernel_bind(p->l, (struct sockaddr *)&a,
					  sizeof(a)), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(p->l, 4), 0);
	KUNIT_EXPECT_EQ(test, p->l->sk->sk_state, XDISCON_LISTEN);
	a = xdiscon_sk(p->l->sk)->local;
	KUNIT_EXPECT_NE(test, be16_to_cpu(a.sxd_port), 0);
	KUNIT_ASSERT_EQ(test, xd_kunit_create(type, 0, &p->c), 0);
	KUNIT_ASSERT_EQ(test, kernel_connect(p->c, (struct sockaddr *)&a,
					     sizeof(a), 0), 0);
	KUNIT_ASSERT_EQ(test, kernel_accept(p->l, &p->s, 0), 0);
	KUNIT_EXPECT_EQ(test, p->c->sk->sk_state, XDISCON_CONNECTED);
	KUNIT_EXPECT_EQ(test, p->s->sk->sk_state, XDISCON_CONNECTED);
}

static void xd_kunit_pair_close(struct xd_kunit_pair *p)
{
	sock_release(p->c);
	sock_release(p->s);
	sock_release(p->l);
}

static int xd_kunit_send_disconnect(struct socket *sock, const char *data,
				    size_t len)
{
	char ctl[CMSG_SPACE(64)] = {};
	struct cmsghdr *cmsg = (struct cmsghdr *)ctl;
	struct msghdr msg = {
		.msg_control = ctl,
		.msg_controllen = CMSG_SPACE(len),
	};
	struct kvec iov = {};

	cmsg->cmsg_level = SOL_XDISCON;
	cmsg->cmsg_type = XDISCON_CMSG_DISCONNECT;
	cmsg->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cmsg), data, len);
	return kernel_sendmsg(sock, &msg, &iov, 0, 0);
}

static void xd_kunit_state_disconnect(struct kunit *test)
{
	struct xd_kunit_pair p;
	struct xdiscon_sock *s;
	char buf[8], ctl[CMSG_SPACE(16)];
	struct msghdr msg = {
		.msg_control = ctl,
		.msg_controllen = sizeof(ctl),
	};
	struct kvec iov = { .iov_base = buf, .iov_len = sizeof(buf) };

	xd_kunit_pair_open(test, &p, SOCK_SEQPACKET);
	s = xdiscon_sk(p.s->sk);
	KUNIT_EXPECT_EQ(test, s->rx_end, XDISCON_RX_OPEN);
	KUNIT_ASSERT_EQ(test, xd_kunit_send_disconnect(p.c, "sum", 3), 0);
	KUNIT_EXPECT_TRUE(test, p.c->sk->sk_shutdown & SEND_SHUTDOWN);
	KUNIT_EXPECT_EQ(test, s->rx_end, XDISCON_RX_DISCONNECT);
	KUNIT_ASSERT_NOT_NULL(test, s->peer_disc);
	KUNIT_EXPECT_EQ(test, s->peer_disc->len, 3);
	KUNIT_EXPECT_EQ(test, kernel_recvmsg(p.s, &msg, &iov, 1, sizeof(buf),
					     0), 0);
	KUNIT_EXPECT_NE(test, msg.msg_controllen, sizeof(ctl));
	/* A second disconnect is refused. */
	KUNIT_EXPECT_EQ(test, xd_kunit_send_disconnect(p.c, "x", 1), -EPIPE);
	xd_kunit_pair_close(&p);
}

static void xd_kunit_state_abort(struct kunit *test)
{
	struct xd_kunit_pair p;
	struct xdiscon_sock *s;

	xd_kunit_pair_open(test, &p, SOCK_STREAM);
	s = xdiscon_sk(p.s->sk);
	sock_set_flag(p.c->sk, SOCK_LINGER);
	p.c->sk->sk_lingertime = 0;
	sock_release(p.c);
	p.c = NULL;
	KUNIT_EXPECT_EQ(test, s->rx_end, XDISCON_RX_RESET);
	KUNIT_EXPECT_EQ(test, READ_ONCE(p.s->sk->sk_err), ECONNRESET);
	KUNIT_EXPECT_NULL(test, s->peer_disc);
	sock_release(p.s);
	sock_release(p.l);
}

/*
 * The inet transport's frame parser against the wire format of
 * Documentation/networking/xdiscon.rst: an 8-byte header (type, two zero
 * fields, a big-endian length), HELLO's length 8, DATA at most 64 KiB,
 * DISCONNECT at most the receiver's max_discdata (set to the default,
 * 4096, here).
 */
struct xd_kunit_frame_case {
	const char *name;
	u8 hdr[8];
	unsigned int bytes;	/* of the header present */
	int want;
};

static const struct xd_kunit_frame_case xd_kunit_frame_cases[] = {
	{ "hello", { 1, 0, 0, 0, 0, 0, 0, 8 }, 8, 16 },
	{ "hello_short", { 1, 0, 0, 0, 0, 0, 0, 7 }, 8, -EPROTO },
	{ "hello_long", { 1, 0, 0, 0, 0, 0, 0, 9 }, 8, -EPROTO },
	{ "data_empty", { 2, 0, 0, 0, 0, 0, 0, 0 }, 8, 8 },
	{ "data_max", { 2, 0, 0, 0, 0, 1, 0, 0 }, 8, 8 + 65536 },
	{ "data_over", { 2, 0, 0, 0, 0, 1, 0, 1 }, 8, -EMSGSIZE },
	{ "data_huge", { 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, 8, -EMSGSIZE },
	{ "disconnect", { 3, 0, 0, 0, 0, 0, 0, 8 }, 8, 16 },
	{ "disconnect_over", { 3, 0, 0, 0, 0, 1, 0, 1 }, 8, -EMSGSIZE },
	/* The receiver's max_discdata, 4096 by default, bounds DISCONNECT. */
	{ "disconnect_limit", { 3, 0, 0, 0, 0, 0, 0x10, 0 }, 8, 8 + 4096 },
	{ "disconnect_over_limit", { 3, 0, 0, 0, 0, 0, 0x10, 1 }, 8, -EMSGSIZE },
	{ "type_0", { 0, 0, 0, 0, 0, 0, 0, 0 }, 8, -EPROTO },
	{ "type_4", { 4, 0, 0, 0, 0, 0, 0, 0 }, 8, -EPROTO },
	{ "flags", { 2, 1, 0, 0, 0, 0, 0, 0 }, 8, -EPROTO },
	{ "reserved", { 2, 0, 0, 1, 0, 0, 0, 0 }, 8, -EPROTO },
	{ "header_partial", { 2, 0, 0, 0, 0, 0 }, 6, 0 },
	{ "header_none", { 0 }, 0, 0 },
};

static void xd_kunit_frame_desc(const struct xd_kunit_frame_case *c,
				char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(xd_kunit_frame, xd_kunit_frame_cases, xd_kunit_frame_desc);

/* Each case at offset 0, and again behind 5 bytes of an earlier frame. */
static void xd_kunit_parse_frame(struct kunit *test)
{
	const struct xd_kunit_frame_case *c = test->param_value;
	unsigned int old = READ_ONCE(xdiscon_max_discdata);
	struct strparser strp = {};
	unsigned int off;

	/* The cases assume the default limit on disconnect data. */
	KUNIT_ASSERT_EQ(test, xdiscon_set_max_discdata("4096"), 0);
	for (off = 0; off <= 5; off += 5) {
		struct sk_buff *skb = alloc_skb(off + sizeof(c->hdr), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, skb);
		memset(skb_put(skb, off), 0xee, off);
		skb_put_data(skb, c->hdr, c->bytes);
		strp_msg(skb)->offset = off;
		KUNIT_EXPECT_EQ_MSG(test, xd_inet_parse_msg(&strp, skb), c->want,
				    "at offset %u", off);
		kfree_skb(skb);
	}
	WRITE_ONCE(xdiscon_max_discdata, old);
}

static struct kunit_case xdiscon_socket_cases[] = {
	KUNIT_CASE(xd_kunit_create_stream),
	KUNIT_CASE(xd_kunit_create_seqpacket),
	KUNIT_CASE(xd_kunit_wrong_type),
	KUNIT_CASE(xd_kunit_wrong_protocol),
	{}
};

static struct kunit_case xdiscon_discdata_cases[] = {
	KUNIT_CASE(xd_kunit_cmsg_none),
	KUNIT_CASE(xd_kunit_cmsg_disconnect),
	KUNIT_CASE(xd_kunit_cmsg_empty),
	KUNIT_CASE(xd_kunit_cmsg_malformed),
	KUNIT_CASE(xd_kunit_cmsg_limit),
	KUNIT_CASE(xd_kunit_max_discdata_param),
	{}
};

static struct kunit_suite xdiscon_discdata_suite = {
	.name = "xdiscon_discdata",
	.test_cases = xdiscon_discdata_cases,
};

static struct kunit_case xdiscon_state_cases[] = {
	KUNIT_CASE(xd_kunit_state_disconnect),
	KUNIT_CASE(xd_kunit_state_abort),
	{}
};

static struct kunit_suite xdiscon_state_suite = {
	.name = "xdiscon_state",
	.test_cases = xdiscon_state_cases,
};

static struct kunit_case xdiscon_inet_cases[] = {
	KUNIT_CASE_PARAM(xd_kunit_parse_frame, xd_kunit_frame_gen_params),
	{}
};

static struct kunit_suite xdiscon_inet_suite = {
	.name = "xdiscon_inet_frames",
	.test_cases = xdiscon_inet_cases,
};

static struct kunit_suite xdiscon_socket_suite = {
	.name = "xdiscon_socket",
	.test_cases = xdiscon_socket_cases,
};

kunit_test_suites(&xdiscon_socket_suite, &xdiscon_discdata_suite,
		  &xdiscon_state_suite, &xdiscon_inet_suite);

MODULE_DESCRIPTION("KUnit tests for AF_XDISCON");
MODULE_LICENSE("GPL");
XDISCON_IMPORT_KUNIT_NS();
