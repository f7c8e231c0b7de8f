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

#include <linux/bitmap.h>
#include <linux/hashtable.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "xdiscon.h"
#include "local.h"

#define XD_LOCAL_HASH_BITS	8
#define XD_LOCAL_PORTS		65536

/*
 * struct xd_local_net - a network namespace's port space
 * @lock: protects @ports and @bound.
 * @ports: the bound sockets, by port.
 * @bound: which ports are bound, so that an ephemeral bind finds a free
 *	one in time that does not grow with the number of bound sockets.
 */
struct xd_local_net {
	spinlock_t lock;	/* see above */
	DECLARE_HASHTABLE(ports, XD_LOCAL_HASH_BITS);
	unsigned long *bound;
};

static unsigned int xd_local_net_id;

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

static struct xd_local_net *xd_local_net(struct net *net)
{
	return net_generic(net, xd_local_net_id);
}

/* A socket bound to @port in @xn, or NULL.  Under @xn->lock. */
static struct xdiscon_sock *xd_local_lookup(struct xd_local_net *xn, u16 port)
{
	struct xdiscon_sock *xsk;

	hash_for_each_possible(xn->ports, xsk, bind_node, port)
		if (xsk->bind_port == port)
			return xsk;
	return NULL;
}

/*
 * A free port of the namespace's ephemeral range, TCP's
 * net.ipv4.ip_local_port_range: the first one from a random place on,
 * wrapping around, or 0 when all are bound.  Under @xn->lock.
 */
static u16 xd_local_ephemeral(struct net *net, struct xd_local_net *xn)
{
	unsigned long port;
	int low, high;
	u32 start;

	inet_get_local_port_range(net, &low, &high);
	start = low + get_random_u32_below(high - low + 1);
	port = find_next_zero_bit(xn->bound, high + 1, start);
	if (port > high) {
		port = find_next_zero_bit(xn->bound, start, low);
		if (port >= start)
			return 0;
	}
	return port;
}

static int xd_local_bind(struct xdiscon_sock *xsk,
			 struct sockaddr_xdiscon *addr)
{
	struct net *net = sock_net(&xsk->sk);
	struct xd_local_net *xn = xd_local_net(net);
	u16 port = be16_to_cpu(addr->sxd_port);
	int err = 0;

	if (memchr_inv(addr->sxd_addr, 0, sizeof(addr->sxd_addr)) ||
	    addr->sxd_scope_id)
		return -EADDRNOTAVAIL;

	spin_lock(&xn->lock);
	if (!port)
		port = xd_local_ephemeral(net, xn);
	if (!port || test_bit(port, xn->bound))
		err = -EADDRINUSE;
	if (!err) {
		addr->sxd_port = cpu_to_be16(port);
		xsk->bind_port = port;
		hash_add(xn->ports, &xsk->bind_node, port);
		__set_bit(port, xn->bound);
	}
	spin_unlock(&xn->lock);
	return err;
}

static void xd_local_unbind(struct xdiscon_sock *xsk)
{
	struct xd_local_net *xn = xd_local_net(sock_net(&xsk->sk));

	spin_lock(&xn->lock);
	if (!hlist_unhashed(&xsk->bind_node)) {
		hash_del(&xsk->bind_node);
		__clear_bit(xsk->bind_port, xn->bound);
	}
	spin_unlock(&xn->lock);
}

/*
 * Bound is enough: connect finds listeners through the port table.  The
 * listener's credentials are what its connections' connecting ends get
 * from SO_PEERCRED, as with AF_UNIX.
 */
static int xd_local_listen(struct xdiscon_sock *xsk, int backlog)
{
	xdiscon_peercred_current(&xsk->sk);
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
		       xdiscon_rcv_room(peer, skb->truesize,
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

/*
 * Wait while @listener's accept queue is full, as AF_UNIX's connect does.
 * The wait queue is the listener's sock's own, which our reference keeps
 * alive: its socket file (and sk_sleep()) may go away while we sleep.
 */
static int xd_local_wait_backlog(struct xdiscon_sock *listener, long *timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *lsk = &listener->sk;
	int err = 0;

	add_wait_queue(&listener->backlog_wait, &wait);
	while (!err && sk_acceptq_is_full(lsk)) {
		if (READ_ONCE(lsk->sk_state) != XDISCON_LISTEN)
			err = -ECONNREFUSED;
		else if (!*timeo)
			err = -EAGAIN;
		else if (signal_pending(current))
			err = sock_intr_errno(*timeo);
		else
			*timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, *timeo);
	}
	remove_wait_queue(&listener->backlog_wait, &wait);
	return err;
}

/*
 * Create the connection and its accepted end, and queue that end on
 * @listener: 0, or -ECONNREFUSED (the listener closed) or -EAGAIN (its
 * backlog filled up meanwhile), with nothing left behind.  Everything the
 * connection needs, our own reference and xsk->conn included, is in
 * place before xdiscon_publish_child() publishes the child: from then on
 * accept() and close() of it may run at once.
 */
static int xd_local_connect_to(struct xdiscon_sock *xsk,
			       struct xdiscon_sock *listener)
{
	struct sock *sk = &xsk->sk;
	struct xdiscon_sock *child;
	struct xd_local_conn *conn;
	struct sock *csk;
	int err;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	csk = xdiscon_sk_alloc_child(listener);
	if (!csk) {
		kfree(conn);
		return -ENOMEM;
	}
	child = xdiscon_sk(csk);

	spin_lock_init(&conn->lock);
	refcount_set(&conn->ref, 2);		/* the child's and ours */
	skb_queue_head_init(&conn->txq[0]);
	skb_queue_head_init(&conn->txq[1]);
	sock_hold(sk);
	conn->end[0] = xsk;
	sock_hold(csk);
	conn->end[1] = child;
	xsk->conn = conn;
	xsk->conn_side = 0;

	xdiscon_child_init(child, xsk->transport, conn, 1, &listener->local,
			   &xsk->local);
	/* The accepted end's SO_PEERCRED: the connecting task's. */
	xdiscon_peercred_current(csk);

	err = xdiscon_publish_child(listener, child);
	if (err) {
		/* Nobody saw the child: undo as if nobody had listened. */
		conn->end[0] = NULL;
		conn->end[1] = NULL;
		xsk->conn = NULL;
		refcount_dec(&conn->ref);
		sock_put(sk);
		sock_put(csk);		/* the connection's */
		sock_put(csk);		/* the accept queue's: frees conn */
		return err;
	}
	/* Ours: the listener's, as AF_UNIX gives it, once connected. */
	xdiscon_peercred_copy(sk, &listener->sk);
	return 0;
}

static int xd_local_connect(struct xdiscon_sock *xsk,
			    const struct sockaddr_xdiscon *addr, long *timeo,
			    struct sockaddr_xdiscon *local)
{
	struct sock *sk = &xsk->sk;
	struct xd_local_net *xn = xd_local_net(sock_net(sk));
	struct xdiscon_sock *listener;
	int err;

	spin_lock(&xn->lock);
	listener = xd_local_lookup(xn, be16_to_cpu(addr->sxd_port));
	if (listener && READ_ONCE(listener->sk.sk_state) == XDISCON_LISTEN)
		sock_hold(&listener->sk);
	else
		listener = NULL;
	spin_unlock(&xn->lock);
	if (!listener)
		return -ECONNREFUSED;

	if (listener->sk.sk_type != sk->sk_type) {
		err = -EPROTOTYPE;
	} else {
		/* The backlog is checked again where the child is queued. */
		do {
			err = xd_local_wait_backlog(listener, timeo);
			if (!err)
				err = xd_local_connect_to(xsk, listener);
		} while (err == -EAGAIN && *timeo);
	}
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
		/*
		 * The append before the push reads the peer's rx_bytes; pairs
		 * with the barrier in xd_local_consumed(): either we see the
		 * room the reader made, or the reader sees our skb.
		 */
		smp_mb();
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

static int xd_local_abort(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	struct xd_local_conn *conn = xd_conn(xsk);
	struct xdiscon_sock *peer;
	int i = xsk->conn_side;

	spin_lock(&conn->lock);
	if (conn->reset) {
		spin_unlock(&conn->lock);
		kfree_skb(data);
		return 0;
	}
	conn->reset = true;
	__skb_queue_purge(&conn->txq[0]);
	__skb_queue_purge(&conn->txq[1]);
	kfree_skb(conn->disc[0]);
	kfree_skb(conn->disc[1]);
	conn->disc[0] = NULL;
	conn->disc[1] = NULL;
	peer = conn->end[!i];
	/* A closed peer has no reader for the data. */
	if (peer && data && !conn->released[!i]) {
		xdiscon_rcv_abort(peer, data);
		data = NULL;
	} else if (peer) {
		xdiscon_rcv_reset(peer, -ECONNRESET);
	}
	spin_unlock(&conn->lock);
	kfree_skb(data);
	return 0;
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

	/*
	 * Our lower rx_bytes before the look at the peer's queue: pairs
	 * with the barrier in xd_local_xmit().
	 */
	smp_mb();
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

/* Process context (the pernet init and exit calls). */
static int __net_init xd_local_net_init(struct net *net)
{
	struct xd_local_net *xn = xd_local_net(net);

	spin_lock_init(&xn->lock);
	hash_init(xn->ports);
	xn->bound = bitmap_zalloc(XD_LOCAL_PORTS, GFP_KERNEL);
	return xn->bound ? 0 : -ENOMEM;
}

/* Every socket holds its namespace: none is bound here any more. */
static void __net_exit xd_local_net_exit(struct net *net)
{
	struct xd_local_net *xn = xd_local_net(net);

	WARN_ON_ONCE(!hash_empty(xn->ports));
	bitmap_free(xn->bound);
}

static struct pernet_operations xd_local_net_ops = {
	.init = xd_local_net_init,
	.exit = xd_local_net_exit,
	.id = &xd_local_net_id,
	.size = sizeof(struct xd_local_net),
};

static int xd_local_init(void)
{
	return register_pernet_subsys(&xd_local_net_ops);
}

static void xd_local_exit(void)
{
	unregister_pernet_subsys(&xd_local_net_ops);
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
	.init		= xd_local_init,
	.exit		= xd_local_exit,
};
