// SPDX-License-Identifier: GPL-2.0
/*
 * The reader: recvmsg for both socket types, splice_read for
 * SOCK_STREAM, and the receive work a transport leaves to readers
 * (xdiscon_rcv_handoff()).
 *
 * Only the reader, under lock_sock(), unlinks skbs from
 * sk_receive_queue; transports only append, under the queue's lock, so a
 * reader may copy from a queued skb without that lock.  All functions
 * here run in process context, under lock_sock(), but for
 * xdiscon_rcv_handoff(), which a transport calls from any context.
 */

#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/splice.h>
#include <net/sock.h>

#include "xdiscon.h"

/*
 * Has something changed that a reader waiting since it saw @seq (rx_seq)
 * must act on?  Lockless, for waiting.  New data, not a non-empty queue:
 * a MSG_PEEK reader waits with the bytes it has peeked still queued.
 */
static bool xdiscon_rcv_ready(struct xdiscon_sock *xsk, u32 seq)
{
	struct sock *sk = &xsk->sk;

	return READ_ONCE(xsk->rx_seq) != seq ||
	       READ_ONCE(xsk->rx_end) != XDISCON_RX_OPEN ||
	       READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/*
 * Do the receive work a transport left to the readers, if it did
 * (xdiscon_rcv_handoff()): whoever clears XDISCON_RX_HANDOFF does it.
 * Under lock_sock().
 */
static bool xdiscon_rcv_take(struct xdiscon_sock *xsk)
{
	/* Most calls find nothing: look before the locked clear. */
	if (!test_bit(XDISCON_RX_HANDOFF, &xsk->rx_handoff) ||
	    !test_and_clear_bit(XDISCON_RX_HANDOFF, &xsk->rx_handoff))
		return false;
	xsk->transport->pull(xsk);
	return true;
}

/*
 * Sleep until there is something to act on since the reader looked at
 * the queue and saw @seq, or receive work handed to us, and do that work.
 * Under lock_sock(), which sk_wait_event() drops while asleep: the caller
 * keeps no skb pointer across this call.
 */
static void xdiscon_rcv_wait(struct xdiscon_sock *xsk, long *timeo,
			     struct wait_queue_entry *wait, u32 seq)
{
	struct sock *sk = &xsk->sk;

	atomic_inc(&xsk->rx_sleepers);
	/* Pairs with the barrier in xdiscon_rcv_handoff(). */
	smp_mb__after_atomic();
	sk_wait_event(sk, timeo, xdiscon_rcv_ready(xsk, seq) ||
		      test_bit(XDISCON_RX_HANDOFF, &xsk->rx_handoff), wait);
	atomic_dec(&xsk->rx_sleepers);
	xdiscon_rcv_take(xsk);
}

/*
 * For a transport with a pull() (any context, no xdiscon locks): data
 * arrived.  With a reader in recvmsg() or splice(), leave the receive work
 * to it, to do in its own context, on its own CPU, rather than the
 * caller's, and return true: it does the work before it sleeps, when it
 * wakes (we wake it if it sleeps) and before it returns.  Return false
 * when no reader will: the caller does it.  Other sleepers on the socket
 * (poll) may see the wakeup with nothing to read yet, as with any spurious
 * wakeup; the reader's delivery wakes them again.
 */
bool xdiscon_rcv_handoff(struct xdiscon_sock *xsk)
{
	struct socket_wq *wq;

	set_bit(XDISCON_RX_HANDOFF, &xsk->rx_handoff);
	/* The set is seen by a reader, or the reader's leaving here. */
	smp_mb__after_atomic();
	if (!atomic_read(&xsk->rx_readers))
		return !test_and_clear_bit(XDISCON_RX_HANDOFF,
					   &xsk->rx_handoff);
	if (!atomic_read(&xsk->rx_sleepers))
		return true;
	rcu_read_lock();
	wq = rcu_dereference(xsk->sk.sk_wq);
	if (wq)
		wake_up_interruptible_poll(&wq->wait, EPOLLIN | EPOLLRDNORM);
	rcu_read_unlock();
	return true;
}

/* Where a reader stands in the receive queue (xdiscon_rcv_peek()). */
struct xdiscon_rcv_pos {
	u32 off;	/* offset in the skb of the next byte to read */
	u32 seq;	/* rx_seq when the queue was looked at */
	u8 rx_end;	/* how the receive direction stood then */
};

/*
 * The skb holding the next byte to read: @skip bytes of unread data past
 * @prev (NULL: the head of the queue), empty skbs included when @skip is
 * 0.  How the receive direction stands is read with it, so that an empty
 * queue seen with XDISCON_RX_DISCONNECT means every byte before the
 * disconnect was read.  Under lock_sock(), which keeps a queued skb queued
 * (only its holder unlinks) until the caller drops it.
 */
static struct sk_buff *xdiscon_rcv_peek(struct xdiscon_sock *xsk,
					struct sk_buff *prev, size_t skip,
					struct xdiscon_rcv_pos *pos)
{
	struct sk_buff_head *q = &xsk->sk.sk_receive_queue;
	struct sk_buff *skb;

	spin_lock_bh(&q->lock);
	skb = prev ? skb_peek_next(prev, q) : skb_peek(q);
	while (skb && skip && skip >= xdiscon_skb_unread(skb)) {
		skip -= xdiscon_skb_unread(skb);
		skb = skb_peek_next(skb, q);
	}
	pos->off = skb ? XDISCON_SKB_CB(skb)->consumed + skip : 0;
	pos->seq = xsk->rx_seq;
	pos->rx_end = xsk->rx_end;
	spin_unlock_bh(&q->lock);
	return skb;
}

static void xdiscon_rcv_unlink(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	struct sk_buff_head *q = &xsk->sk.sk_receive_queue;

	spin_lock_bh(&q->lock);
	__skb_unlink(skb, q);
	WRITE_ONCE(xsk->rx_bytes, xsk->rx_bytes - skb->truesize);
	spin_unlock_bh(&q->lock);
	consume_skb(skb);
}

/*
 * Nothing queued: decide what the reader gets.  Returns 1 to wait, or
 * the end of the read: 0 (end of stream, with the peer's disconnect data
 * as a control message when there is any) or an error.
 */
static int xdiscon_rcv_empty(struct xdiscon_sock *xsk, struct msghdr *msg,
			     u8 rx_end, long timeo)
{
	struct sock *sk = &xsk->sk;

	if (sk->sk_err)
		return sock_error(sk);
	if (rx_end == XDISCON_RX_DISCONNECT)
		return xdiscon_put_peer_discdata(xsk, msg);
	if (rx_end == XDISCON_RX_RESET || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	if (sk->sk_state != XDISCON_CONNECTED)
		return -ENOTCONN;
	if (!timeo)
		return -EAGAIN;
	if (signal_pending(current))
		return sock_intr_errno(timeo);
	return 1;
}

/*
 * Empty the receive queue.  The skbs are freed after the lock is dropped:
 * freeing one may free its sender, which takes its own queue lock.
 */
void xdiscon_rcv_purge(struct xdiscon_sock *xsk)
{
	struct sk_buff_head *q = &xsk->sk.sk_receive_queue;
	struct sk_buff_head purge;

	__skb_queue_head_init(&purge);
	spin_lock_bh(&q->lock);
	skb_queue_splice_init(q, &purge);
	WRITE_ONCE(xsk->rx_bytes, 0);
	spin_unlock_bh(&q->lock);
	__skb_queue_purge(&purge);
}

static int xdiscon_recv_seqpacket(struct xdiscon_sock *xsk,
				  struct msghdr *msg, size_t len, int flags,
				  long timeo, struct wait_queue_entry *wait)
{
	struct xdiscon_rcv_pos pos;
	struct sk_buff *skb;
	int err;

	for (;;) {
		skb = xdiscon_rcv_peek(xsk, NULL, 0, &pos);
		if (skb)
			break;
		if (xdiscon_rcv_take(xsk))
			continue;
		err = xdiscon_rcv_empty(xsk, msg, pos.rx_end, timeo);
		if (err <= 0)
			return err;
		xdiscon_rcv_wait(xsk, &timeo, wait, pos.seq);
	}

	if (len < xdiscon_skb_unread(skb))
		msg->msg_flags |= MSG_TRUNC;
	else
		len = xdiscon_skb_unread(skb);
	err = skb_copy_datagram_msg(skb, XDISCON_SKB_CB(skb)->consumed, msg,
				    len);
	if (err)
		return err;
	if (flags & MSG_TRUNC)
		len = xdiscon_skb_unread(skb);
	if (!(flags & MSG_PEEK)) {
		xdiscon_rcv_unlink(xsk, skb);
		xsk->transport->consumed(xsk);
	}
	return len;
}

/*
 * Hand back the room a stream read made (*@freed) to the transport:
 * before the read waits for more (as TCP opens its window before it
 * sleeps: what the transport holds may be what is awaited), and at its
 * end.
 */
static void xdiscon_rcv_give_back(struct xdiscon_sock *xsk, bool *freed)
{
	if (*freed)
		xsk->transport->consumed(xsk);
	*freed = false;
}

/* A stream read took @skb's bytes up to @end: true if it took them all. */
static bool xdiscon_rcv_consume(struct xdiscon_sock *xsk, struct sk_buff *skb,
				u32 end)
{
	/* SIOCINQ reads it under the queue lock only. */
	WRITE_ONCE(XDISCON_SKB_CB(skb)->consumed, end);
	if (xdiscon_skb_unread(skb))
		return false;
	xdiscon_rcv_unlink(xsk, skb);
	return true;
}

/*
 * Where a read puts the bytes: copied into @msg (recvmsg), or spliced
 * into @pipe (splice_read, with SPLICE_F_* @splice_flags).  @flags are
 * recvmsg's MSG_* flags; a splice has only MSG_DONTWAIT.
 */
struct xdiscon_reader {
	struct msghdr *msg;
	struct pipe_inode_info *pipe;
	unsigned int splice_flags;
	int flags;
};

/*
 * Give the reader @n bytes of @skb from @off: returns the bytes taken or
 * an error.  A splice takes references on the skb's pages (it copies only
 * the linear part), as TCP's and AF_UNIX's do; it may take fewer than @n
 * (a pipe filling up, a splice's page limit), 0 when it got no page to
 * copy a linear part into, and fails with -EAGAIN on a full pipe.
 */
static int xdiscon_read_actor(struct xdiscon_sock *xsk,
			      struct xdiscon_reader *rd, struct sk_buff *skb,
			      u32 off, u32 n)
{
	int err;

	if (rd->pipe)
		return skb_splice_bits(skb, &xsk->sk, off, rd->pipe, n,
				       rd->splice_flags);
	if (rd->flags & MSG_TRUNC)
		return n;
	err = skb_copy_datagram_msg(skb, off, rd->msg, n);
	return err ? err : n;
}

/*
 * A stream read.  With MSG_PEEK, @skb is the last skb peeked, kept only
 * while the socket lock is held; after a sleep the peek goes on from the
 * head of the queue, past as many bytes as it has copied.  Without
 * another reader those are the bytes it copied; with one (an application
 * bug, as TCP calls it), what the other took is not seen again and the
 * peek skips as many newer bytes.  MSG_TRUNC discards (or with MSG_PEEK,
 * skips) the bytes instead of copying them, as TCP's does.  A splice
 * goes on after a short splice and ends when the pipe is full.
 */
static int xdiscon_recv_stream(struct xdiscon_sock *xsk,
			       struct xdiscon_reader *rd, size_t len,
			       long timeo, struct wait_queue_entry *wait)
{
	struct sock *sk = &xsk->sk;
	int target = sock_rcvlowat(sk, rd->flags & MSG_WAITALL, len);
	bool peek = rd->flags & MSG_PEEK;
	struct sk_buff *skb = NULL, *next;
	struct xdiscon_rcv_pos pos;
	size_t copied = 0, skip = 0;
	bool freed = false;
	int err = 0;

	while (copied < len) {
		u32 n;

		next = xdiscon_rcv_peek(xsk, skb, skip, &pos);
		skip = 0;
		/* A pull only appends: @skb stays where it was. */
		if (!next && xdiscon_rcv_take(xsk))
			continue;
		if (!next) {
			/* Bytes in hand: an error waits for the next call. */
			if (copied >= target || (copied && READ_ONCE(sk->sk_err)))
				break;
			err = xdiscon_rcv_empty(xsk, copied ? NULL : rd->msg,
						pos.rx_end, timeo);
			if (err <= 0)
				break;
			err = 0;
			xdiscon_rcv_give_back(xsk, &freed);
			xdiscon_rcv_wait(xsk, &timeo, wait, pos.seq);
			skb = NULL;
			skip = peek ? copied : 0;
			continue;
		}
		skb = next;
		n = min_t(size_t, XDISCON_SKB_CB(skb)->end - pos.off,
			  len - copied);
		err = xdiscon_read_actor(xsk, rd, skb, pos.off, n);
		if (err < 0)
			break;
		if (!err && n) {
			err = -ENOMEM;	/* a splice got no page */
			break;
		}
		copied += err;
		if (!peek) {
			if (xdiscon_rcv_consume(xsk, skb, pos.off + err))
				freed = true;
			skb = NULL;
		}
		err = 0;
	}
	xdiscon_rcv_give_back(xsk, &freed);
	return copied ? copied : err;
}

/* The read, for recvmsg and splice_read: the bytes read or an error. */
static int xdiscon_read(struct socket *sock, struct xdiscon_reader *rd,
			size_t len)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	long timeo;
	int err;

	lock_sock(sk);
	if (sk->sk_state == XDISCON_UNCONNECTED ||
	    sk->sk_state == XDISCON_LISTEN) {
		err = -ENOTCONN;
		goto out;
	}
	/* After a reset, what was queued is gone: the next read fails. */
	if (READ_ONCE(xsk->rx_end) == XDISCON_RX_RESET)
		xdiscon_rcv_purge(xsk);
	timeo = sock_rcvtimeo(sk, rd->flags & MSG_DONTWAIT);
	atomic_inc(&xsk->rx_readers);
	add_wait_queue(sk_sleep(sk), &wait);
	if (sk->sk_type == SOCK_SEQPACKET)
		err = xdiscon_recv_seqpacket(xsk, rd->msg, len, rd->flags,
					     timeo, &wait);
	else
		err = xdiscon_recv_stream(xsk, rd, len, timeo, &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	atomic_dec(&xsk->rx_readers);
	/*
	 * Pairs with the barrier in xdiscon_rcv_handoff(): it sees us gone
	 * (and does the work) or we its bit.  What arrived while we read is
	 * parsed before we go, for the next read and for poll.
	 */
	smp_mb__after_atomic();
	xdiscon_rcv_take(xsk);
out:
	release_sock(sk);
	return err;
}

int xdiscon_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		    int flags)
{
	struct xdiscon_reader rd = { .msg = msg, .flags = flags };

	if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_TRUNC |
		      MSG_NOSIGNAL | MSG_CMSG_CLOEXEC | MSG_CMSG_COMPAT |
		      MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;
	return xdiscon_read(sock, &rd, len);
}

/*
 * splice() from a stream socket into @pipe: as a recv() of up to @len
 * bytes, which takes the pages of the received skbs into the pipe rather
 * than copying them.  It returns 0 at the peer's disconnect, whose data
 * XDISCON_PEER_DISCDATA then gives.  SPLICE_F_NONBLOCK makes it
 * non-blocking, as O_NONBLOCK does, as AF_UNIX's does; a full pipe ends
 * it, with -EAGAIN when it spliced nothing.
 */
ssize_t xdiscon_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags)
{
	struct xdiscon_reader rd = { .pipe = pipe, .splice_flags = flags };

	/* Only the stream ops have it: a record reader needs a msghdr. */
	if (WARN_ON_ONCE(sock->type != SOCK_STREAM))
		return -EINVAL;
	if ((sock->file->f_flags & O_NONBLOCK) || (flags & SPLICE_F_NONBLOCK))
		rd.flags = MSG_DONTWAIT;
	return xdiscon_read(sock, &rd, len);
}
