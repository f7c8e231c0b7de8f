// SPDX-License-Identifier: GPL-2.0
/*
 * The local transport: AF_XDISCON connections on one host, one port space
 * per network namespace.
 *
 * A connection (struct xd_local_conn) joins two sockets.  Each end has a
 * transmit queue of what it sent that the other end's receive queue has
 * not taken yet: the receive queue holds at most SO_RCVBUF, the rest waits
 * here, and the sender's SO_SNDBUF bounds both together (every skb stays
 * charged to its sender until the reader frees it).  So, as with TCP,
 * data can be "sent but not yet taken by the peer's transport": that is
 * what SIOCOUTQ counts and what a lingering close waits for, and what a
 * closed socket delivers in the background.
 *
 * The disconnect waits behind the end's transmit queue and is delivered
 * once the queue drains.  An end stays attached to the connection (and
 * alive) after close() until its queue and disconnect are delivered or the
 * connection is reset.
 */

#include <linux/hash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netns/hash.h>
#include <net/sock.h>

#include "xdiscon.h"

#define XD_LOCAL_HASH_BITS	8
#define XD_LOCAL_EPHEMERAL_LO	32768
#define XD_LOCAL_EPHEMERAL_HI	60999

/* Bound sockets by (netns, port); xd_local_lock protects the table. */
static DEFINE_HASHTABLE(xd_local_ports, XD_LOCAL_HASH_BITS);
static DEFINE_SPINLOCK(xd_local_lock);

/*
 * struct xd_local_conn - one local connection
 * @lock: protects every field below and orders the transfer from one
 *	end's @txq into the other end's receive queue.
 * @ref: one per socket that points here (xdiscon_sock.conn).
 * @end: the two sockets, each holding a sock reference while attached.
 * @txq: what end[i] sent that end[!i] has not taken.
 * @disc: end[i]'s disconnect, waiting behind @txq[i].
 * @released: end[i] was closed; it detaches once its data is delivered.
 * @reset: the connection was reset; nothing moves any more.
 */
struct xd_local_conn {
	spinlock_t lock;	/* see above */
	refcount_t ref;
	struct xdiscon_sock *end[2];
	struct sk_buff_head txq[2];
	struct sk_buff *disc[2];
	bool released[2];
	bool reset;
};

static struct xd_local_conn *xd_conn(struct xdiscon_sock *xsk)
{
	return xsk->conn;
}

static struct hlist_head *xd_local_bucket(struct net *net, u16 port)
{
	return &xd_local_ports[hash_32(net_hash_mix(net) ^ port,
				       XD_LOCAL_HASH_BITS)];
}

/* A socket bound to @port in @net, or NULL.  Under xd_local_lock. */
static struct xdiscon_sock *xd_local_lookup(struct net *net, u16 port)
{
	struct xdiscon_sock *xsk;

	hlist_for_each_entry(xsk, xd_local_bucket(net, port), bind_node)
		if (net_eq(sock_net(&xsk->sk), net) &&
		    be16_to_cpu(xsk->local.sxd_port) == port)
			return xsk;
	return NULL;
}

static int xd_local_bind(struct xdiscon_sock *xsk,
			 struct sockaddr_xdiscon *addr)
{
	struct net *net = sock_net(&xsk->sk);
	u16 port = be16_to_cpu(addr->sxd_port);
	u32 range = XD_LOCAL_EPHEMERAL_HI - XD_LOCAL_EPHEMERAL_LO + 1;
	u32 i, start = get_random_u32_below(range);
	int err = 0;

	if (memchr_inv(addr->sxd_addr, 0, sizeof(addr->sxd_addr)) ||
	    addr->sxd_scope_id)
		return -EADDRNOTAVAIL;

	spin_lock(&xd_local_lock);
	if (port) {
		if (xd_local_lookup(net, port))
			err = -EADDRINUSE;
	} else {
		err = -EADDRINUSE;
		for (i = 0; i < range; i++) {
			port = XD_LOCAL_EPHEMERAL_LO + (start + i) % range;
			if (!xd_local_lookup(net, port)) {
				err = 0;
				break;
			}
		}
	}
	if (!err) {
		addr->sxd_port = cpu_to_be16(port);
		xsk->local.sxd_port = addr->sxd_port;
		hlist_add_head(&xsk->bind_node, xd_local_bucket(net, port));
	}
	spin_unlock(&xd_local_lock);
	return err;
}

static void xd_local_unbind(struct xdiscon_sock *xsk)
{
	spin_lock(&xd_local_lock);
	hlist_del_init(&xsk->bind_node);
	spin_unlock(&xd_local_lock);
}

/* Bound is enough: connect finds listeners through the port table. */
static int xd_local_listen(struct xdiscon_sock *xsk, int backlog)
{
	return 0;
}

/*
 * Move what end[i] sent into end[!i]'s receive queue while there is room,
 * then its disconnect.  Returns the end to detach (sock_put() outside the
 * lock), or NULL.  Under conn->lock.
 */
static struct xdiscon_sock *xd_local_push(struct xd_local_conn *conn, int i)
{
	struct xdiscon_sock *peer = conn->end[!i], *me = conn->end[i];
	struct sk_buff *skb;
	bool moved = false;

	if (!peer || conn->released[!i]) {
		/* Nobody will read: what is queued is dropped. */
		moved = !skb_queue_empty(&conn->txq[i]);
		__skb_queue_purge(&conn->txq[i]);
	} else {
		while ((skb = skb_peek(&conn->txq[i])) &&
		       xdiscon_rcv_room(peer, skb,
					READ_ONCE(peer->sk.sk_rcvbuf))) {
			__skb_unlink(skb, &conn->txq[i]);
			xdiscon_rcv_skb(peer, skb);
			moved = true;
		}
	}
	if (!skb_queue_empty(&conn->txq[i]))
		return NULL;
	if (conn->disc[i]) {
		if (peer && !conn->released[!i])
			xdiscon_rcv_disconnect(peer, conn->disc[i]);
		else
			kfree_skb(conn->disc[i]);
		conn->disc[i] = NULL;
		moved = true;
	}
	/*
	 * The last of it was taken just now: wake a lingering close.  Only
	 * then; waking the sender on every read would make a blocked reader
	 * on that socket spin.
	 */
	if (moved && me && (READ_ONCE(me->sk.sk_shutdown) & SEND_SHUTDOWN))
		me->sk.sk_state_change(&me->sk);
	if (conn->released[i] && me) {
		conn->end[i] = NULL;
		return me;
	}
	return NULL;
}

static void xd_local_put_end(struct xdiscon_sock *gone)
{
	if (gone)
		sock_put(&gone->sk);
}

static int xd_local_connect(struct xdiscon_sock *xsk,
			    const struct sockaddr_xdiscon *addr, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = &xsk->sk;
	struct xdiscon_sock *listener, *child;
	struct xd_local_conn *conn;
	struct sock *csk;
	int err;

	spin_lock(&xd_local_lock);
	listener = xd_local_lookup(sock_net(sk), be16_to_cpu(addr->sxd_port));
	if (listener && READ_ONCE(listener->sk.sk_state) == XDISCON_LISTEN)
		sock_hold(&listener->sk);
	else
		listener = NULL;
	spin_unlock(&xd_local_lock);
	if (!listener)
		return -ECONNREFUSED;

	err = -EPROTOTYPE;
	if (listener->sk.sk_type != sk->sk_type)
		goto out_listener;

	/* A full backlog makes connect wait, as AF_UNIX does. */
	add_wait_queue(sk_sleep(&listener->sk), &wait);
	for (err = 0; sk_acceptq_is_full(&listener->sk) && !err;) {
		if (READ_ONCE(listener->sk.sk_state) != XDISCON_LISTEN)
			err = -ECONNREFUSED;
		else if (!*timeo)
			err = -EAGAIN;
		else if (signal_pending(current))
			err = sock_intr_errno(*timeo);
		else
			*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
	}
	remove_wait_queue(sk_sleep(&listener->sk), &wait);
	if (err)
		goto out_listener;

	err = -ENOMEM;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		goto out_listener;
	csk = xdiscon_sk_alloc_child(listener);
	if (!csk) {
		kfree(conn);
		goto out_listener;
	}
	child = xdiscon_sk(csk);

	spin_lock_init(&conn->lock);
	refcount_set(&conn->ref, 1);		/* the child's */
	skb_queue_head_init(&conn->txq[0]);
	skb_queue_head_init(&conn->txq[1]);
	sock_hold(sk);
	conn->end[0] = xsk;
	sock_hold(csk);
	conn->end[1] = child;

	child->transport = xsk->transport;
	child->local = listener->local;
	child->remote = xsk->local;
	child->conn = conn;
	child->conn_side = 1;
	csk->sk_state = XDISCON_CONNECTED;

	if (!xdiscon_enqueue_child(listener, child)) {
		/* The listener closed meanwhile: as if nobody listened. */
		conn->end[0] = NULL;
		conn->end[1] = NULL;
		sock_put(sk);
		sock_put(csk);		/* the connection's */
		sock_put(csk);		/* the accept queue's: frees conn */
		err = -ECONNREFUSED;
		goto out_listener;
	}
	/* Only this task uses xsk->conn until connect() returns. */
	refcount_inc(&conn->ref);
	xsk->conn = conn;
	xsk->conn_side = 0;
	err = 0;
out_listener:
	sock_put(&listener->sk);
	return err;
}

static int xd_local_xmit(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	int i = xsk->conn_side;
	int err = 0;

	spin_lock(&conn->lock);
	if (conn->reset || conn->released[!i] || !conn->end[!i]) {
		err = -EPIPE;
	} else {
		__skb_queue_tail(&conn->txq[i], skb);
		skb = NULL;
		xd_local_push(conn, i);
	}
	spin_unlock(&conn->lock);
	kfree_skb(skb);
	return err;
}

static void xd_local_send_disconnect(struct xdiscon_sock *xsk,
				     struct sk_buff *data)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	int i = xsk->conn_side;

	spin_lock(&conn->lock);
	if (!conn->reset && !conn->disc[i]) {
		conn->disc[i] = data;
		data = NULL;
		xd_local_push(conn, i);
	}
	spin_unlock(&conn->lock);
	kfree_skb(data);
}

static void xd_local_abort(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	struct xdiscon_sock *peer;
	int i = xsk->conn_side;

	spin_lock(&conn->lock);
	if (conn->reset) {
		spin_unlock(&conn->lock);
		return;
	}
	conn->reset = true;
	__skb_queue_purge(&conn->txq[0]);
	__skb_queue_purge(&conn->txq[1]);
	kfree_skb(conn->disc[0]);
	kfree_skb(conn->disc[1]);
	conn->disc[0] = NULL;
	conn->disc[1] = NULL;
	peer = conn->end[!i];
	if (peer)
		xdiscon_rcv_reset(peer);
	spin_unlock(&conn->lock);
}

static size_t xd_local_tx_queued(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	struct sk_buff *skb;
	size_t bytes = 0;

	spin_lock(&conn->lock);
	skb_queue_walk(&conn->txq[xsk->conn_side], skb)
		bytes += skb->len;
	spin_unlock(&conn->lock);
	return bytes;
}

static bool xd_local_tx_done(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	int i = xsk->conn_side;
	bool done;

	spin_lock(&conn->lock);
	done = conn->reset ||
	       (skb_queue_empty(&conn->txq[i]) && !conn->disc[i]);
	spin_unlock(&conn->lock);
	return done;
}

/*
 * The reader made room: pull what the peer has waiting.  Nothing waiting
 * (the usual case) needs no lock: an xmit racing with this check pushes
 * by itself, and a released peer with an empty queue is detached already.
 */
static void xd_local_consumed(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	struct xdiscon_sock *gone;

	if (skb_queue_empty_lockless(&conn->txq[!xsk->conn_side]))
		return;
	spin_lock(&conn->lock);
	gone = xd_local_push(conn, !xsk->conn_side);
	spin_unlock(&conn->lock);
	xd_local_put_end(gone);
}

/*
 * close(): this end no longer reads, so what the peer has waiting for it
 * is dropped; its own queue and disconnect still go out, after which it
 * detaches.  Called with SOCK_DEAD not yet set: the last push that
 * empties the queue detaches it.
 */
static void xd_local_release(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	struct xdiscon_sock *gone[2] = {};
	int i = xsk->conn_side;

	if (!conn)
		return;
	spin_lock(&conn->lock);
	conn->released[i] = true;
	gone[0] = xd_local_push(conn, !i);
	if (conn->end[i] == xsk &&
	    (conn->reset || (skb_queue_empty(&conn->txq[i]) &&
			     !conn->disc[i]))) {
		conn->end[i] = NULL;
		gone[1] = xsk;
	}
	spin_unlock(&conn->lock);
	xd_local_put_end(gone[0]);
	xd_local_put_end(gone[1]);
}

/* The socket is being freed: drop its reference on the connection. */
static void xd_local_destruct(struct xdiscon_sock *xsk)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	int i;

	if (!refcount_dec_and_test(&conn->ref))
		return;
	for (i = 0; i < 2; i++) {
		__skb_queue_purge(&conn->txq[i]);
		kfree_skb(conn->disc[i]);
	}
	kfree(conn);
}

const struct xdiscon_transport xdiscon_local_transport = {
	.id		= XDISCON_TRANSPORT_LOCAL,
	.name		= "local",
	.bind		= xd_local_bind,
	.listen		= xd_local_listen,
	.connect	= xd_local_connect,
	.xmit		= xd_local_xmit,
	.send_disconnect = xd_local_send_disconnect,
	.abort		= xd_local_abort,
	.tx_queued	= xd_local_tx_queued,
	.tx_done	= xd_local_tx_done,
	.consumed	= xd_local_consumed,
	.release	= xd_local_release,
	.unbind		= xd_local_unbind,
	.destruct	= xd_local_destruct,
};
