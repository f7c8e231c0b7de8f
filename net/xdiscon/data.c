// SPDX-License-Identifier: GPL-2.0
/*
 * The data path's sending side: sendmsg for both socket types; and the
 * helpers through which transports deliver data, the peer's disconnect and
 * resets into a socket's receive queue, and charge what they receive.
 * The reader is recv.c.
 *
 * The sender does not hold its socket lock while it waits for buffer space
 * (sock_alloc_send_pskb()), so a reader on the same socket is never stuck
 * behind a blocked writer.  Transports only append to sk_receive_queue,
 * under the queue's lock.
 */

#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "xdiscon.h"
#include "trace.h"

/*
 * Stream chunks: a linear head plus up to 32 KiB of pages, as AF_UNIX, or
 * up to the transport's max_chunk, in pages of up to 32 KiB.
 */
#define XDISCON_FRAGS_SZ (PAGE_SIZE << get_order(32768))

static size_t xdiscon_max_chunk(const struct xdiscon_transport *t)
{
	if (t && t->max_chunk)
		return t->max_chunk;
	return SKB_MAX_HEAD(0) + XDISCON_FRAGS_SZ;
}

static struct sk_buff *xdiscon_alloc_data(struct sock *sk, size_t size,
					  int noblock, int *err)
{
	size_t data_len = 0;
	struct sk_buff *skb;

	if (size > SKB_MAX_HEAD(0))
		data_len = min_t(size_t, size,
				 PAGE_ALIGN(size - SKB_MAX_HEAD(0)));
	skb = sock_alloc_send_pskb(sk, size - data_len, data_len, noblock, err,
				   get_order(XDISCON_FRAGS_SZ));
	if (!skb)
		return NULL;
	skb_put(skb, size - data_len);
	skb->data_len = data_len;
	skb->len = size;
	XDISCON_SKB_CB(skb)->consumed = 0;
	XDISCON_SKB_CB(skb)->end = size;
	return skb;
}

/* Why a connected socket cannot send, or 0.  Under lock_sock(). */
static int xdiscon_send_error(struct xdiscon_sock *xsk)
{
	struct sock *sk = &xsk->sk;

	if (sk->sk_err)
		return sock_error(sk);
	if (sk->sk_state != XDISCON_CONNECTED)
		return sk->sk_state == XDISCON_CLOSED ? -EPIPE : -ENOTCONN;
	if ((sk->sk_shutdown & SEND_SHUTDOWN) ||
	    READ_ONCE(xsk->rx_end) == XDISCON_RX_RESET)
		return -EPIPE;
	return 0;
}

/* Wake everyone, with no poll key: epoll sees EPOLLRDHUP/EPOLLHUP too. */
static void xdiscon_rcv_wake(struct sock *sk, int band)
{
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_WAITD, band);
}

/* Hand @skb to the transport, consuming it. */
static int xdiscon_xmit(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	struct sock *sk = &xsk->sk;
	int err;

	lock_sock(sk);
	err = xdiscon_send_error(xsk);
	if (!err)
		err = xsk->transport->xmit(xsk, skb);
	else
		kfree_skb(skb);
	release_sock(sk);
	return err;
}

/*
 * Send the disconnect: the sending direction is shut down and the peer
 * gets @data (NULL: none) after everything sent before.  Under lock_sock().
 * Always consumes @data.
 */
int xdiscon_send_disconnect(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	struct sock *sk = &xsk->sk;
	int err;

	err = xdiscon_send_error(xsk);
	if (!err && !data) {
		data = xdiscon_discdata_alloc(sk, KERNEL_SOCKPTR(NULL), 0);
		if (IS_ERR(data)) {
			err = PTR_ERR(data);
			data = NULL;
		}
	}
	if (err) {
		kfree_skb(data);
		return err;
	}
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	trace_xdiscon_disconnect_send(xsk, data->len);
	xsk->transport->send_disconnect(xsk, data);
	sk->sk_state_change(sk);
	return 0;
}

/* The disconnect with what XDISCON_DISCDATA set (which stays set). */
int xdiscon_send_set_disconnect(struct xdiscon_sock *xsk)
{
	return xdiscon_send_disconnect(xsk, xsk->discdata ?
				       skb_get(xsk->discdata) : NULL);
}

/*
 * The next skb of a send, with up to *@size bytes of @msg; *@size becomes
 * what it took.  A stream socket's sendfile() and splice()
 * (MSG_SPLICE_PAGES, 6.5 on) lend it the pages themselves, a reference
 * each, charged to the sender by the bytes they hold: as with TCP, the
 * peer gets what the pages hold when the bytes leave the sender.
 */
static struct sk_buff *xdiscon_data_skb(struct sock *sk, struct msghdr *msg,
					size_t *size, int noblock, int *err)
{
	struct sk_buff *skb;
	ssize_t n;

	if (!(msg->msg_flags & XDISCON_MSG_SPLICE_PAGES) ||
	    sk->sk_type == SOCK_SEQPACKET) {
		skb = xdiscon_alloc_data(sk, *size, noblock, err);
		if (!skb)
			return NULL;
		*err = skb_copy_datagram_from_iter(skb, 0, &msg->msg_iter,
						   *size);
		if (!*err)
			return skb;
		kfree_skb(skb);
		return NULL;
	}
	skb = xdiscon_alloc_data(sk, 0, noblock, err);
	if (!skb)
		return NULL;
	/* No checksum to keep: without this the splice would sum every byte. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	n = xdiscon_skb_splice_from_iter(skb, &msg->msg_iter, *size,
					 sk->sk_allocation);
	if (n <= 0) {
		*err = n ? n : -EFAULT;
		kfree_skb(skb);
		return NULL;
	}
	/* The skb's truesize grew by @n: its destructor gives back that. */
	refcount_add(n, &sk->sk_wmem_alloc);
	XDISCON_SKB_CB(skb)->end = n;
	*size = n;
	return skb;
}

static int xdiscon_send_data(struct xdiscon_sock *xsk, struct msghdr *msg,
			     size_t len)
{
	struct sock *sk = &xsk->sk;
	int noblock = msg->msg_flags & MSG_DONTWAIT;
	bool seqpacket = sk->sk_type == SOCK_SEQPACKET;
	const struct xdiscon_transport *t;
	struct sk_buff *skb;
	size_t sent = 0;
	int err = 0;

	/* The transport is set once, at bind or connect. */
	t = READ_ONCE(xsk->transport);
	if (seqpacket && (len > READ_ONCE(sk->sk_sndbuf) - 32 ||
			  (t && t->max_record && len > t->max_record)))
		return -EMSGSIZE;

	do {
		size_t size = len - sent;

		if (!seqpacket) {
			size = min_t(size_t, size,
				     (READ_ONCE(sk->sk_sndbuf) >> 1) - 64);
			size = min_t(size_t, size, xdiscon_max_chunk(t));
		}
		skb = xdiscon_data_skb(sk, msg, &size, noblock, &err);
		if (!skb)
			break;
		err = xdiscon_xmit(xsk, skb);
		if (err)
			break;
		sent += size;
	} while (sent < len);

	return sent ? sent : err;
}

/*
 * XDISCON_CMSG_ABORT: reset the connection, the peer getting @data
 * (consumed) first.  This socket then ends as after the peer's reset,
 * with no error to report: sends fail with EPIPE, reads take what is
 * queued and then end.  Under lock_sock().
 */
static int xdiscon_send_abort(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	struct sock *sk = &xsk->sk;
	int err;

	err = xdiscon_send_error(xsk);
	if (!err)
		err = xsk->transport->abort(xsk, data);
	else
		kfree_skb(data);
	if (err)
		return err;
	trace_xdiscon_reset(xsk, XDISCON_RESET_ABORT);
	spin_lock_bh(&sk->sk_receive_queue.lock);
	WRITE_ONCE(xsk->rx_end, XDISCON_RX_RESET);
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	xdiscon_rcv_wake(sk, POLL_HUP);
	return 0;
}

int xdiscon_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	struct sk_buff *disc = NULL;
	bool abort = false;
	int err, sent = 0;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	err = xdiscon_cmsg_disconnect(sk, msg, &disc, &abort);
	if (err)
		return err;
	/* An abort drops what is queued: it carries no data of its own. */
	if (abort && (len || msg->msg_namelen)) {
		err = -EINVAL;
		goto out;
	}
	if (abort) {
		lock_sock(sk);
		err = xdiscon_send_abort(xsk, disc);
		release_sock(sk);
		disc = NULL;
		goto out;
	}

	/* Connected sockets take no address; others cannot send. */
	if (msg->msg_namelen) {
		err = READ_ONCE(sk->sk_state) == XDISCON_CONNECTED ? -EISCONN :
								     -ENOTCONN;
		goto out;
	}

	/* Each xmit checks the socket's state under its lock. */
	if (len || (sk->sk_type == SOCK_SEQPACKET && !disc)) {
		sent = xdiscon_send_data(xsk, msg, len);
		if (sent < 0) {
			err = sent;
			sent = 0;
			goto out;
		}
		if (sent < len)
			goto out;	/* partial: the disconnect is not sent */
	}
	if (disc || !len) {
		/* The disconnect; or, with nothing sent, why not. */
		lock_sock(sk);
		err = disc ? xdiscon_send_disconnect(xsk, disc) :
			     xdiscon_send_error(xsk);
		release_sock(sk);
		disc = NULL;
	}
out:
	kfree_skb(disc);
	if (err == -EPIPE && !sent && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return sent ? sent : err;
}

/*
 * Delivery, called by transports without the receiver's socket lock.
 * Room for an skb of @truesize: the receive queue stays within @limit
 * (the transport's reading of SO_RCVBUF), but an empty queue always
 * takes one skb, so a record larger than the buffer still passes.
 */
bool xdiscon_rcv_room(struct xdiscon_sock *xsk, unsigned int truesize,
		      unsigned int limit)
{
	unsigned int queued = READ_ONCE(xsk->rx_bytes);

	return !queued || queued + truesize <= limit;
}

/*
 * Receive memory of a transport whose skbs come from outside the family
 * (inet).  Each skb is charged from the moment the transport takes it
 * until it is freed, in TCP's pool, under TCP's limits and pressure state
 * (net.ipv4.tcp_mem; tcp_rmem[0] the minimum under pressure), and to the
 * receiving socket's memory cgroup: the bytes arrived as TCP's, and TCP's
 * own charge ends when the transport takes them.  They show in
 * /proc/net/sockstat's TCP "mem" and in the cgroup's memory.stat "sock".
 *
 * The charge goes to a sock of its own, xsk->rmem (xdiscon_rmem_proto),
 * which has no struct socket: nothing a user does through SOL_SOCKET
 * options (SO_RESERVE_MEM) reaches its sk_forward_alloc, which its own
 * sk_receive_queue.lock guards, as the charge comes from the transport's
 * softirq and the uncharge from whoever frees the skb (who must not hold
 * that lock).  The local transport charges nothing here: its skbs stay
 * charged to their sender (sk_wmem_alloc), as AF_UNIX's do.
 */
static struct proto xdiscon_rmem_proto = {
	.name			= "XDISCON-RMEM",
	.owner			= THIS_MODULE,
	.obj_size		= sizeof(struct sock),
};

/*
 * Module init: TCP's pool, limits and pressure state, through tcp_prot.
 * Its socket count too, for the share each socket may take under
 * pressure: each sock here goes with a TCP socket that TCP counts.
 */
void xdiscon_rcv_charge_setup(void)
{
	struct proto *p = &xdiscon_rmem_proto;

	p->memory_allocated = tcp_prot.memory_allocated;
	p->per_cpu_fw_alloc = tcp_prot.per_cpu_fw_alloc;
	p->memory_pressure = tcp_prot.memory_pressure;
	p->enter_memory_pressure = tcp_prot.enter_memory_pressure;
	p->leave_memory_pressure = tcp_prot.leave_memory_pressure;
	p->sysctl_mem = tcp_prot.sysctl_mem;
	p->sysctl_rmem_offset = tcp_prot.sysctl_rmem_offset;
	p->sysctl_wmem_offset = tcp_prot.sysctl_wmem_offset;
	p->sockets_allocated = tcp_prot.sockets_allocated;
}

/*
 * Give @xsk the sock its received memory is charged to, charged where
 * @xsk's own memory is (its memory cgroup).  Before the transport can
 * charge anything; process context, under lock_sock() or before @xsk is
 * published.
 */
int xdiscon_rcv_charge_init(struct xdiscon_sock *xsk)
{
	struct sock *sk = &xsk->sk, *rmem;

	if (xsk->rmem)
		return 0;
	rmem = sk_alloc(sock_net(sk), sk->sk_family, GFP_KERNEL,
			&xdiscon_rmem_proto, 1);
	if (!rmem)
		return -ENOMEM;
	skb_queue_head_init(&rmem->sk_receive_queue);
	xdiscon_sk_memcg_inherit(rmem, sk);
	xsk->rmem = rmem;
	return 0;
}

/* At destruction, every skb charged to @xsk freed.  Process context. */
void xdiscon_rcv_charge_exit(struct xdiscon_sock *xsk)
{
	struct sock *rmem = xsk->rmem;

	if (!rmem)
		return;
	WARN_ON_ONCE(atomic_read(&rmem->sk_rmem_alloc) ||
		     rmem->sk_forward_alloc);
	sk_free(rmem);
}

/* The destructor of a charged skb.  Process, workqueue or softirq. */
static void xdiscon_rfree(struct sk_buff *skb)
{
	struct sock *rmem = skb->sk;
	unsigned int len = skb->truesize;

	spin_lock_bh(&rmem->sk_receive_queue.lock);
	atomic_sub(len, &rmem->sk_rmem_alloc);
	sk_mem_uncharge(rmem, len);
	sk_mem_reclaim(rmem);
	spin_unlock_bh(&rmem->sk_receive_queue.lock);
}

/*
 * Charge @skb to @xsk (which has its xdiscon_rcv_charge_init()), or
 * return false when TCP's memory limit or the socket's memory cgroup has
 * no room for it: the transport then stops taking data from its peer
 * until there is.  A socket holding nothing takes one skb past the
 * cgroup's limit (as TCP grants each socket tcp_rmem[0] under pressure):
 * a reader waiting on one connection is not starved by the others that
 * filled the cgroup.  A frame is charged at its skb's truesize, which
 * for the clones the inet transport takes from TCP is the whole TCP
 * buffer each holds, as the receive limit counts it: conservative, and
 * bounded per socket by that limit.  Any context.
 */
bool xdiscon_rcv_charge(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	struct sock *rmem = xsk->rmem;
	bool ok;

	spin_lock_bh(&rmem->sk_receive_queue.lock);
	ok = (!atomic_read(&rmem->sk_rmem_alloc) ||
	      !xdiscon_memcg_full(rmem, skb->truesize)) &&
	     sk_rmem_schedule(rmem, skb, skb->truesize);
	if (ok) {
		skb_orphan(skb);
		skb->sk = rmem;
		skb->destructor = xdiscon_rfree;
		atomic_add(skb->truesize, &rmem->sk_rmem_alloc);
		sk_mem_charge(rmem, skb->truesize);
	}
	spin_unlock_bh(&rmem->sk_receive_queue.lock);
	return ok;
}

/* Queue @skb for the reader; dropped once the receive side is shut. */
void xdiscon_rcv_skb(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	struct sock *sk = &xsk->sk;
	struct sk_buff_head *q = &sk->sk_receive_queue;
	bool queued;

	spin_lock_bh(&q->lock);
	queued = !(sk->sk_shutdown & RCV_SHUTDOWN) &&
		 xsk->rx_end == XDISCON_RX_OPEN;
	if (queued) {
		__skb_queue_tail(q, skb);
		WRITE_ONCE(xsk->rx_bytes, xsk->rx_bytes + skb->truesize);
		WRITE_ONCE(xsk->rx_seq, xsk->rx_seq + 1);
	}
	spin_unlock_bh(&q->lock);
	if (queued)
		sk->sk_data_ready(sk);
	else
		kfree_skb(skb);
}

/* The peer's disconnect, with its data (consumed), after all its data. */
void xdiscon_rcv_disconnect(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	struct sock *sk = &xsk->sk;
	unsigned int len = data->len;	/* a close may free it once queued */
	bool first;

	spin_lock_bh(&sk->sk_receive_queue.lock);
	first = xsk->rx_end == XDISCON_RX_OPEN;
	if (first) {
		xsk->peer_disc = data;
		/* Readers that see the disconnect see its data. */
		smp_store_release(&xsk->rx_end, XDISCON_RX_DISCONNECT);
	}
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	if (!first) {
		kfree_skb(data);
		return;
	}
	trace_xdiscon_disconnect_recv(xsk, len);
	xdiscon_rcv_wake(sk, (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN) ?
			 POLL_HUP : POLL_IN);
}

static void __xdiscon_rcv_reset(struct xdiscon_sock *xsk, int err,
				struct sk_buff *data)
{
	struct sock *sk = &xsk->sk;
	bool first;

	spin_lock_bh(&sk->sk_receive_queue.lock);
	first = xsk->rx_end != XDISCON_RX_RESET;
	if (first) {
		if (data) {
			xsk->peer_abort = data;
			data = NULL;
		}
		WRITE_ONCE(sk->sk_err, -err);
		/* Readers that see the reset see the abort's data. */
		smp_store_release(&xsk->rx_end, XDISCON_RX_RESET);
	}
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	kfree_skb(data);
	if (!first)
		return;
	trace_xdiscon_reset(xsk, err == -ECONNRESET ? XDISCON_RESET_PEER :
			    XDISCON_RESET_FAILED);
	sk_error_report(sk);
	xdiscon_rcv_wake(sk, POLL_HUP);
}

/*
 * The connection was reset (@err -ECONNRESET), or its transport lost it
 * with no word from the peer (@err the transport's error, as TCP reports
 * it: -ETIMEDOUT, -EHOSTUNREACH...): the next recv or send fails with
 * -@err, the later ones as after a reset.
 */
void xdiscon_rcv_reset(struct xdiscon_sock *xsk, int err)
{
	__xdiscon_rcv_reset(xsk, err, NULL);
}

/*
 * The peer aborted with @data (XDISCON_CMSG_ABORT; consumed): a reset
 * (ECONNRESET) whose data XDISCON_PEER_ABORTDATA returns.  Dropped when
 * the connection was reset already.
 */
void xdiscon_rcv_abort(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	__xdiscon_rcv_reset(xsk, -ECONNRESET, data);
}
