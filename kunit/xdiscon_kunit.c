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
#include <linux/socket.h>

#include "compat.h"
#include "xdiscon.h"
#include "inet_wire.h"

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
	bool abort;		/* what the last parse found */
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
	c->abort = false;
	return xdiscon_cmsg_disconnect(c->sock->sk, &msg, out, &c->abort);
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
	KUNIT_EXPECT_FALSE(test, c->abort);
	/* Charged to the socket. */
	KUNIT_EXPECT_GE(test, sk_wmem_alloc_get(c->sock->sk), skb->truesize);
	kfree_skb(skb);
	sock_release(c->sock);
}

static void xd_kunit_cmsg_abort(struct kunit *test)
{
	struct xd_kunit_ctl *c = xd_kunit_ctl_new(test);
	struct sk_buff *skb;

	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_ABORT, "why", 3);
	KUNIT_ASSERT_EQ(test, xd_kunit_ctl_parse(c, &skb), 0);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	KUNIT_EXPECT_TRUE(test, c->abort);
	KUNIT_EXPECT_EQ(test, skb->len, 3);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, "why", 3), 0);
	kfree_skb(skb);

	/* A message ends one way: not a disconnect and an abort. */
	xd_kunit_ctl_reset(c);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, "a", 1);
	xd_kunit_ctl_add(c, SOL_XDISCON, XDISCON_CMSG_ABORT, "b", 1);
	KUNIT_EXPECT_EQ(test, xd_kunit_ctl_parse(c, &skb), -EINVAL);
	KUNIT_EXPECT_NULL(test, skb);
	KUNIT_EXPECT_EQ(test, sk_wmem_alloc_get(c->sock->sk), 0);
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
	KUNIT_ASSERT_EQ(test, kernel_bind(p->l, (struct xdiscon_sockaddr *)&a,
					  sizeof(a)), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(p->l, 4), 0);
	KUNIT_EXPECT_EQ(test, p->l->sk->sk_state, XDISCON_LISTEN);
	a = xdiscon_sk(p->l->sk)->local;
	KUNIT_EXPECT_NE(test, be16_to_cpu(a.sxd_port), 0);
	KUNIT_ASSERT_EQ(test, xd_kunit_create(type, 0, &p->c), 0);
	KUNIT_ASSERT_EQ(test, kernel_connect(p->c, (struct xdiscon_sockaddr *)&a,
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
 * The inet transport's frame header rules against the wire format of
 * Documentation/networking/xdiscon.rst: an 8-byte header (type, two zero
 * fields, a big-endian length), HELLO's length 8, DATA at most 64 KiB,
 * DISCONNECT and ABORT at most the receiver's max_discdata (set to the
 * default, 4096, here).
 */
struct xd_kunit_frame_case {
	const char *name;
	u8 hdr[XD_HDR_LEN];
	int want;		/* the payload length, or the error */
};

static const struct xd_kunit_frame_case xd_kunit_frame_cases[] = {
	{ "hello", { 1, 0, 0, 0, 0, 0, 0, 8 }, 8 },
	{ "hello_short", { 1, 0, 0, 0, 0, 0, 0, 7 }, -EPROTO },
	{ "hello_long", { 1, 0, 0, 0, 0, 0, 0, 9 }, -EPROTO },
	{ "data_empty", { 2, 0, 0, 0, 0, 0, 0, 0 }, 0 },
	{ "data_max", { 2, 0, 0, 0, 0, 1, 0, 0 }, 65536 },
	{ "data_over", { 2, 0, 0, 0, 0, 1, 0, 1 }, -EMSGSIZE },
	{ "data_huge", { 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff }, -EMSGSIZE },
	{ "disconnect", { 3, 0, 0, 0, 0, 0, 0, 8 }, 8 },
	{ "disconnect_over", { 3, 0, 0, 0, 0, 1, 0, 1 }, -EMSGSIZE },
	/* The receiver's max_discdata, 4096 by default, bounds DISCONNECT. */
	{ "disconnect_limit", { 3, 0, 0, 0, 0, 0, 0x10, 0 }, 4096 },
	{ "disconnect_over_limit", { 3, 0, 0, 0, 0, 0, 0x10, 1 }, -EMSGSIZE },
	{ "type_0", { 0, 0, 0, 0, 0, 0, 0, 0 }, -EPROTO },
	{ "abort_empty", { 4, 0, 0, 0, 0, 0, 0, 0 }, 0 },
	{ "abort_limit", { 4, 0, 0, 0, 0, 0, 0x10, 0 }, 4096 },
	{ "abort_over_limit", { 4, 0, 0, 0, 0, 0, 0x10, 1 }, -EMSGSIZE },
	{ "type_5", { 5, 0, 0, 0, 0, 0, 0, 0 }, -EPROTO },
	{ "flags", { 2, 1, 0, 0, 0, 0, 0, 0 }, -EPROTO },
	{ "reserved", { 2, 0, 0, 1, 0, 0, 0, 0 }, -EPROTO },
};

static void xd_kunit_frame_desc(const struct xd_kunit_frame_case *c,
				char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(xd_kunit_frame, xd_kunit_frame_cases, xd_kunit_frame_desc);

static void xd_kunit_frame_check(struct kunit *test)
{
	const struct xd_kunit_frame_case *c = test->param_value;
	unsigned int old = READ_ONCE(xdiscon_max_discdata);
	struct xd_frame_hdr hdr;

	/* The cases assume the default limit on disconnect data. */
	KUNIT_ASSERT_EQ(test, xdiscon_set_max_discdata("4096"), 0);
	memcpy(&hdr, c->hdr, sizeof(hdr));
	KUNIT_EXPECT_EQ(test, xd_frame_check(&hdr), c->want);
	WRITE_ONCE(xdiscon_max_discdata, old);
}

/*
 * The frame reader over a fake stream: a queue of skbs that it reads as
 * tcp_read_sock() hands them out (an skb the actor took part of is handed
 * again, at the new offset, until the actor takes nothing; an skb whose
 * first bytes repeat earlier ones, as TCP queues a segment that overlaps
 * the one before, from the first new byte: its mark says how many), with
 * @inq what it holds.  @full says TCP is full; @stop_at stops the read
 * that far into the stream, as TCP's urgent mark does.  The frame op
 * keeps each frame's type and payload.
 */
#define XD_KUNIT_FRAMES	8

struct xd_kunit_stream {
	struct xd_reader rd;
	struct sk_buff_head segs;
	u32 off;		/* taken of the first skb on @segs */
	u32 inq;
	u32 taken;		/* bytes the reader took */
	bool full;
	u32 stop_at;		/* 0: never */
	int nframes;
	u8 type[XD_KUNIT_FRAMES];
	u32 len[XD_KUNIT_FRAMES];
	u8 *data[XD_KUNIT_FRAMES];	/* kunit-managed copies */
	int pause_at;		/* pause after this many frames; 0: never */
	struct kunit *test;
};

static u32 xd_kunit_inq(struct xd_reader *rd)
{
	return container_of(rd, struct xd_kunit_stream, rd)->inq;
}

static bool xd_kunit_full(struct xd_reader *rd)
{
	return container_of(rd, struct xd_kunit_stream, rd)->full;
}

static int xd_kunit_read(struct xd_reader *rd, read_descriptor_t *desc,
			 sk_read_actor_t actor)
{
	struct xd_kunit_stream *st = container_of(rd, struct xd_kunit_stream,
						  rd);
	struct sk_buff *skb;
	int used, copied = 0;

	while ((skb = skb_peek(&st->segs))) {
		u32 len = skb->len - st->off;

		if (st->stop_at)
			len = min(len, st->stop_at - st->taken);
		if (!len)
			break;
		used = actor(desc, skb, st->off, len);
		if (used <= 0)
			break;
		st->off += used;
		st->inq -= used;
		st->taken += used;
		copied += used;
		if (st->off < skb->len)
			continue;
		__skb_unlink(skb, &st->segs);
		kfree_skb(skb);
		skb = skb_peek(&st->segs);
		st->off = skb ? skb->mark : 0;
		if (!desc->count)
			break;
	}
	return copied;
}

static void xd_kunit_frame(struct xd_reader *rd, struct sk_buff *skb, u8 type)
{
	struct xd_kunit_stream *st = container_of(rd, struct xd_kunit_stream,
						  rd);
	u32 off = XDISCON_SKB_CB(skb)->consumed, end = XDISCON_SKB_CB(skb)->end;
	struct kunit *test = st->test;
	int i = st->nframes++;

	KUNIT_ASSERT_LT(test, i, XD_KUNIT_FRAMES);
	KUNIT_ASSERT_LE(test, end, skb->len);
	st->type[i] = type;
	st->len[i] = end - off;
	st->data[i] = kunit_kzalloc(test, end - off + 1, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, st->data[i]);
	KUNIT_EXPECT_EQ(test, skb_copy_bits(skb, off, st->data[i], end - off),
			0);
	kfree_skb(skb);
	if (st->nframes == st->pause_at)
		xd_reader_pause(rd);
}

static const struct xd_reader_ops xd_kunit_stream_ops = {
	.inq	= xd_kunit_inq,
	.full	= xd_kunit_full,
	.read	= xd_kunit_read,
	.frame	= xd_kunit_frame,
};

static void xd_kunit_stream_init(struct kunit *test, struct xd_kunit_stream *st)
{
	memset(st, 0, sizeof(*st));
	st->test = test;
	__skb_queue_head_init(&st->segs);
	xd_reader_init(&st->rd, NULL, &xd_kunit_stream_ops);
}

static void xd_kunit_stream_free(struct xd_kunit_stream *st)
{
	xd_reader_done(&st->rd);
	__skb_queue_purge(&st->segs);
}

/*
 * Append @len bytes of @buf to the stream as one skb, behind @dup bytes
 * that repeat the ones before @buf.
 */
static void xd_kunit_stream_add_dup(struct kunit *test,
				    struct xd_kunit_stream *st, const u8 *buf,
				    u32 len, u32 dup)
{
	struct sk_buff *skb = alloc_skb(dup + len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, skb);
	skb_put_data(skb, buf - dup, dup + len);
	skb->mark = dup;
	if (skb_queue_empty(&st->segs))
		st->off = dup;
	__skb_queue_tail(&st->segs, skb);
	st->inq += len;
}

static void xd_kunit_stream_add(struct kunit *test, struct xd_kunit_stream *st,
				const u8 *buf, u32 len)
{
	xd_kunit_stream_add_dup(test, st, buf, len, 0);
}

/* Write a frame into @buf; returns its length. */
static u32 xd_kunit_put_frame(u8 *buf, u8 type, const void *data, u32 len)
{
	struct xd_frame_hdr hdr = { .type = type, .len = cpu_to_be32(len) };

	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), data, len);
	return sizeof(hdr) + len;
}

/* Four frames, one of each kind and an empty one, as the tests send. */
static u32 xd_kunit_put_frames(u8 *buf, u8 *big, u32 big_len)
{
	static const u8 hello[8] = { 0x58, 0x44, 0x53, 0x43, 1, 1 };
	u32 n = 0;

	n += xd_kunit_put_frame(buf + n, XD_FRAME_HELLO, hello, sizeof(hello));
	n += xd_kunit_put_frame(buf + n, XD_FRAME_DATA, big, big_len);
	n += xd_kunit_put_frame(buf + n, XD_FRAME_DATA, NULL, 0);
	n += xd_kunit_put_frame(buf + n, XD_FRAME_DISCONNECT, "bye", 3);
	return n;
}

static void xd_kunit_expect_frames(struct kunit *test,
				   struct xd_kunit_stream *st, const u8 *big,
				   u32 big_len)
{
	KUNIT_ASSERT_EQ(test, st->nframes, 4);
	KUNIT_EXPECT_EQ(test, st->type[0], XD_FRAME_HELLO);
	KUNIT_EXPECT_EQ(test, st->len[0], 8);
	KUNIT_EXPECT_EQ(test, st->type[1], XD_FRAME_DATA);
	KUNIT_EXPECT_EQ(test, st->len[1], big_len);
	KUNIT_EXPECT_MEMEQ(test, st->data[1], big, big_len);
	KUNIT_EXPECT_EQ(test, st->type[2], XD_FRAME_DATA);
	KUNIT_EXPECT_EQ(test, st->len[2], 0);
	KUNIT_EXPECT_EQ(test, st->type[3], XD_FRAME_DISCONNECT);
	KUNIT_EXPECT_EQ(test, st->len[3], 3);
	KUNIT_EXPECT_MEMEQ(test, st->data[3], "bye", 3);
}

/*
 * How the frames' bytes are cut into segments, and when they arrive:
 * the segments but the first may repeat a few bytes before them.
 */
struct xd_kunit_split_case {
	const char *name;
	u32 seg;		/* bytes per segment; 0: all in one */
	bool trickle;		/* read after each segment, not once at the end */
	u32 dup;		/* bytes repeated at a segment's start */
};

static const struct xd_kunit_split_case xd_kunit_split_cases[] = {
	{ "coalesced", 0, false, 0 },
	{ "bytewise", 1, false, 0 },
	{ "bytewise_trickle", 1, true, 0 },
	{ "seg7_trickle", 7, true, 0 },
	{ "seg1000", 1000, false, 0 },
	{ "seg1000_trickle", 1000, true, 0 },
	{ "seg1000_overlap", 1000, false, 5 },
	{ "seg7_overlap_trickle", 7, true, 3 },
};

static void xd_kunit_split_desc(const struct xd_kunit_split_case *c,
				char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(xd_kunit_split, xd_kunit_split_cases, xd_kunit_split_desc);

#define XD_KUNIT_BIG	3000

/*
 * The same frames, however TCP cuts and delivers them: coalesced in one
 * segment, or split anywhere, headers included, read at once or as they
 * arrive.  The reader never holds part of a payload between reads.
 */
static void xd_kunit_reader_split(struct kunit *test)
{
	const struct xd_kunit_split_case *c = test->param_value;
	u8 *buf = kunit_kzalloc(test, 2 * XD_KUNIT_BIG, GFP_KERNEL);
	u8 *big = kunit_kzalloc(test, XD_KUNIT_BIG, GFP_KERNEL);
	struct xd_kunit_stream st;
	u32 i, n, seg;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, big);
	for (i = 0; i < XD_KUNIT_BIG; i++)
		big[i] = i * 7;
	n = xd_kunit_put_frames(buf, big, XD_KUNIT_BIG);
	xd_kunit_stream_init(test, &st);
	for (i = 0; i < n; i += seg) {
		seg = min(c->seg ?: n, n - i);
		xd_kunit_stream_add_dup(test, &st, buf + i, seg, i ? c->dup : 0);
		if (c->trickle) {
			KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
			KUNIT_EXPECT_NULL(test, st.rd.skb);
		}
	}
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	xd_kunit_expect_frames(test, &st, big, XD_KUNIT_BIG);
	KUNIT_EXPECT_EQ(test, st.taken, n);
	KUNIT_EXPECT_FALSE(test, xd_reader_mid_frame(&st.rd));
	xd_kunit_stream_free(&st);
}

/*
 * A payload is taken only once all of it is there: until then the reader
 * holds the header and says how much more it needs.
 */
static void xd_kunit_reader_waits(struct kunit *test)
{
	u8 buf[XD_HDR_LEN + 100], data[100];
	struct xd_kunit_stream st;

	memset(data, 0x5a, sizeof(data));
	xd_kunit_put_frame(buf, XD_FRAME_DATA, data, sizeof(data));
	xd_kunit_stream_init(test, &st);
	xd_kunit_stream_add(test, &st, buf, XD_HDR_LEN - 1);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.taken, 0);
	KUNIT_EXPECT_EQ(test, xd_reader_need(&st.rd), XD_HDR_LEN);

	xd_kunit_stream_add(test, &st, buf + XD_HDR_LEN - 1, 50);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.taken, XD_HDR_LEN);
	KUNIT_EXPECT_TRUE(test, xd_reader_mid_frame(&st.rd));
	KUNIT_EXPECT_EQ(test, xd_reader_need(&st.rd), 100);
	KUNIT_EXPECT_EQ(test, st.nframes, 0);

	xd_kunit_stream_add(test, &st, buf + XD_HDR_LEN + 49, 51);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_ASSERT_EQ(test, st.nframes, 1);
	KUNIT_EXPECT_EQ(test, st.len[0], 100);
	KUNIT_EXPECT_MEMEQ(test, st.data[0], data, 100);
	KUNIT_EXPECT_FALSE(test, xd_reader_mid_frame(&st.rd));
	xd_kunit_stream_free(&st);
}

/*
 * A header the wire format refuses stops the reader: the frames before
 * it are delivered, the error is returned once, nothing is read after.
 */
static void xd_kunit_reader_bad_header(struct kunit *test)
{
	static const u8 bad[XD_HDR_LEN] = { XD_FRAME_DATA, 0, 0, 0, 0, 1, 0, 1 };
	u8 buf[2 * XD_HDR_LEN + 3];
	struct xd_kunit_stream st;
	u32 n;

	n = xd_kunit_put_frame(buf, XD_FRAME_DATA, "abc", 3);
	memcpy(buf + n, bad, sizeof(bad));
	xd_kunit_stream_init(test, &st);
	xd_kunit_stream_add(test, &st, buf, sizeof(buf));
	xd_kunit_stream_add(test, &st, buf, n);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, st.nframes, 1);
	KUNIT_EXPECT_EQ(test, st.taken, sizeof(buf));
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.nframes, 1);
	KUNIT_EXPECT_EQ(test, st.taken, sizeof(buf));
	xd_kunit_stream_free(&st);
}

/* A frame op that pauses stops the reader after that frame, until unpaused. */
static void xd_kunit_reader_pause(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, 2 * XD_KUNIT_BIG, GFP_KERNEL);
	u8 *big = kunit_kzalloc(test, XD_KUNIT_BIG, GFP_KERNEL);
	struct xd_kunit_stream st;
	u32 n, seg;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, big);
	n = xd_kunit_put_frames(buf, big, XD_KUNIT_BIG);
	xd_kunit_stream_init(test, &st);
	for (seg = 0; seg < n; seg += 1000)
		xd_kunit_stream_add(test, &st, buf + seg, min(1000U, n - seg));
	st.pause_at = 2;
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.nframes, 2);
	KUNIT_EXPECT_EQ(test, st.taken, 2 * XD_HDR_LEN + 8 + XD_KUNIT_BIG);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.nframes, 2);
	xd_reader_unpause(&st.rd);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	xd_kunit_expect_frames(test, &st, big, XD_KUNIT_BIG);
	xd_kunit_stream_free(&st);
}

/*
 * A TCP that fills up before a frame is whole gets the frame taken in
 * parts, which frees it; the frame is delivered whole once the rest
 * comes.
 */
static void xd_kunit_reader_full(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, XD_HDR_LEN + XD_KUNIT_BIG, GFP_KERNEL);
	u8 *big = kunit_kzalloc(test, XD_KUNIT_BIG, GFP_KERNEL);
	struct xd_kunit_stream st;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, big);
	for (i = 0; i < XD_KUNIT_BIG; i++)
		big[i] = i * 3;
	xd_kunit_put_frame(buf, XD_FRAME_DATA, big, XD_KUNIT_BIG);
	xd_kunit_stream_init(test, &st);
	xd_kunit_stream_add(test, &st, buf, XD_HDR_LEN + 1000);
	st.full = true;
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.taken, XD_HDR_LEN + 1000);
	KUNIT_EXPECT_EQ(test, st.nframes, 0);
	KUNIT_EXPECT_NOT_NULL(test, st.rd.skb);
	KUNIT_EXPECT_EQ(test, xd_reader_need(&st.rd), XD_KUNIT_BIG - 1000);
	st.full = false;
	xd_kunit_stream_add(test, &st, buf + XD_HDR_LEN + 1000, 1000);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.nframes, 0);
	xd_kunit_stream_add(test, &st, buf + XD_HDR_LEN + 2000,
			    XD_KUNIT_BIG - 2000);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_ASSERT_EQ(test, st.nframes, 1);
	KUNIT_EXPECT_EQ(test, st.len[0], XD_KUNIT_BIG);
	KUNIT_EXPECT_MEMEQ(test, st.data[0], big, XD_KUNIT_BIG);
	KUNIT_EXPECT_NULL(test, st.rd.skb);
	xd_kunit_stream_free(&st);
}

/*
 * A stream that stops short of what it says it holds (TCP at its urgent
 * mark) would stop every read there: the reader says -EPROTO, once.
 */
static void xd_kunit_reader_stall(struct kunit *test)
{
	u8 buf[2 * (XD_HDR_LEN + 3)];
	struct xd_kunit_stream st;
	u32 n;

	n = xd_kunit_put_frame(buf, XD_FRAME_DATA, "abc", 3);
	n += xd_kunit_put_frame(buf + n, XD_FRAME_DATA, "def", 3);
	xd_kunit_stream_init(test, &st);
	xd_kunit_stream_add(test, &st, buf, n);
	st.stop_at = XD_HDR_LEN + 3 + 2;
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), -EPROTO);
	KUNIT_EXPECT_EQ(test, st.nframes, 1);
	KUNIT_EXPECT_EQ(test, xd_reader_read(&st.rd), 0);
	KUNIT_EXPECT_EQ(test, st.nframes, 1);
	xd_kunit_stream_free(&st);
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
	KUNIT_CASE(xd_kunit_cmsg_abort),
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
	KUNIT_CASE_PARAM(xd_kunit_frame_check, xd_kunit_frame_gen_params),
	KUNIT_CASE_PARAM(xd_kunit_reader_split, xd_kunit_split_gen_params),
	KUNIT_CASE(xd_kunit_reader_waits),
	KUNIT_CASE(xd_kunit_reader_bad_header),
	KUNIT_CASE(xd_kunit_reader_pause),
	KUNIT_CASE(xd_kunit_reader_full),
	KUNIT_CASE(xd_kunit_reader_stall),
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
