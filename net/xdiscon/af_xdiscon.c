// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON: family registration and the socket API entry points that
 * manage connections (bind, connect, shutdown, release, poll).  Listening
 * and the accept queue are in accept.c, sending and delivery in data.c,
 * the reader in recv.c, disconnect data in discdata.c, the transports in
 * their own files.
 * Lock order and refcounts: xdiscon.h.
 *
 * The family number is a module parameter: Linux refuses numbers at or
 * above AF_MAX, so xdiscon reuses a slot that mainline never registers
 * (see include/uapi/linux/xdiscon.h).  If another module holds the slot,
 * loading fails and says which parameter chooses another.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/termios.h>
#include <net/ip.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "xdiscon.h"

#include "trace.h"

static int family = AF_XDISCON_DEFAULT;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "socket family number to register (default "
		 __stringify(AF_XDISCON_DEFAULT) ", below AF_MAX)");

int xdiscon_family(void)
{
	return family;
}
EXPORT_SYMBOL_IF_KUNIT(xdiscon_family);

static struct proto xdiscon_proto = {
	.name		= "XDISCON",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xdiscon_sock),
	.keepalive	= xdiscon_proto_keepalive,
};

static const struct proto_ops xdiscon_stream_ops;
static const struct proto_ops xdiscon_seqpacket_ops;

static const struct xdiscon_transport *xdiscon_transport_get(u16 id)
{
	unsigned int i;

	for (i = 0; i < xdiscon_ntransports; i++)
		if (xdiscon_transports[i]->id == id)
			return xdiscon_transports[i];
	return NULL;
}

/*
 * Free what a socket holds that is charged to sockets (its own or its
 * peer's): the receive queue, its disconnect data, the peer's and the
 * peer's abort's.  Done at
 * close, not only at destruction: two sockets holding each other's skbs
 * would otherwise each wait for the other's sk_wmem_alloc to drain.
 */
static void xdiscon_sk_purge(struct xdiscon_sock *xsk)
{
	struct sk_buff_head *q = &xsk->sk.sk_receive_queue;
	struct sk_buff *peer_disc, *peer_abort, *discdata;

	xdiscon_rcv_purge(xsk);
	spin_lock_bh(&q->lock);
	peer_disc = xsk->peer_disc;
	xsk->peer_disc = NULL;
	peer_abort = xsk->peer_abort;
	xsk->peer_abort = NULL;
	discdata = xsk->discdata;
	xsk->discdata = NULL;
	WRITE_ONCE(xsk->discdata_len, 0);
	spin_unlock_bh(&q->lock);
	kfree_skb(peer_disc);
	kfree_skb(peer_abort);
	kfree_skb(discdata);
}

static void xdiscon_sk_destruct(struct sock *sk)
{
	struct xdiscon_sock *xsk = xdiscon_sk(sk);

	/* A listener empties its pending list when it closes. */
	WARN_ON_ONCE(!list_empty(&xsk->pending));
	xdiscon_proc_del(xsk);
	sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	xdiscon_sk_purge(xsk);
	if (xsk->conn)
		xsk->transport->destruct(xsk);
	xdiscon_rcv_charge_exit(xsk);
}

struct sock *xdiscon_sk_alloc(struct net *net, int type, int kern)
{
	struct xdiscon_sock *xsk;
	struct sock *sk;

	sk = sk_alloc(net, family, GFP_KERNEL, &xdiscon_proto, kern);
	if (!sk)
		return NULL;

	sock_init_data(NULL, sk);
	sk->sk_type = type;
	sk->sk_state = XDISCON_UNCONNECTED;
	xsk = xdiscon_sk(sk);
	init_waitqueue_head(&xsk->backlog_wait);
	INIT_LIST_HEAD(&xsk->accept_q);
	INIT_LIST_HEAD(&xsk->accept_node);
	INIT_LIST_HEAD(&xsk->pending);
	INIT_LIST_HEAD(&xsk->pending_node);
	spin_lock_init(&xsk->pending_lock);
	xsk->rx_end = XDISCON_RX_OPEN;
	if (xdiscon_proc_add(xsk)) {
		sk_free(sk);
		return NULL;
	}
	sk->sk_destruct = xdiscon_sk_destruct;
	sock_prot_inuse_add(net, sk->sk_prot, 1);
	return sk;
}

/*
 * A new connection's socket for @listener's queue.  Like TCP's accepted
 * sockets, it starts with the listener's buffer sizes (and their locks,
 * so a size the user set stays set) and keepalive settings, and its
 * memory is charged to the listener's memory cgroup: it may be allocated
 * in a kworker.
 */
struct sock *xdiscon_sk_alloc_child(struct xdiscon_sock *listener)
{
	struct sock *lsk = &listener->sk;
	struct sock *sk = xdiscon_sk_alloc(sock_net(lsk), lsk->sk_type, 0);

	if (!sk)
		return NULL;
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(lsk->sk_sndbuf));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(lsk->sk_rcvbuf));
	/* A bit-field on 6.1: no READ_ONCE(); a stale copy is as good. */
	sk->sk_userlocks = lsk->sk_userlocks & SOCK_BUF_LOCK_MASK;
	xdiscon_keepalive_inherit(xdiscon_sk(sk), listener);
	xdiscon_sk_memcg_inherit(sk, lsk);
	return sk;
}

/* What SO_PEERCRED (and SO_PEERPIDFD) of @sk answer; references taken. */
static void xdiscon_peercred_set(struct sock *sk, struct pid *pid,
				 const struct cred *cred)
{
	const struct cred *old_cred;
	struct pid *old_pid;

	spin_lock(&sk->sk_peer_lock);
	old_pid = sk->sk_peer_pid;
	old_cred = sk->sk_peer_cred;
	sk->sk_peer_pid = get_pid(pid);
	sk->sk_peer_cred = get_cred(cred);
	spin_unlock(&sk->sk_peer_lock);
	put_pid(old_pid);
	put_cred(old_cred);
}

/* @sk's peer is the calling process (its thread group), as AF_UNIX's. */
void xdiscon_peercred_current(struct sock *sk)
{
	xdiscon_peercred_set(sk, task_tgid(current), current_cred());
}

/* @sk's peer credentials are those @from holds (a listener's own). */
void xdiscon_peercred_copy(struct sock *sk, struct sock *from)
{
	const struct cred *cred;
	struct pid *pid;

	spin_lock(&from->sk_peer_lock);
	pid = get_pid(from->sk_peer_pid);
	cred = get_cred(from->sk_peer_cred);
	spin_unlock(&from->sk_peer_lock);
	xdiscon_peercred_set(sk, pid, cred);
	put_pid(pid);
	put_cred(cred);
}

static int xdiscon_check_addr(const struct xdiscon_sockaddr *uaddr, int len)
{
	const struct sockaddr_xdiscon *addr = (const void *)uaddr;

	if (len < (int)sizeof(*addr))
		return -EINVAL;
	if (addr->sxd_family != family)
		return -EAFNOSUPPORT;
	if (addr->sxd_flags)
		return -EINVAL;
	if (!xdiscon_transport_get(addr->sxd_transport))
		return -EAFNOSUPPORT;
	return 0;
}

static int xdiscon_bind_locked(struct xdiscon_sock *xsk,
			       const struct sockaddr_xdiscon *addr)
{
	const struct xdiscon_transport *t;
	struct sockaddr_xdiscon a = *addr;
	struct net *net = sock_net(&xsk->sk);
	u16 port = be16_to_cpu(a.sxd_port);
	int err;

	if (xsk->bound || xsk->sk.sk_state != XDISCON_UNCONNECTED)
		return -EINVAL;
	/* Both transports' ports follow the rule of TCP's, per namespace. */
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;
	/* A bind that fails leaves the socket as it was. */
	t = xdiscon_transport_get(a.sxd_transport);
	err = t->bind(xsk, &a);
	if (err)
		return err;
	WRITE_ONCE(xsk->transport, t);
	xdiscon_set_addr(&xsk->local, &a);
	xsk->bound = true;
	return 0;
}

static int xdiscon_bind(struct socket *sock, struct xdiscon_sockaddr *uaddr,
			int len)
{
	struct sock *sk = sock->sk;
	int err;

	err = xdiscon_check_addr(uaddr, len);
	if (err)
		return err;
	lock_sock(sk);
	err = xdiscon_bind_locked(xdiscon_sk(sk), (void *)uaddr);
	release_sock(sk);
	return err;
}

/*
 * The transport finished an asynchronous connect (-EINPROGRESS from its
 * ->connect): @err 0 connects the socket, anything else fails it for
 * good, reported through SO_ERROR as TCP does.  Under lock_sock().
 */
void xdiscon_connect_done(struct xdiscon_sock *xsk, int err)
{
	struct sock *sk = &xsk->sk;

	if (sk->sk_state != XDISCON_CONNECTING)
		return;
	if (err) {
		WRITE_ONCE(sk->sk_err, -err);
		WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
		xdiscon_set_state(xsk, XDISCON_CLOSED);
		if (sk->sk_socket)
			sk->sk_socket->state = SS_UNCONNECTED;
		sk_error_report(sk);
	} else {
		xdiscon_set_state(xsk, XDISCON_CONNECTED);
		if (sk->sk_socket)
			sk->sk_socket->state = SS_CONNECTED;
	}
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
}

static bool xdiscon_connect_settled(struct sock *sk)
{
	return READ_ONCE(sk->sk_state) != XDISCON_CONNECTING;
}

/*
 * Wait for an asynchronous connect, as TCP does: 0 once connected, the
 * error if it failed, -EINPROGRESS when @timeo ran out (it goes on in the
 * background), -EINTR/-ERESTARTSYS on a signal.  Under lock_sock().
 */
static int xdiscon_connect_wait(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (sk->sk_state == XDISCON_CONNECTING) {
		if (!timeo) {
			err = -EINPROGRESS;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		sk_wait_event(sk, &timeo, xdiscon_connect_settled(sk), &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	if (err || sk->sk_state == XDISCON_CONNECTED)
		return err;
	return sock_error(sk) ? : -ECONNREFUSED;
}

/*
 * Bind an unbound socket to an ephemeral port of @addr's transport
 * before it connects; a bound one must connect on its own transport.
 */
static int xdiscon_connect_bind(struct xdiscon_sock *xsk,
				const struct sockaddr_xdiscon *addr)
{
	struct sockaddr_xdiscon any = {
		.sxd_family = family,
		.sxd_transport = addr->sxd_transport,
	};

	if (xsk->bound)
		return addr->sxd_transport == xsk->transport->id ? 0 : -EINVAL;
	return xdiscon_bind_locked(xsk, &any);
}

/* Under lock_sock(), in XDISCON_UNCONNECTED. */
static int xdiscon_connect_locked(struct socket *sock,
				  const struct sockaddr_xdiscon *addr,
				  int flags)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	struct sockaddr_xdiscon local;
	long timeo;
	int err;

	err = xdiscon_connect_bind(xsk, addr);
	if (err)
		return err;
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	local = xsk->local;
	err = xsk->transport->connect(xsk, addr, &timeo, &local);
	if (!err || err == -EINPROGRESS)
		xdiscon_set_addr(&xsk->local, &local);
	if (err == -EINPROGRESS) {
		xdiscon_set_addr(&xsk->remote, addr);
		sock->state = SS_CONNECTING;
		xdiscon_set_state(xsk, XDISCON_CONNECTING);
		return xdiscon_connect_wait(sk, timeo);
	}
	if (err)
		return err;
	xdiscon_set_addr(&xsk->remote, addr);
	sock->state = SS_CONNECTED;
	xdiscon_set_state(xsk, XDISCON_CONNECTED);
	sk->sk_state_change(sk);
	/*
	 * TCP's contract for a non-blocking connect: EINPROGRESS, then
	 * EPOLLOUT and SO_ERROR.  Applications written to it work unchanged
	 * even though the local transport has already completed.
	 */
	return flags & O_NONBLOCK ? -EINPROGRESS : 0;
}

static int xdiscon_connect(struct socket *sock,
			   struct xdiscon_sockaddr *uaddr, int len, int flags)
{
	struct sock *sk = sock->sk;
	int err;

	err = xdiscon_check_addr(uaddr, len);
	if (err)
		return err;

	lock_sock(sk);
	switch (sk->sk_state) {
	case XDISCON_UNCONNECTED:
		err = xdiscon_connect_locked(sock, (const void *)uaddr, flags);
		break;
	case XDISCON_CONNECTING:
		err = flags & O_NONBLOCK ? -EALREADY :
		      xdiscon_connect_wait(sk, sock_sndtimeo(sk, 0));
		break;
	case XDISCON_CONNECTED:
		err = -EISCONN;
		break;
	default:
		err = -EINVAL;
		break;
	}
	release_sock(sk);
	return err;
}

static int xdiscon_getname(struct socket *sock, struct sockaddr *uaddr,
			   int peer)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	int err = sizeof(struct sockaddr_xdiscon);

	lock_sock(sk);
	if (peer && sk->sk_state != XDISCON_CONNECTED &&
	    !(sk->sk_state == XDISCON_CLOSED && xsk->remote.sxd_family))
		err = -ENOTCONN;
	else if (peer)
		memcpy(uaddr, &xsk->remote, sizeof(xsk->remote));
	else if (xsk->local.sxd_family)	/* bound, or accepted */
		memcpy(uaddr, &xsk->local, sizeof(xsk->local));
	else
		*(struct sockaddr_xdiscon *)uaddr = (struct sockaddr_xdiscon) {
			.sxd_family = family,
		};
	release_sock(sk);
	return err;
}

static __poll_t xdiscon_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	u8 shutdown, rx_end, state;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	state = READ_ONCE(sk->sk_state);
	if (state == XDISCON_LISTEN)
		return list_empty_careful(&xsk->accept_q) ? 0 :
		       EPOLLIN | EPOLLRDNORM;

	shutdown = READ_ONCE(sk->sk_shutdown);
	rx_end = READ_ONCE(xsk->rx_end);
	if (READ_ONCE(sk->sk_err))
		mask |= EPOLLERR;
	if (rx_end == XDISCON_RX_RESET)
		mask |= EPOLLERR | EPOLLHUP;
	if (rx_end != XDISCON_RX_OPEN || (shutdown & RCV_SHUTDOWN))
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (rx_end != XDISCON_RX_OPEN && (shutdown & SEND_SHUTDOWN))
		mask |= EPOLLHUP;
	if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (state == XDISCON_CONNECTED && !(shutdown & SEND_SHUTDOWN) &&
	    rx_end != XDISCON_RX_RESET && sock_writeable(sk))
		mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	else if (state == XDISCON_CONNECTED || state == XDISCON_CLOSED)
		sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	if (state == XDISCON_CLOSED && (shutdown & SEND_SHUTDOWN))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int xdiscon_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	int err = 0;

	/* SHUT_RD (0), SHUT_WR (1), SHUT_RDWR (2) become bits 1, 2, 3. */
	how++;
	if (how & ~SHUTDOWN_MASK || !how)
		return -EINVAL;

	lock_sock(sk);
	/* As TCP: nothing to shut down once reset. */
	if ((sk->sk_state != XDISCON_CONNECTED &&
	     sk->sk_state != XDISCON_CLOSED) ||
	    READ_ONCE(xsk->rx_end) == XDISCON_RX_RESET) {
		err = -ENOTCONN;
		goto out;
	}
	if (how & RCV_SHUTDOWN) {
		/* Under the queue lock: delivery checks it there. */
		spin_lock_bh(&sk->sk_receive_queue.lock);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		xdiscon_rcv_purge(xsk);
		if (sk->sk_state == XDISCON_CONNECTED)
			xsk->transport->consumed(xsk);
	}
	if ((how & SEND_SHUTDOWN) && !(sk->sk_shutdown & SEND_SHUTDOWN))
		err = xdiscon_send_set_disconnect(xsk);
	sk->sk_state_change(sk);
out:
	release_sock(sk);
	return err;
}

static bool xdiscon_linger_done(struct xdiscon_sock *xsk)
{
	return xsk->transport->tx_done(xsk);
}

/* The peer, or the transport, reset the connection already. */
static bool xdiscon_reset_seen(const struct xdiscon_sock *xsk)
{
	return READ_ONCE(xsk->rx_end) == XDISCON_RX_RESET;
}

/* Reset the connection from this side, for @cause.  Under lock_sock(). */
static void xdiscon_abort(struct xdiscon_sock *xsk, int cause)
{
	if (!xdiscon_reset_seen(xsk))
		trace_xdiscon_reset(xsk, cause);
	xsk->transport->abort(xsk, NULL);
}

/*
 * Winsock's closesocket() semantics on Linux terms:
 * - SO_LINGER off: the disconnect (with XDISCON_DISCDATA) is sent and
 *   the transport delivers what is queued in the background;
 * - SO_LINGER {1, 0}: abortive, the peer sees ECONNRESET;
 * - SO_LINGER {1, t}: wait until the peer's transport has taken all data
 *   and the disconnect, at most t; if that fails, abort.  (Linux TCP
 *   only stops waiting; Winsock aborts, and so does xdiscon.)
 */
static void xdiscon_close_conn(struct xdiscon_sock *xsk)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = &xsk->sk;
	long timeo;

	if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime) {
		xdiscon_abort(xsk, XDISCON_RESET_ABORT);
		return;
	}
	if (!(sk->sk_shutdown & SEND_SHUTDOWN))
		xdiscon_send_set_disconnect(xsk);
	if (!sock_flag(sk, SOCK_LINGER) || (current->flags & PF_EXITING))
		return;

	timeo = sk->sk_lingertime;
	add_wait_queue(sk_sleep(sk), &wait);
	while (!xdiscon_linger_done(xsk) && timeo && !signal_pending(current))
		sk_wait_event(sk, &timeo, xdiscon_linger_done(xsk), &wait);
	remove_wait_queue(sk_sleep(sk), &wait);
	if (xdiscon_reset_seen(xsk)) {
		trace_xdiscon_linger(xsk, XDISCON_LINGER_RESET);
	} else if (xdiscon_linger_done(xsk)) {
		trace_xdiscon_linger(xsk, XDISCON_LINGER_DELIVERED);
	} else {
		trace_xdiscon_linger(xsk, timeo ? XDISCON_LINGER_INTERRUPTED :
						  XDISCON_LINGER_TIMEOUT);
		xdiscon_abort(xsk, XDISCON_RESET_LINGER);
	}
}

/* Connections never accepted are reset: their peers see ECONNRESET. */
static void xdiscon_flush_accept_queue(struct xdiscon_sock *xsk)
{
	struct xdiscon_sock *child;

	while ((child = xdiscon_dequeue_child(xsk))) {
		lock_sock_nested(&child->sk, SINGLE_DEPTH_NESTING);
		xdiscon_abort(child, XDISCON_RESET_UNACCEPTED);
		child->transport->release(child);
		xdiscon_set_state(child, XDISCON_CLOSED);
		xdiscon_sk_purge(child);
		release_sock(&child->sk);
		sock_put(&child->sk);
	}
}

static int xdiscon_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk;

	if (!sk)
		return 0;
	xsk = xdiscon_sk(sk);

	lock_sock(sk);
	switch (sk->sk_state) {
	case XDISCON_LISTEN:
		spin_lock_bh(&sk->sk_receive_queue.lock);
		xdiscon_set_state(xsk, XDISCON_CLOSED);
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		wake_up_interruptible_all(&xsk->backlog_wait);
		xsk->transport->unbind(xsk);
		xsk->bound = false;
		xdiscon_flush_accept_queue(xsk);
		break;
	case XDISCON_CONNECTED:
		xdiscon_close_conn(xsk);
		fallthrough;
	case XDISCON_CLOSED:
		if (xsk->transport)
			xsk->transport->release(xsk);
		fallthrough;
	default:
		if (xsk->bound)
			xsk->transport->unbind(xsk);
		xsk->bound = false;
		xdiscon_set_state(xsk, XDISCON_CLOSED);
		break;
	case XDISCON_CONNECTING:
		/* Like TCP: an unfinished connect is abandoned with a reset. */
		xdiscon_abort(xsk, XDISCON_RESET_CONNECTING);
		xsk->transport->release(xsk);
		xsk->transport->unbind(xsk);
		xsk->bound = false;
		xdiscon_set_state(xsk, XDISCON_CLOSED);
	}
	sock_orphan(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	xdiscon_sk_purge(xsk);
	release_sock(sk);

	sock->sk = NULL;
	sock_put(sk);
	return 0;
}

static int xdiscon_ioctl(struct socket *sock, unsigned int cmd,
			 unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	int amount;

	switch (cmd) {
	case SIOCOUTQ:
		lock_sock(sk);
		amount = sk->sk_state == XDISCON_CONNECTED ?
			 xsk->transport->tx_queued(xsk) : 0;
		release_sock(sk);
		return put_user(amount, (int __user *)arg);
	case SIOCINQ:
		spin_lock_bh(&sk->sk_receive_queue.lock);
		amount = 0;
		if (sk->sk_type == SOCK_SEQPACKET) {
			struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);

			amount = skb ? xdiscon_skb_unread(skb) : 0;
		} else {
			struct sk_buff *skb;

			skb_queue_walk(&sk->sk_receive_queue, skb)
				amount += xdiscon_skb_unread(skb);
		}
		spin_unlock_bh(&sk->sk_receive_queue.lock);
		return put_user(amount, (int __user *)arg);
	default:
		return -ENOIOCTLCMD;
	}
}

#define XDISCON_COMMON_OPS					\
	.family		= PF_XDISCON,				\
	.owner		= THIS_MODULE,				\
	.release	= xdiscon_release,			\
	.bind		= xdiscon_bind,				\
	.connect	= xdiscon_connect,			\
	.socketpair	= sock_no_socketpair,			\
	.accept		= xdiscon_accept_op,			\
	.getname	= xdiscon_getname,			\
	.poll		= xdiscon_poll,				\
	.ioctl		= xdiscon_ioctl,			\
	.listen		= xdiscon_listen,			\
	.shutdown	= xdiscon_shutdown,			\
	.setsockopt	= xdiscon_setsockopt,			\
	.getsockopt	= xdiscon_getsockopt,			\
	.sendmsg	= xdiscon_sendmsg,			\
	.recvmsg	= xdiscon_recvmsg,			\
	.mmap		= sock_no_mmap

/*
 * .family holds the default number: the kernel reads the registered number
 * from struct net_proto_family and sk->sk_family, never from here.  Only
 * a stream socket has splice_read: a pipe keeps no record boundaries, so
 * SOCK_SEQPACKET splices through recvmsg(), as AF_UNIX's.
 */
static const struct proto_ops xdiscon_stream_ops = {
	XDISCON_COMMON_OPS,
	.splice_read	= xdiscon_splice_read,
};

static const struct proto_ops xdiscon_seqpacket_ops = {
	XDISCON_COMMON_OPS,
};

static int xdiscon_create(struct net *net, struct socket *sock, int protocol,
			  int kern)
{
	struct sock *sk;

	if (protocol)
		return -EPROTONOSUPPORT;

	switch (sock->type) {
	case SOCK_STREAM:
		sock->ops = &xdiscon_stream_ops;
		break;
	case SOCK_SEQPACKET:
		sock->ops = &xdiscon_seqpacket_ops;
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}

	sk = xdiscon_sk_alloc(net, sock->type, kern);
	if (!sk)
		return -ENOMEM;
	sock_graft(sk, sock);
	return 0;
}

static struct net_proto_family xdiscon_family_ops = {
	.create	= xdiscon_create,
	.owner	= THIS_MODULE,
};

/* Stop the first @n transports of the table, last first. */
static void xdiscon_transports_exit(unsigned int n)
{
	while (n--)
		if (xdiscon_transports[n]->exit)
			xdiscon_transports[n]->exit();
}

static int xdiscon_transports_init(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < xdiscon_ntransports; i++) {
		if (!xdiscon_transports[i]->init)
			continue;
		err = xdiscon_transports[i]->init();
		if (err) {
			xdiscon_transports_exit(i);
			return err;
		}
	}
	return 0;
}

static int __init xdiscon_init(void)
{
	int err;

	if (family <= 0 || family >= AF_MAX) {
		pr_err("family=%d is outside 1..%d\n", family,
		       AF_MAX - 1);
		return -EINVAL;
	}
	xdiscon_family_ops.family = family;

	xdiscon_rcv_charge_setup();
	err = proto_register(&xdiscon_proto, 1);
	if (err)
		return err;

	/*
	 * The transports first: /proc/net/xdiscon_stat shows their
	 * per-namespace counters, so their pernet data must outlive its
	 * files (pernet exits run in the reverse order of registration).
	 */
	err = xdiscon_transports_init();
	if (err)
		goto err_proto;

	err = xdiscon_proc_init();
	if (err)
		goto err_transports;

	err = sock_register(&xdiscon_family_ops);
	/*
	 * EBUSY, not sock_register()'s EEXIST: to init_module() that says
	 * the module is loaded already (7.x's loader converts it too).
	 */
	if (err == -EEXIST) {
		pr_err("socket family %d is taken by another module; load with family=N to choose a free slot below %d\n",
		       family, AF_MAX);
		err = -EBUSY;
	}
	if (err)
		goto err_proc;

	return 0;

err_proc:
	xdiscon_proc_exit();
err_transports:
	xdiscon_transports_exit(xdiscon_ntransports);
err_proto:
	proto_unregister(&xdiscon_proto);
	return err;
}

static void __exit xdiscon_exit(void)
{
	sock_unregister(family);
	xdiscon_proc_exit();
	xdiscon_transports_exit(xdiscon_ntransports);
	proto_unregister(&xdiscon_proto);
}

module_init(xdiscon_init);
module_exit(xdiscon_exit);

MODULE_DESCRIPTION("AF_XDISCON: connections that end with disconnect data");
MODULE_LICENSE("GPL");
MODULE_ALIAS_NETPROTO(AF_XDISCON_DEFAULT);
