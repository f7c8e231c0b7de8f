// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport, receive: TCP callbacks, frames from the reader, rx_work.
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

/*
 * Does TCP's end of stream (or error) need rx_work?  Not when it came
 * cleanly after the disconnect (no error, nothing unread) to a socket
 * still open: its release notes the end then (XD_F_EOF matters only to a
 * closed socket).  Under the TCP socket's lock, as the reader runs.
 */
static bool xd_inet_eof_needs_rx(struct xd_inet_conn *conn, struct sock *sk)
{
	if (!READ_ONCE(sk->sk_err) && sk->sk_state != TCP_CLOSE &&
	    !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		return false;
	return !test_bit(XD_F_DISC_RCVD, &conn->flags) ||
	       test_bit(XD_F_RELEASED, &conn->flags) ||
	       READ_ONCE(sk->sk_err) || tcp_inq(sk) ||
	       xd_reader_mid_frame(&conn->rd);
}

/*
 * Take the frames TCP holds, as the TCP socket's owner: in its callbacks
 * (softirq, or process context when its owner runs TCP's backlog), or
 * under lock_sock() in rx_work and the reader's pull().  Memory that ran
 * short is tried again after XD_MEM_RETRY; a frame the wire format does
 * not allow resets the connection, in rx_work.  Returns the reader's
 * error.
 */
static int xd_inet_read_frames(struct xd_inet_conn *conn)
{
	int err = xd_reader_read(&conn->rd);

	if (err == -ENOMEM) {
		xd_inet_mem_retry(conn);
	} else if (err) {
		set_bit(XD_F_PROTO_ERR, &conn->flags);
		xd_inet_queue(conn->xsk, &conn->rx_work);
	}
	return err;
}

/*
 * The same from the callbacks and the pull, which then hand an end of
 * stream that arrived to rx_work to judge (rx_work reads, then judges,
 * itself).
 */
static void xd_inet_rcv(struct xd_inet_conn *conn, struct sock *sk)
{
	xd_inet_read_frames(conn);
	if ((READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) &&
	    xd_inet_eof_needs_rx(conn, sk))
		xd_inet_queue(conn->xsk, &conn->rx_work);
}

/* Less than this of a new frame waiting in TCP is read where it lands. */
#define XD_HANDOFF_MIN	4096

/*
 * Leave the frame reading to a reader in recvmsg() or splice(), asleep or
 * copying: xd_inet_pull() runs it on the reader's CPU, and TCP's window
 * update goes from there, as a TCP reader's would, rather than on the CPU
 * that received (on one host, often the sender's, whose time per byte is
 * bulk's limit).  Only for bulk data: a small frame costs less to read
 * here than the reader's trip through the TCP socket's lock, which would
 * lengthen every request and answer.  A frame whose header the frame
 * reader holds did not arrive whole, so is bulk: its rest goes to the
 * reader however short it is.  Not while the frame reader is stopped or
 * waits for more of a frame than TCP holds: there is nothing to hand over.
 * The reader count is read first, without the barriers of
 * xdiscon_rcv_handoff(): most calls find no reader.  Softirq, TCP's lock
 * held.
 */
static bool xd_inet_handoff(struct xd_inet_conn *conn, struct sock *sk)
{
	const struct xd_reader *rd = &conn->rd;
	u32 need = xd_reader_mid_frame(rd) ? xd_reader_need(rd) :
					     XD_HANDOFF_MIN;

	if (!atomic_read(&conn->xsk->rx_readers) || xd_reader_stopped(rd) ||
	    tcp_inq(sk) < need)
		return false;
	return xdiscon_rcv_handoff(conn->xsk);
}

void xd_inet_frame_room(struct sock *sk)
{
	if (READ_ONCE(sk->sk_rcvbuf) < XD_TCP_RCVBUF_MIN)
		WRITE_ONCE(sk->sk_rcvbuf, XD_TCP_RCVBUF_MIN);
}

/*
 * A connection's TCP socket has data.  No connection: the callbacks are
 * being unhooked, and nobody waits on the TCP socket.
 */
static void xd_inet_data_ready(struct sock *sk)
{
	struct xd_inet_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_owner_of(sk);
	/*
	 * Called with @sk owned only by its owner, running TCP's backlog:
	 * read as the owner, not handing off to itself.
	 */
	if (conn && (sock_owned_by_user_nocheck(sk) ||
		     !xd_inet_handoff(conn, sk)))
		xd_inet_rcv(conn, sk);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * The listening TCP socket has a connection to accept.  A TCP socket it
 * accepted inherits this callback, without sk_user_data, until the new
 * connection hooks its own: such a socket is not in TCP_LISTEN, nobody
 * waits on it, and once hooked it is read for what arrived before
 * (xd_inet_new_child() calls xd_inet_rcv_held()).
 */
static void xd_inet_listen_data_ready(struct sock *sk)
{
	struct xd_inet_listener *l;

	if (sk->sk_state != TCP_LISTEN)
		return;
	read_lock_bh(&sk->sk_callback_lock);
	l = xd_inet_owner_of(sk);
	if (l)
		xd_inet_queue(l->s->xsk, &l->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Read what TCP received before the callbacks were hooked.  data_ready()
 * on an owned socket reads as its owner: so we own it, as release_sock()
 * running TCP's backlog does, never merely find it owned (two contexts
 * would read TCP at once).  Process context, xd_inet_sock.lock held.
 */
void xd_inet_rcv_held(struct sock *sk)
{
	lock_sock(sk);
	xd_inet_data_ready(sk);
	release_sock(sk);
}

/*
 * TCP freed buffer space: push what waits in txq, once TCP has room for
 * it, by sk_stream_write_space()'s measure (a third of the buffer free),
 * and clear SOCK_NOSPACE as it does: TCP then calls again only after a
 * push has found it full again, not on every ACK.
 */
static void xd_inet_write_space(struct sock *sk)
{
	struct xd_inet_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_owner_of(sk);
	if (conn && !skb_queue_empty_lockless(&conn->txq) &&
	    __sk_stream_is_writeable(sk, 1)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xd_inet_queue(conn->xsk, &conn->tx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP changed state.  A socket that sent its disconnect may have a
 * lingering close (or XDISCON_TX_DONE) waiting for TCP to acknowledge its
 * FIN: wake it, it looks itself.  rx_work only has something to judge
 * after an error, a reset or the end, or the peer's FIN; a connection
 * becoming established, or our FIN acknowledged, costs no work.
 */
static void xd_inet_state_change(struct sock *sk)
{
	struct xd_inet_conn *conn;
	struct sock *xs;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_owner_of(sk);
	if (conn) {
		xs = &conn->xsk->sk;
		if (READ_ONCE(xs->sk_shutdown) & SEND_SHUTDOWN)
			xs->sk_state_change(xs);
		if (xd_inet_eof_needs_rx(conn, sk))
			xd_inet_queue(conn->xsk, &conn->rx_work);
		if (!skb_queue_empty_lockless(&conn->txq))
			xd_inet_queue(conn->xsk, &conn->tx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/* The peer's disconnect: its data, copied out of the frame. */
static int xd_inet_rcv_disconnect(struct xd_inet_conn *conn,
				  struct sk_buff *skb, gfp_t gfp)
{
	u32 off = XD_RX_CB(skb)->xd.consumed, len = xdiscon_skb_unread(skb);
	struct sk_buff *data;

	data = alloc_skb(len, gfp);
	if (!data)
		return -ENOMEM;
	if (skb_copy_bits(skb, off, skb_put(data, len), len)) {
		kfree_skb(data);
		return -EPROTO;
	}
	set_bit(XD_F_DISC_RCVD, &conn->flags);
	xdiscon_rcv_disconnect(conn->xsk, data);
	return 0;
}

/*
 * Nothing waits ahead of the frame the frame reader has in hand: rxq is
 * empty and rx_work holds no frame.  Only the frame reader adds to rxq,
 * so the answer stays true while it runs.
 */
bool xd_inet_rxq_idle(struct xd_inet_conn *conn)
{
	bool idle;

	spin_lock_bh(&conn->rxq.lock);
	idle = !conn->rx_busy && skb_queue_empty(&conn->rxq);
	spin_unlock_bh(&conn->rxq.lock);
	return idle;
}

/*
 * The fast path: a data frame or the disconnect of an established
 * connection goes straight into the socket, from the frame reader's context
 * (softirq, or process context under the TCP socket's lock), when nothing
 * is ahead of it: @rxq empty, @rx_work holding no frame, and for data room
 * in the socket.  Everything else, and any frame behind one that waits,
 * goes through @rxq and @rx_work in order.  The frame reader runs
 * serialised by the TCP socket's lock, and only they add to @rxq, so
 * nothing can overtake the frame after the check.
 */
static bool xd_inet_rcv_direct(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	const unsigned long mask = BIT(XD_F_HANDSHAKEN) | BIT(XD_F_DISC_RCVD) |
		BIT(XD_F_RELEASED) | BIT(XD_F_RESET) | BIT(XD_F_PROTO_ERR);
	struct xdiscon_sock *xsk = conn->xsk;
	u8 type = XD_RX_CB(skb)->type;

	if (!XD_RX_CB(skb)->charged ||
	    (READ_ONCE(conn->flags) & mask) != BIT(XD_F_HANDSHAKEN) ||
	    (type == XD_FRAME_DATA && !xdiscon_skb_unread(skb)) ||
	    (type != XD_FRAME_DATA && type != XD_FRAME_DISCONNECT))
		return false;
	if (!xd_inet_rxq_idle(conn) ||
	    (type == XD_FRAME_DATA &&
	     !xdiscon_rcv_room(xsk, skb->truesize, READ_ONCE(conn->rcvbuf))))
		return false;
	if (type == XD_FRAME_DATA) {
		xdiscon_rcv_skb(xsk, skb);
		return true;
	}
	/* Out of memory here: rx_work tries again, allowed to sleep. */
	if (xd_inet_rcv_disconnect(conn, skb, GFP_ATOMIC))
		return false;
	consume_skb(skb);
	return true;		/* xd_inet_rcv() judges a FIN behind it */
}

/* See @rcvbuf in struct xd_inet_conn. */
static void xd_inet_track_rcvbuf(struct xd_inet_conn *conn, struct sock *tcp)
{
	struct sock *sk = &conn->xsk->sk;
	unsigned int limit = READ_ONCE(sk->sk_rcvbuf);

	/* Racy (a bit-field): a user's SO_RCVBUF counts from the next frame. */
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		limit = max_t(unsigned int, limit, READ_ONCE(tcp->sk_rcvbuf));
	WRITE_ONCE(conn->rcvbuf, limit);
}

/* The frame reader's frame op: a whole frame, in the reader's context. */
static void xd_inet_rx_frame(struct xd_reader *rd, struct sk_buff *skb, u8 type)
{
	struct xd_inet_conn *conn = container_of(rd, struct xd_inet_conn, rd);
	bool pause;

	XD_RX_CB(skb)->type = type;
	XD_RX_CB(skb)->charged = xdiscon_rcv_charge(conn->xsk, skb);
	xd_inet_track_rcvbuf(conn, rd->sk);
	/* Read in a pull, TCP's backlog at its release_sock() included. */
	if (sock_owned_by_user_nocheck(rd->sk) &&
	    READ_ONCE(conn->puller) == current)
		xd_inet_stat_inc(sock_net(&conn->xsk->sk),
				 XD_INET_STAT_READER_FRAMES);
	if (xd_inet_rcv_direct(conn, skb) ||
	    xd_inet_client_hello_direct(conn, skb))
		return;

	/*
	 * rx_work drops the data frames still ahead of it (before the
	 * handshake it is out of place, and rx_work says so; a second
	 * connect clears the bit).
	 */
	if (type == XD_FRAME_ABORT)
		set_bit(XD_F_ABORT_RCVD, &conn->flags);
	spin_lock_bh(&conn->rxq.lock);
	__skb_queue_tail(&conn->rxq, skb);
	conn->rxq_bytes += skb->truesize;
	pause = conn->rxq_bytes > READ_ONCE(conn->rcvbuf) ||
		!XD_RX_CB(skb)->charged;
	spin_unlock_bh(&conn->rxq.lock);
	if (pause)
		xd_reader_pause(rd);
	xd_inet_queue(conn->xsk, &conn->rx_work);
}

static u32 xd_inet_inq(struct xd_reader *rd)
{
	return tcp_inq(rd->sk);
}

/* TCP's own test, in tcp_poll(), for data that cannot wait for more. */
static bool xd_inet_full(struct xd_reader *rd)
{
	return tcp_epollin_ready(rd->sk, INT_MAX);
}

static int xd_inet_read_sock(struct xd_reader *rd, read_descriptor_t *desc,
			     sk_read_actor_t actor)
{
	return tcp_read_sock(rd->sk, desc, actor);
}

const struct xd_reader_ops xd_inet_reader_ops = {
	.inq	= xd_inet_inq,
	.full	= xd_inet_full,
	.read	= xd_inet_read_sock,
	.frame	= xd_inet_rx_frame,
};

/*
 * Hook @s->tcp's callbacks for @owner, @s's listener or connection as
 * @s->role says, which they find in sk_user_data.  Not copied into
 * accepted sockets (SK_USER_DATA_NOCOPY).  An accepted socket inherits
 * the listener's data_ready: its own, which unhooking gives back, is
 * TCP's, the one the listener saved, @tcp_data_ready (NULL for a socket
 * of our own).  Under @s->lock.
 */
void xd_inet_hook(struct xd_inet_sock *s, void *owner,
		  void (*tcp_data_ready)(struct sock *sk))
{
	struct sock *sk = s->tcp->sk;
	bool listener = s->role == XD_ROLE_LISTENER;

	write_lock_bh(&sk->sk_callback_lock);
	s->saved_data_ready = tcp_data_ready ?: sk->sk_data_ready;
	s->saved_write_space = sk->sk_write_space;
	s->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = (void *)((uintptr_t)owner | SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = listener ? xd_inet_listen_data_ready :
				       xd_inet_data_ready;
	if (!listener) {
		sk->sk_write_space = xd_inet_write_space;
		sk->sk_state_change = xd_inet_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Under @s->lock. */
void xd_inet_unhook(struct xd_inet_sock *s)
{
	struct sock *sk = s->tcp->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = s->saved_data_ready;
		sk->sk_write_space = s->saved_write_space;
		sk->sk_state_change = s->saved_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * At close: the peer's disconnect and FIN are in and nothing came after
 * them, the end rx_work would note (see xd_inet_eof_needs_rx()).  Before
 * XD_F_RELEASED is set, under @lock, with the TCP socket open
 * (xd_conn_tcp()).
 */
bool xd_inet_clean_end(struct xd_inet_conn *conn)
{
	struct sock *sk = xd_conn_tcp(conn)->sk;
	bool end;

	lock_sock(sk);
	end = (sk->sk_shutdown & RCV_SHUTDOWN) &&
	      !xd_inet_eof_needs_rx(conn, sk);
	release_sock(sk);
	spin_lock_bh(&conn->rxq.lock);
	end = end && !conn->rx_busy && skb_queue_empty(&conn->rxq);
	spin_unlock_bh(&conn->rxq.lock);
	return end;
}

/*
 * rx_work takes frames off rxq before it looks at them: a reset may purge
 * rxq at any time (under xd_inet_sock.lock, which rx_work does not
 * hold while it delivers).
 */
static struct sk_buff *xd_inet_rxq_dequeue(struct xd_inet_conn *conn)
{
	struct sk_buff *skb;

	spin_lock_bh(&conn->rxq.lock);
	skb = __skb_dequeue(&conn->rxq);
	if (skb) {
		conn->rxq_bytes -= skb->truesize;
		conn->rx_busy = true;	/* until xd_inet_deliver() returns */
	}
	spin_unlock_bh(&conn->rxq.lock);
	return skb;
}

/* Put back a frame the socket has no room for yet, in front. */
static void xd_inet_rxq_requeue(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	spin_lock_bh(&conn->rxq.lock);
	__skb_queue_head(&conn->rxq, skb);
	conn->rxq_bytes += skb->truesize;
	spin_unlock_bh(&conn->rxq.lock);
}

/*
 * No frame on rxq waits for memory.  Only the last frame the frame reader
 * queued before it paused can: it queues nothing more while paused.
 * Process, workqueue or softirq context; takes rxq.lock.
 */
static bool xd_inet_rxq_charged(struct xd_inet_conn *conn)
{
	struct sk_buff *skb;
	bool charged;

	spin_lock_bh(&conn->rxq.lock);
	skb = skb_peek_tail(&conn->rxq);
	charged = !skb || XD_RX_CB(skb)->charged;
	spin_unlock_bh(&conn->rxq.lock);
	return charged;
}

/*
 * Charge @skb, off rxq, to the socket if the socket will queue it: only
 * that waits for memory.  False when there is none: @skb is back on rxq
 * and a retry is due.
 */
static bool xd_inet_rx_charge(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	if (XD_RX_CB(skb)->charged || XD_RX_CB(skb)->type != XD_FRAME_DATA ||
	    test_bit(XD_F_RELEASED, &conn->flags))
		return true;
	if (!xdiscon_rcv_charge(conn->xsk, skb)) {
		xd_inet_rxq_requeue(conn, skb);
		xd_inet_mem_retry(conn);
		return false;
	}
	XD_RX_CB(skb)->charged = true;
	return true;
}

/*
 * May @skb, a handshaken connection's frame, go to the socket now?  Not
 * a data frame the socket has no room for; but a closed socket drops
 * what arrives (its queue is purged after release()).
 */
static bool xd_inet_rx_room(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	return XD_RX_CB(skb)->type != XD_FRAME_DATA ||
	       !xdiscon_skb_unread(skb) ||
	       test_bit(XD_F_RELEASED, &conn->flags) ||
	       xdiscon_rcv_room(conn->xsk, skb->truesize,
				READ_ONCE(conn->rcvbuf));
}

/*
 * The peer's disconnect, taken off rxq: 0 delivered, -EPROTO, or 1 when
 * its data found no memory: it is back on rxq, as a frame without room
 * is, and mem_work tries again.
 */
static int xd_inet_deliver_disconnect(struct xd_inet_conn *conn,
				      struct sk_buff *skb)
{
	int err = xd_inet_rcv_disconnect(conn, skb, GFP_KERNEL);

	if (err == -ENOMEM) {
		xd_inet_rxq_requeue(conn, skb);
		xd_inet_mem_retry(conn);
		return 1;
	}
	kfree_skb(skb);
	return err;
}

/*
 * The peer's abort, taken off rxq: its data copied out of the frame, then
 * the reset, which the socket learns with the data (a closed socket only
 * resets).  A connection still in its handshake on the listening side is
 * dropped, as a reset one is.  When the copy finds no memory, the frame
 * goes back on rxq and mem_work tries again.
 */
static void xd_inet_deliver_abort(struct xd_inet_conn *conn,
				  struct sk_buff *skb)
{
	struct xdiscon_sock *xsk = conn->xsk;
	struct sk_buff *data = NULL;
	u32 len = xdiscon_skb_unread(skb);

	if (!test_bit(XD_F_RELEASED, &conn->flags)) {
		data = alloc_skb(len, GFP_KERNEL);
		if (!data) {
			xd_inet_rxq_requeue(conn, skb);
			xd_inet_mem_retry(conn);
			return;
		}
		if (skb_copy_bits(skb, XD_RX_CB(skb)->xd.consumed,
				  skb_put(data, len), len)) {
			kfree_skb(data);
			data = NULL;
		}
	}
	kfree_skb(skb);
	if (xd_inet_unpend(conn)) {
		kfree_skb(data);
		xd_inet_drop_pending(conn);
		return;
	}
	lock_sock(&xsk->sk);
	mutex_lock(&conn->s->lock);
	if (!test_and_set_bit(XD_F_RESET, &conn->flags)) {
		xd_inet_conn_close(conn, true);
		/* Closed meanwhile: nobody would read it. */
		if (data && !test_bit(XD_F_RELEASED, &conn->flags)) {
			xdiscon_rcv_abort(xsk, data);
			data = NULL;
		} else {
			xdiscon_rcv_reset(xsk, -ECONNRESET);
		}
	}
	mutex_unlock(&conn->s->lock);
	release_sock(&xsk->sk);
	kfree_skb(data);
}

/*
 * Deliver parsed frames while the socket has room.  Returns 0, or
 * -EPROTO for a frame out of place.  Once the peer's abort is on rxq,
 * the data frames ahead of it are dropped: an abort drops what was not
 * delivered.
 */
static int __xd_inet_deliver(struct xd_inet_conn *conn)
{
	struct xdiscon_sock *xsk = conn->xsk;
	struct sk_buff *skb;
	int err = 0;

	while (!err && (skb = xd_inet_rxq_dequeue(conn))) {
		u8 type = XD_RX_CB(skb)->type;

		if (type == XD_FRAME_DATA &&
		    test_bit(XD_F_HANDSHAKEN, &conn->flags) &&
		    test_bit(XD_F_ABORT_RCVD, &conn->flags)) {
			kfree_skb(skb);
			continue;
		}
		if (!xd_inet_rx_charge(conn, skb))
			return 0;

		if (!test_bit(XD_F_HANDSHAKEN, &conn->flags)) {
			if (type != XD_FRAME_HELLO) {
				kfree_skb(skb);
				return -EPROTO;
			}
			xd_inet_hello(conn, skb);
			if (!test_bit(XD_F_HANDSHAKEN, &conn->flags))
				return 0;
			continue;
		}
		if (type == XD_FRAME_HELLO ||
		    test_bit(XD_F_DISC_RCVD, &conn->flags) ||
		    (type == XD_FRAME_ABORT &&
		     conn->version < XD_WIRE_VERSION_ABORT)) {
			kfree_skb(skb);
			return -EPROTO;
		}
		if (type == XD_FRAME_ABORT) {
			xd_inet_deliver_abort(conn, skb);
			return 0;
		}
		/* No room: consumed() calls again. */
		if (!xd_inet_rx_room(conn, skb)) {
			unsigned int truesize = skb->truesize;

			xd_inet_rxq_requeue(conn, skb);
			/*
			 * A reader that made room while the frame was off
			 * rxq saw it empty and did not call again: look once
			 * more.  Pairs with the barrier in consumed().  Back
			 * on rxq, @skb is a reset's to purge: only its size
			 * is looked at again.
			 */
			smp_mb();
			if (!xdiscon_rcv_room(xsk, truesize,
					      READ_ONCE(conn->rcvbuf)))
				return 0;
			continue;
		}
		if (type == XD_FRAME_DISCONNECT) {
			err = xd_inet_deliver_disconnect(conn, skb);
			if (err > 0)
				return 0;
		} else if (!xdiscon_skb_unread(skb) &&
			   xsk->sk.sk_type == SOCK_STREAM) {
			consume_skb(skb);	/* a stream has no empty records */
		} else {
			xdiscon_rcv_skb(xsk, skb);
		}
	}
	return err;
}

static int xd_inet_deliver(struct xd_inet_conn *conn)
{
	int err = __xd_inet_deliver(conn);

	/* Frames may take the fast path again (see rcv_direct()). */
	spin_lock_bh(&conn->rxq.lock);
	conn->rx_busy = false;
	spin_unlock_bh(&conn->rxq.lock);
	return err;
}

/*
 * Read the frames TCP holds, first letting a paused frame reader go on
 * when rxq has room again; then how TCP stands, under @lock: its error
 * if it failed, else 0 with @eof when the peer's FIN arrived with
 * everything before it read, and @truncated when a frame was cut short
 * by it.  Not at the end while memory is short: the retry judges.
 */
static int xd_inet_tcp_status(struct xd_inet_conn *conn, bool *eof,
			      bool *truncated)
{
	struct sock *sk;
	int err;

	*eof = false;
	*truncated = false;
	if (!xd_conn_tcp(conn))
		return 0;
	sk = xd_conn_tcp(conn)->sk;
	err = READ_ONCE(sk->sk_err);
	if (err)
		return -err;
	if (conn->tx_err)
		return conn->tx_err;
	lock_sock(sk);
	/* Decided here, where the frame reader cannot queue and pause. */
	if (READ_ONCE(conn->rxq_bytes) <= READ_ONCE(conn->rcvbuf) &&
	    xd_inet_rxq_charged(conn))
		xd_reader_unpause(&conn->rd);
	if (xd_inet_read_frames(conn) != -ENOMEM &&
	    (sk->sk_shutdown & RCV_SHUTDOWN)) {
		u32 inq = tcp_inq(sk);

		/*
		 * The frame reader took everything, or waits for more than
		 * will ever come: then a frame begun is truncated.
		 */
		if (!inq || inq < xd_reader_need(&conn->rd)) {
			*eof = true;
			*truncated = xd_reader_mid_frame(&conn->rd) || inq;
		}
	}
	release_sock(sk);
	return err;
}

static void xd_inet_rx(struct xd_inet_conn *conn)
{
	bool eof, truncated;
	int err, rule = -1;

	if (test_bit(XD_F_RESET, &conn->flags))
		return;
	err = xd_inet_deliver(conn);
	if (err || test_bit(XD_F_PROTO_ERR, &conn->flags)) {
		xd_inet_protocol_error(conn,
				       test_bit(XD_F_PROTO_ERR, &conn->flags) ?
				       XD_RULE_HEADER : XD_RULE_ORDER);
		return;
	}
	mutex_lock(&conn->s->lock);
	err = xd_inet_tcp_status(conn, &eof, &truncated);
	/*
	 * Frames the reader queued before the end are delivered first (the
	 * run that queued them follows): a connection in its handshake must
	 * reach the accept queue before a truncated frame resets it.
	 */
	if (!err && eof && !skb_queue_empty_lockless(&conn->rxq))
		eof = false;
	if (!err && eof && truncated)
		rule = XD_RULE_TRUNCATED;
	else if (!err && eof && !test_bit(XD_F_DISC_RCVD, &conn->flags))
		rule = XD_RULE_NO_DISCONNECT;
	/* The frame reader stopped at a bad header: that broke the rules. */
	if (rule >= 0 && test_bit(XD_F_PROTO_ERR, &conn->flags))
		rule = XD_RULE_HEADER;
	if (!err && rule < 0 && eof) {
		set_bit(XD_F_EOF, &conn->flags);
		xd_inet_maybe_finish(conn);
	}
	mutex_unlock(&conn->s->lock);

	if (rule >= 0)
		xd_inet_protocol_error(conn, rule);
	else if (err && xd_inet_unpend(conn))
		xd_inet_drop_pending(conn);
	else if (err)
		xd_inet_reset(conn, err == -EPIPE ? -ECONNRESET : err);
}

void xd_inet_rx_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(w, struct xd_inet_conn,
						 rx_work);
	struct xdiscon_sock *xsk = conn->xsk;

	/* Not after a connect that failed at once. */
	if (READ_ONCE(conn->s->role) == XD_ROLE_CONN)
		xd_inet_rx(conn);
	sock_put(&xsk->sk);
}

void xd_inet_consumed(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);

	/* The room the reader made is visible before rxq is looked at. */
	smp_mb();
	if (!skb_queue_empty_lockless(&conn->rxq))
		xd_inet_queue(conn->xsk, &conn->rx_work);
}

/*
 * See xd_inet_handoff(): the reader's turn to read frames, also what arrives
 * meanwhile (TCP's backlog, at release_sock()).  The mutex keeps @tcp
 * from a reset's close while the frame reader runs under its lock.
 */
void xd_inet_pull(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	struct sock *sk;

	mutex_lock(&conn->s->lock);
	if (xd_conn_tcp(conn)) {
		sk = xd_conn_tcp(conn)->sk;
		lock_sock(sk);
		WRITE_ONCE(conn->puller, current);
		xd_inet_rcv(conn, sk);
		release_sock(sk);
		WRITE_ONCE(conn->puller, NULL);
	}
	mutex_unlock(&conn->s->lock);
}
