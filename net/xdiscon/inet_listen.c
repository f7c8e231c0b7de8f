// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport, listening: pending children and the handshake.
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
 * How many connections one listener keeps in the handshake (TCP accepted,
 * no HELLO yet, or HELLO in but no room in the accept queue), apart from
 * the accept queue that the backlog bounds, as TCP keeps its SYN queue.
 */
static unsigned int inet_max_handshakes = 256;

static int xd_set_max_handshakes(const char *val,
				 const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 65535);
}

static const struct kernel_param_ops xd_max_handshakes_ops = {
	.set = xd_set_max_handshakes,
	.get = param_get_uint,
};

module_param_cb(inet_max_handshakes, &xd_max_handshakes_ops,
		&inet_max_handshakes, 0644);
MODULE_PARM_DESC(inet_max_handshakes,
		 "connections an inet listener holds in the handshake (1..65535, default 256)");

/*
 * A connection still in its handshake on the listening side: take it off
 * the listener's list.  True if this caller did, and so owns the
 * reference the list held.  It counts as a handshake until its owner
 * drops it (xd_inet_drop_pending()).
 */
bool xd_inet_unpend(struct xd_inet_conn *conn)
{
	return conn->parent &&
	       xdiscon_pending_remove(conn->parent, conn->xsk);
}

/*
 * Drop a connection its caller took off the pending list: RST unless
 * closed.  Its place among the handshakes is free again: the listener's
 * work takes what TCP held back meanwhile.
 */
void xd_inet_drop_pending(struct xd_inet_conn *conn)
{
	struct xd_inet_listener *l = xd_listener(conn->parent);
	struct xdiscon_sock *xsk = conn->xsk;

	mutex_lock(&conn->s->lock);
	xd_inet_reset_locked(conn, false, 0);
	mutex_unlock(&conn->s->lock);
	xdiscon_pending_done(conn->parent);
	xd_inet_queue(conn->parent, &l->accept_work);
	sock_put(&xsk->sk);
}

static int xd_inet_read_hello(struct sk_buff *skb, struct xd_hello *hello)
{
	if (skb_copy_bits(skb, XD_RX_CB(skb)->xd.consumed, hello,
			  sizeof(*hello)) ||
	    hello->magic != cpu_to_be32(XD_WIRE_MAGIC) ||
	    hello->version < XD_WIRE_VERSION_MIN ||
	    hello->reserved[0] || hello->reserved[1] ||
	    (hello->sock_type != XD_WIRE_STREAM &&
	     hello->sock_type != XD_WIRE_SEQPACKET))
		return -EPROTO;
	return 0;
}

static bool xd_inet_type_ok(struct sock *sk, const struct xd_hello *hello)
{
	return hello->sock_type == (sk->sk_type == SOCK_STREAM ?
				    XD_WIRE_STREAM : XD_WIRE_SEQPACKET);
}

/*
 * The listener's hello, straight from the frame reader (softirq, or process
 * context under the TCP socket's lock) when nothing is in the way: the
 * socket is connecting and its user is not in a call on it (typically it
 * sleeps in connect() or poll()), and the hello is good and names the
 * version we offered.  connect() then
 * completes without a trip through rx_work; anything else takes it.
 */
bool xd_inet_client_hello_direct(struct xd_inet_conn *conn,
				 struct sk_buff *skb)
{
	const unsigned long mask = BIT(XD_F_HANDSHAKEN) | BIT(XD_F_RELEASED) |
		BIT(XD_F_RESET) | BIT(XD_F_PROTO_ERR);
	struct xdiscon_sock *xsk = conn->xsk;
	struct sock *sk = &xsk->sk;
	struct xd_hello hello;
	bool done;

	if (conn->parent || (READ_ONCE(conn->flags) & mask) ||
	    XD_RX_CB(skb)->type != XD_FRAME_HELLO ||
	    xd_inet_read_hello(skb, &hello) || !xd_inet_type_ok(sk, &hello) ||
	    hello.version != READ_ONCE(conn->version))
		return false;
	if (!xd_inet_rxq_idle(conn))
		return false;
	/* rx_work and the pull read with BHs on: be softirq's context. */
	local_bh_disable();
	bh_lock_sock(sk);
	done = !sock_owned_by_user(sk) && sk->sk_state == XDISCON_CONNECTING;
	if (done) {
		set_bit(XD_F_HANDSHAKEN, &conn->flags);
		xd_inet_disarm_timer(conn);
		xdiscon_connect_done(xsk, 0);
	}
	bh_unlock_sock(sk);
	local_bh_enable();
	if (done)
		consume_skb(skb);
	return done;
}

/*
 * The connecting side got the listener's hello.  One that names a version
 * newer than we offered breaks the rules (true: the caller resets); an
 * older one makes us connect again, offering it.
 */
static bool xd_inet_client_hello(struct xd_inet_conn *conn,
				 const struct xd_hello *hello)
{
	struct xdiscon_sock *xsk = conn->xsk;
	struct sock *sk = &xsk->sk;
	bool bad = false, redial = false;
	int err = 0;

	lock_sock(sk);
	mutex_lock(&conn->s->lock);
	if (!xd_conn_tcp(conn) || sk->sk_state != XDISCON_CONNECTING)
		goto out;
	if (hello->version > conn->version) {
		bad = true;
		goto out;
	}
	if (!xd_inet_type_ok(sk, hello)) {
		err = -EPROTOTYPE;
	} else if (hello->version < conn->version) {
		redial = true;
		err = xd_inet_redial(conn, hello->version);
	}
	if (err) {
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_conn_close(conn, err != -EPROTOTYPE);
		xdiscon_connect_done(xsk, err);
		goto out;
	}
	if (redial)
		goto out;	/* the new connection's turn */
	set_bit(XD_F_HANDSHAKEN, &conn->flags);
	xd_inet_disarm_timer(conn);
	xdiscon_connect_done(xsk, 0);
out:
	mutex_unlock(&conn->s->lock);
	release_sock(sk);
	return bad;
}

/* Pairs with the barrier in xd_inet_server_hello(). */
static bool xd_inet_handshaken(struct xdiscon_sock *child)
{
	return test_bit_acquire(XD_F_HANDSHAKEN, &xd_conn(child)->flags);
}

/*
 * Publish @l's handshaken children while its accept queue has room
 * (xdiscon_pending_publish()).  Places freed among the handshakes go to
 * what TCP holds.
 */
static void xd_inet_offer(struct xd_inet_listener *l)
{
	if (xdiscon_pending_publish(l->s->xsk, xd_inet_handshaken))
		xd_inet_queue(l->s->xsk, &l->accept_work);
}

/*
 * The listening side got a new connection's hello: answer it with ours,
 * naming the version of the connection.  A child of the right type goes
 * to the accept queue, or waits on the pending list, counted as a
 * handshake, until accept() makes room (xd_inet_accepted()); one of the
 * other type is closed with FIN after our hello, which tells the client
 * why.
 */
static void xd_inet_server_hello(struct xd_inet_conn *conn,
				 const struct xd_hello *hello)
{
	bool type_ok = xd_inet_type_ok(&conn->xsk->sk, hello);
	int err;

	if (!type_ok && !xd_inet_unpend(conn))
		return;		/* the listener is closing it */
	mutex_lock(&conn->s->lock);
	/* Without TCP, a reset or the closing listener owns it. */
	if (type_ok && !xd_conn_tcp(conn)) {
		mutex_unlock(&conn->s->lock);
		return;
	}
	xd_inet_disarm_timer(conn);
	conn->version = min_t(u8, hello->version, XD_WIRE_VERSION);
	err = xd_inet_send_hello(conn);
	if (!type_ok) {
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_conn_close(conn, false);
	} else if (!err) {
		/*
		 * xd_inet_offer() reads the bit without @lock, on any CPU,
		 * and publishes the child: whoever accepts it must see what
		 * the handshake set up.
		 */
		smp_mb__before_atomic();
		set_bit(XD_F_HANDSHAKEN, &conn->flags);
	}
	mutex_unlock(&conn->s->lock);
	if (!type_ok || (err && xd_inet_unpend(conn)))
		xd_inet_drop_pending(conn);
	else if (!err)
		xd_inet_offer(xd_listener(conn->parent));
}

void xd_inet_hello(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	struct xd_hello hello;
	bool bad = xd_inet_read_hello(skb, &hello) < 0;

	kfree_skb(skb);
	if (!bad && conn->parent)
		xd_inet_server_hello(conn, &hello);
	else if (!bad)
		bad = xd_inet_client_hello(conn, &hello);
	if (bad)
		xd_inet_protocol_error(conn, XD_RULE_HELLO);
}

/*
 * A child socket and its connection for the accepted @tcp, which the
 * connection takes over; NULL, with nothing taken, for no memory.
 * Process context (accept_work).
 */
static struct xd_inet_conn *xd_inet_alloc_child(struct xd_inet_listener *l,
						struct socket *tcp)
{
	struct sockaddr_xdiscon local = {}, remote = {};
	struct xd_inet_conn *conn = NULL;
	struct xdiscon_sock *child;
	struct xd_inet_sock *s;
	struct sock *csk;

	/* An accepted socket holds its netns like its listener does. */
	csk = xdiscon_sk_alloc_child(l->s->xsk);
	if (!csk)
		return NULL;
	child = xdiscon_sk(csk);
	s = xd_inet_sock_alloc(child);
	if (s)
		conn = xd_inet_conn_alloc(s);
	if (!conn || xdiscon_rcv_charge_init(child)) {
		kfree(conn);
		if (s)
			xd_inet_sock_free(s);
		sock_put(csk);
		return NULL;
	}
	xd_inet_name(tcp, &local, false);
	xd_inet_name(tcp, &remote, true);
	xdiscon_child_init(child, &xdiscon_inet_transport, s, 0, &local,
			   &remote);
	WRITE_ONCE(s->role, XD_ROLE_CONN);
	s->conn = conn;
	s->tcp = tcp;
	sock_hold(csk);				/* for the TCP socket */
	sock_hold(&l->s->xsk->sk);
	conn->parent = l->s->xsk;
	return conn;
}

/*
 * Set up an accepted TCP connection and wait for the client's hello,
 * which ours answers (xd_inet_server_hello()).
 */
static void xd_inet_new_child(struct xd_inet_listener *l, struct socket *tcp)
{
	struct xd_inet_conn *conn;
	bool closing;

	conn = xd_inet_alloc_child(l, tcp);
	if (!conn) {
		xd_inet_tcp_free(tcp);
		return;
	}

	/*
	 * Set up under the socket's transport lock: a closing listener
	 * that takes it off the list waits for the lock before resetting
	 * it.  The list holds the reference sk_alloc() gave; once listed,
	 * the child may lose it (and its works theirs) as soon as the lock
	 * is free, so we hold our own until we are done with it.  Once the
	 * listener has begun to empty its list, the child is not listed
	 * (nobody would take it off again): counted all the same, it is
	 * dropped below, as the list's owner drops what it takes off.
	 */
	sock_hold(&conn->xsk->sk);
	mutex_lock(&conn->s->lock);
	/* TCP cloned the listening socket's settings, maybe older ones. */
	xd_inet_tcp_keepalive(tcp, conn->xsk,
			      sock_flag(&conn->xsk->sk, SOCK_KEEPOPEN));
	closing = !xdiscon_pending_add(l->s->xsk, conn->xsk);
	xd_reader_init(&conn->rd, tcp->sk, &xd_inet_reader_ops);
	xd_inet_hook(conn->s, conn, l->s->saved_data_ready);
	xd_inet_arm_timer(conn, XD_F_HANDSHAKEN, XD_HANDSHAKE_TIMEOUT);
	/* The client's hello may be there already, or the client gone. */
	xd_inet_rcv_held(tcp->sk);
	xd_inet_queue(conn->xsk, &conn->rx_work);
	mutex_unlock(&conn->s->lock);
	if (closing)
		xd_inet_drop_pending(conn);
	sock_put(&conn->xsk->sk);
}

/*
 * Take a new TCP connection into the handshake only with room for it in
 * the accept queue (as TCP takes no SYN while it is full) and among the
 * handshakes.
 */
static bool xd_inet_can_take(struct xd_inet_listener *l)
{
	return !sk_acceptq_is_full(&l->s->xsk->sk) &&
	       xdiscon_pending_count(l->s->xsk) <
	       READ_ONCE(inet_max_handshakes);
}

/* Nothing came from @child: no HELLO handled, no frame waiting. */
static bool xd_inet_silent(struct xdiscon_sock *child)
{
	struct xd_inet_conn *conn = xd_conn(child);

	return !test_bit(XD_F_HANDSHAKEN, &conn->flags) &&
	       xd_inet_rxq_idle(conn);
}

/*
 * Every handshake place is taken while TCP holds more connections: drop
 * the oldest silent connection, so that peers that stay silent cannot
 * keep others out for the handshake timeout.  True if one was dropped.
 */
static bool xd_inet_evict_oldest(struct xd_inet_listener *l)
{
	struct xdiscon_sock *victim;

	victim = xdiscon_pending_take(l->s->xsk, false, xd_inet_silent);
	if (!victim)
		return false;
	xd_inet_stat_inc(sock_net(&l->s->xsk->sk),
			 XD_INET_STAT_HANDSHAKES_EVICTED);
	xd_inet_drop_pending(xd_conn(victim));
	return true;
}

/* Take what TCP completed into the handshake.  Process context. */
static void xd_inet_accept_all(struct xd_inet_listener *l)
{
	struct xd_inet_sock *s = l->s;
	struct socket *tcp;
	bool evict;
	int err;

	for (;;) {
		mutex_lock(&s->lock);
		err = -EAGAIN;
		evict = false;
		tcp = NULL;
		if (s->tcp && xd_inet_can_take(l)) {
			err = kernel_accept(s->tcp, &tcp, O_NONBLOCK);
			/*
			 * What the listener accepts is its owner's.  A
			 * connection left without its file is closed.
			 */
			if (!err && xd_inet_tcp_file(tcp, s->tcp->file->f_cred))
				tcp = NULL;
		} else if (s->tcp && !sk_acceptq_is_full(&s->xsk->sk)) {
			evict = READ_ONCE(s->tcp->sk->sk_ack_backlog);
		}
		mutex_unlock(&s->lock);
		if (evict && xd_inet_evict_oldest(l))
			continue;
		if (err)
			return;
		if (tcp)
			xd_inet_new_child(l, tcp);
	}
}

/* Workqueue context. */
static void xd_inet_accept_work(struct work_struct *w)
{
	struct xd_inet_listener *l = container_of(w, struct xd_inet_listener,
						  accept_work);
	struct xdiscon_sock *xsk = l->s->xsk;

	if (READ_ONCE(l->s->role) == XD_ROLE_LISTENER)
		xd_inet_accept_all(l);
	sock_put(&xsk->sk);
}

int xd_inet_listen(struct xdiscon_sock *xsk, int backlog)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);
	int err = -EINVAL;

	mutex_lock(&s->lock);
	if (!s->tcp || s->role != XD_ROLE_NONE)
		goto out;
	err = -ENOMEM;
	if (!s->listener) {
		s->listener = kzalloc(sizeof(*s->listener), GFP_KERNEL);
		if (!s->listener)
			goto out;
		s->listener->s = s;
		INIT_WORK(&s->listener->accept_work, xd_inet_accept_work);
	}
	WRITE_ONCE(s->role, XD_ROLE_LISTENER);
	xd_inet_hook(s, s->listener, NULL);
	err = kernel_listen(s->tcp, backlog);
	if (err) {
		xd_inet_unhook(s);
		WRITE_ONCE(s->role, XD_ROLE_NONE);
	}
out:
	mutex_unlock(&s->lock);
	return err;
}

/*
 * accept() made room in the backlog: queue the handshaken connections
 * waiting for it, then take what TCP held back.  What TCP completes later
 * calls xd_inet_listen_data_ready() itself.
 */
void xd_inet_accepted(struct xdiscon_sock *xsk)
{
	struct xd_inet_listener *l = xd_listener(xsk);
	struct xd_inet_sock *s = l->s;
	bool held;

	xd_inet_offer(l);

	mutex_lock(&s->lock);
	held = s->tcp && READ_ONCE(s->tcp->sk->sk_ack_backlog);
	mutex_unlock(&s->lock);
	if (held)
		xd_inet_queue(xsk, &l->accept_work);
}
