// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport, transmit and resets.
 * Contexts and the rest of the design: inet.h.
 */

#include <kunit/visibility.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/in6.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "inet.h"
#include "trace.h"

static void xd_inet_frame(struct sk_buff *skb, u8 type)
{
	struct xd_inet_tx_cb *cb = XD_TX_CB(skb);

	cb->sent = 0;
	cb->hdr = (struct xd_frame_hdr) {
		.type = type,
		.len = cpu_to_be32(skb->len),
	};
}

/*
 * A fault-injection point (Documentation/fault-injection): with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, /sys/kernel/debug/fail_xdiscon_tx_page
 * makes the page for a frame's header fail to come, as a failed
 * allocation would.  Process or workqueue context.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(xd_fail_tx_page);
static struct dentry *xd_fail_tx_page_dir;

static bool xd_inet_fail_tx_page(void)
{
	return should_fail(&xd_fail_tx_page, PAGE_SIZE);
}

void xd_inet_fault_init(void)
{
	xd_fail_tx_page_dir = fault_create_debugfs_attr("fail_xdiscon_tx_page",
							NULL,
							&xd_fail_tx_page);
}

void xd_inet_fault_exit(void)
{
	debugfs_remove_recursive(xd_fail_tx_page_dir);
}
#else
static bool xd_inet_fail_tx_page(void)
{
	return false;
}

void xd_inet_fault_init(void)
{
}

void xd_inet_fault_exit(void)
{
}
#endif

/* Pages handed to TCP per call; more go in a call of their own. */
#define XD_TX_BVECS 8

/*
 * Copy what TCP has not taken of the frame's header and linear part (or
 * as much as the page has room for) into the page TCP itself copies a
 * sendmsg into (sk_page_frag()), as @bv, so that the frame goes to TCP as
 * pages.  TCP takes its own reference to the page; bytes it does not
 * take are copied again next time.  -ENOMEM when no page is to be had
 * (or fail_xdiscon_tx_page says so): the caller tries again later.
 */
static int xd_inet_copy_head(struct sock *sk, struct sk_buff *skb,
			     struct bio_vec *bv)
{
	struct xd_inet_tx_cb *cb = XD_TX_CB(skb);
	struct page_frag *pfrag = sk_page_frag(sk);
	u32 left = XD_HDR_LEN + skb_headlen(skb) - cb->sent;
	u32 hdr = cb->sent < XD_HDR_LEN ? XD_HDR_LEN - cb->sent : 0;
	u32 len;
	u8 *p;

	/* The refill leaves room for min(left, PAGE_SIZE): the header fits. */
	if (xd_inet_fail_tx_page() ||
	    !skb_page_frag_refill(min_t(u32, left, PAGE_SIZE), pfrag,
				  sk->sk_allocation))
		return -ENOMEM;
	len = min_t(u32, left, pfrag->size - pfrag->offset);
	p = page_address(pfrag->page) + pfrag->offset;
	memcpy(p, (u8 *)&cb->hdr + cb->sent, hdr);
	memcpy(p + hdr, skb->data + (cb->sent + hdr - XD_HDR_LEN), len - hdr);
	*bv = (struct bio_vec) {
		.bv_page = pfrag->page,
		.bv_offset = pfrag->offset,
		.bv_len = len,
	};
	pfrag->offset += len;
	return 0;
}

/*
 * Send the next part of one frame; bytes TCP took, or an error (-EAGAIN).
 * The header and linear part are copied (as a sendmsg would copy them),
 * the page fragments are not, and all of it goes in one call.  Every part
 * but the queue's last is sent with MSG_MORE: a frame then costs TCP one
 * push, as a write costs the user over plain TCP (each push reads the
 * clock and may send a segment, and a frame in two segments costs the
 * peer twice).  The core builds every skb it transmits as a linear part
 * and page fragments, never a frag_list.
 */
static int xd_inet_send_piece(struct sock *sk, struct sk_buff *skb, bool last)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	u32 head = XD_HDR_LEN + skb_headlen(skb), sent = XD_TX_CB(skb)->sent;
	u32 offset = sent > head ? sent - head : 0;
	struct bio_vec bv[XD_TX_BVECS];
	unsigned int i = 0, n = 0;
	size_t len = 0;
	int err;

	if (sent < head) {
		err = xd_inet_copy_head(sk, skb, &bv[n]);
		if (err)
			return err;
		len = bv[n++].bv_len;
		if (sent + len < head)
			goto send;	/* the pages follow a whole head */
	}
	for (; i < shinfo->nr_frags && n < XD_TX_BVECS; i++) {
		const skb_frag_t *frag = &shinfo->frags[i];
		u32 size = skb_frag_size(frag);

		if (offset >= size) {
			offset -= size;
			continue;
		}
		bv[n++] = (struct bio_vec) {
			.bv_page = skb_frag_page(frag),
			.bv_offset = skb_frag_off(frag) + offset,
			.bv_len = size - offset,
		};
		len += size - offset;
		offset = 0;
	}
	if (WARN_ON_ONCE(!n))
		return -EINVAL;
	if (i == shinfo->nr_frags && last)
		return xdiscon_tcp_sendpages_locked(sk, bv, n, len,
						    MSG_DONTWAIT);
send:
	return xdiscon_tcp_sendpages_locked(sk, bv, n, len,
					    MSG_DONTWAIT | MSG_MORE);
}

/*
 * Why TCP would refuse to send, or 0.  Under the TCP socket's lock, so it
 * stays true for the whole push.  Checked first because TCP's sendmsg
 * answers these with EPIPE and SIGPIPE to the current task, which may be
 * the user's, whatever flags skb_send_sock_locked() passes.
 */
static int xd_inet_tcp_send_error(struct sock *sk)
{
	if (READ_ONCE(sk->sk_err))
		return -READ_ONCE(sk->sk_err);
	if ((sk->sk_shutdown & SEND_SHUTDOWN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_SYN_SENT | TCPF_SYN_RECV)))
		return -EPIPE;
	return 0;
}

/*
 * Move txq into TCP while TCP takes it.  The disconnect frame is the last
 * one: once TCP has it, TCP sends its FIN.  A full TCP calls
 * xd_inet_write_space() later.
 */
static void xd_inet_push(struct xd_inet_conn *conn)
{
	struct sock *sk;
	struct sk_buff *skb;
	bool fin = false;
	int ret;

	if (!xd_conn_tcp(conn) || skb_queue_empty(&conn->txq))
		return;
	sk = xd_conn_tcp(conn)->sk;
	lock_sock(sk);
	ret = xd_inet_tcp_send_error(sk);
	if (ret) {
		if (!conn->tx_err) {
			conn->tx_err = ret;
			xd_inet_queue(conn->xsk, &conn->rx_work);
		}
		release_sock(sk);
		return;
	}
	while ((skb = skb_peek(&conn->txq))) {
		if (XD_TX_CB(skb)->sent < XD_HDR_LEN + skb->len) {
			bool last = skb_queue_is_last(&conn->txq, skb);

			ret = xd_inet_send_piece(sk, skb, last);
			if (ret == -ENOMEM) {
				xd_inet_mem_retry(conn);
			} else if (ret < 0 && ret != -EAGAIN && !conn->tx_err) {
				/* TCP failed: rx_work resets the socket. */
				conn->tx_err = ret;
				xd_inet_queue(conn->xsk, &conn->rx_work);
			}
			if (ret <= 0)
				break;
			XD_TX_CB(skb)->sent += ret;
			continue;
		}
		__skb_unlink(skb, &conn->txq);
		fin = XD_TX_CB(skb)->hdr.type == XD_FRAME_DISCONNECT ||
		      XD_TX_CB(skb)->hdr.type == XD_FRAME_ABORT;
		/* Frees the sender's buffer space: it may write again. */
		consume_skb(skb);
	}
	if (fin) {
		/* What inet_shutdown() does, with the lock already held. */
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
		set_bit(XD_F_FIN_SENT, &conn->flags);
	}
	release_sock(sk);
	/* A closed socket may finish now; an open one when it closes. */
	if (fin && test_bit(XD_F_RELEASED, &conn->flags))
		xd_inet_queue(conn->xsk, &conn->rx_work);
}

void xd_inet_tx_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(w, struct xd_inet_conn,
						 tx_work);
	struct xdiscon_sock *xsk = conn->xsk;

	mutex_lock(&conn->s->lock);
	xd_inet_push(conn);
	mutex_unlock(&conn->s->lock);
	sock_put(&xsk->sk);
}

/* Queue our HELLO, naming @conn->version, and push.  Under @lock. */
int xd_inet_send_hello(struct xd_inet_conn *conn)
{
	struct sock *sk = &conn->xsk->sk;
	struct xd_hello *hello;
	struct sk_buff *skb;

	skb = alloc_skb(sizeof(*hello), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hello = skb_put(skb, sizeof(*hello));
	*hello = (struct xd_hello) {
		.magic = cpu_to_be32(XD_WIRE_MAGIC),
		.version = conn->version,
		.sock_type = sk->sk_type == SOCK_STREAM ? XD_WIRE_STREAM :
							  XD_WIRE_SEQPACKET,
	};
	xd_inet_frame(skb, XD_FRAME_HELLO);
	__skb_queue_tail(&conn->txq, skb);
	xd_inet_push(conn);
	return 0;
}

/*
 * What a connected socket reports for a TCP connection that ended with
 * @err: ECONNRESET for a reset (TCP's ECONNRESET or EPIPE) and for a
 * send this transport could not build (EINVAL); else TCP's own error, as
 * a TCP socket reports it: ETIMEDOUT when its retransmission limit or
 * keepalive gave up (or the error an ICMP message left meanwhile,
 * EHOSTUNREACH, ECONNREFUSED...), ECONNABORTED from ss -K.
 */
static int xd_inet_failure(int err)
{
	switch (err) {
	case -ECONNRESET:
	case -EPIPE:
	case -EINVAL:
		return -ECONNRESET;
	default:
		return err;
	}
}

/*
 * Reset the connection: drop what is queued either way and send TCP's
 * RST.  @notify: tell the socket @err, TCP's error: a connect in progress
 * fails with it (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...), a connection
 * as xd_inet_failure() says.
 * Under lock_sock() of the socket (when it is visible to its user) and
 * @lock.
 */
void xd_inet_reset_locked(struct xd_inet_conn *conn, bool notify,
			  int err)
{
	struct xdiscon_sock *xsk = conn->xsk;

	if (test_and_set_bit(XD_F_RESET, &conn->flags))
		return;
	xd_inet_conn_close(conn, true);
	if (!notify)
		return;
	if (READ_ONCE(xsk->sk.sk_state) == XDISCON_CONNECTING)
		xdiscon_connect_done(xsk, err);
	else
		xdiscon_rcv_reset(xsk, xd_inet_failure(err));
}

void xd_inet_reset(struct xd_inet_conn *conn, int err)
{
	struct sock *sk = &conn->xsk->sk;

	lock_sock(sk);
	mutex_lock(&conn->s->lock);
	xd_inet_reset_locked(conn, true, err);
	mutex_unlock(&conn->s->lock);
	release_sock(sk);
}

/* The peer broke @rule (enum xd_wire_rule): reset.  Process context. */
void xd_inet_protocol_error(struct xd_inet_conn *conn, int rule)
{
	xd_inet_stat_inc(sock_net(&conn->xsk->sk),
			 XD_INET_STAT_PROTO_ERRORS);
	trace_xdiscon_inet_protocol_error(conn->xsk, rule);
	if (xd_inet_unpend(conn))
		xd_inet_drop_pending(conn);
	else
		xd_inet_reset(conn, -ECONNRESET);
}

/* A released socket whose exchange is complete lets TCP finish alone. */
void xd_inet_maybe_finish(struct xd_inet_conn *conn)
{
	if (test_bit(XD_F_RELEASED, &conn->flags) &&
	    test_bit(XD_F_FIN_SENT, &conn->flags) &&
	    test_bit(XD_F_EOF, &conn->flags))
		xd_inet_conn_close(conn, false);
}

/*
 * Queue one frame for TCP and push.  Consumes @skb; -EPIPE once the
 * connection is reset or its TCP socket is gone.
 */
static int xd_inet_queue_frame(struct xdiscon_sock *xsk, struct sk_buff *skb,
			       u8 type)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	int err = 0;

	mutex_lock(&conn->s->lock);
	if (!xd_conn_tcp(conn) || test_bit(XD_F_RESET, &conn->flags)) {
		err = -EPIPE;
	} else {
		xd_inet_frame(skb, type);
		__skb_queue_tail(&conn->txq, skb);
		skb = NULL;
		xd_inet_push(conn);
	}
	mutex_unlock(&conn->s->lock);
	kfree_skb(skb);
	return err;
}

int xd_inet_xmit(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	return xd_inet_queue_frame(xsk, skb, XD_FRAME_DATA);
}

/* The core calls this once: it sets SEND_SHUTDOWN under the socket lock. */
void xd_inet_send_disconnect(struct xdiscon_sock *xsk,
			     struct sk_buff *data)
{
	xd_inet_queue_frame(xsk, data, XD_FRAME_DISCONNECT);
}

/*
 * Abort with @data (consumed): drop the data frames TCP has not begun to
 * take (one it has begun goes whole, or the peer could not read on; a
 * HELLO still waiting stays, it comes first), then queue the ABORT frame,
 * which ends the stream as the disconnect does: TCP's FIN follows it,
 * not a RST that would overtake it.  The peer resets the connection once
 * it reads the frame.  Only a reset of our own before that (TCP giving
 * up, the closed socket's inet_close_timeout) can still lose it.  Under
 * @lock.
 */
void xd_inet_send_abort(struct xd_inet_conn *conn, struct sk_buff *data)
{
	struct sk_buff *skb, *tmp;

	if (!xd_conn_tcp(conn) || test_bit(XD_F_RESET, &conn->flags) ||
	    test_and_set_bit(XD_F_ABORTING, &conn->flags)) {
		kfree_skb(data);
		return;
	}
	skb_queue_walk_safe(&conn->txq, skb, tmp) {
		if (XD_TX_CB(skb)->sent ||
		    XD_TX_CB(skb)->hdr.type != XD_FRAME_DATA)
			continue;
		__skb_unlink(skb, &conn->txq);
		kfree_skb(skb);
	}
	xd_inet_frame(data, XD_FRAME_ABORT);
	__skb_queue_tail(&conn->txq, data);
	xd_inet_push(conn);
}

/* Bytes not yet acknowledged by the peer's TCP, frame headers included. */
size_t xd_inet_tx_queued(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	struct sk_buff *skb;
	size_t bytes = 0;

	if (!conn)
		return 0;		/* no connection yet */
	mutex_lock(&conn->s->lock);
	skb_queue_walk(&conn->txq, skb)
		bytes += XD_HDR_LEN + skb->len - XD_TX_CB(skb)->sent;
	if (xd_conn_tcp(conn)) {
		struct tcp_sock *tp = tcp_sk(xd_conn_tcp(conn)->sk);

		bytes += READ_ONCE(tp->write_seq) - READ_ONCE(tp->snd_una);
	}
	mutex_unlock(&conn->s->lock);
	return bytes;
}

/* Everything, the disconnect and the FIN, acknowledged by the peer. */
bool xd_inet_tx_done(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	bool done;

	if (!conn)
		return true;		/* no connection yet: nothing sent */
	mutex_lock(&conn->s->lock);
	if (test_bit(XD_F_RESET, &conn->flags) || !xd_conn_tcp(conn)) {
		done = true;
	} else if (!test_bit(XD_F_FIN_SENT, &conn->flags)) {
		done = false;
	} else {
		struct tcp_sock *tp = tcp_sk(xd_conn_tcp(conn)->sk);

		done = READ_ONCE(tp->snd_una) == READ_ONCE(tp->write_seq);
	}
	mutex_unlock(&conn->s->lock);
	return done;
}
