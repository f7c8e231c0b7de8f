// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON listening and accepting: listen(), the pending children a
 * transport is still setting up, the accept queue that transports
 * publish their connections' children on, and accept().
 * Lock order and refcounts: xdiscon.h.
 */

#include <linux/net.h>
#include <net/sock.h>

#include "compat.h"
#include "xdiscon.h"
#include "trace.h"

int xdiscon_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	int err = 0;

	lock_sock(sk);
	if (!xsk->bound) {
		err = -EDESTADDRREQ;
	} else if (sk->sk_state == XDISCON_UNCONNECTED) {
		err = xsk->transport->listen(xsk, max(backlog, 0));
		if (!err)
			xdiscon_set_state(xsk, XDISCON_LISTEN);
	} else if (sk->sk_state != XDISCON_LISTEN) {
		err = -EINVAL;
	}
	if (!err) {
		WRITE_ONCE(sk->sk_max_ack_backlog, max(backlog, 0));
		/* A larger backlog may take a waiting connect now. */
		wake_up_interruptible_all(&xsk->backlog_wait);
	}
	release_sock(sk);
	return err;
}

/*
 * Give a child socket, which nobody else sees yet, the connection a
 * transport made for it: the transport, its connection end, and both
 * addresses.  Process context, before the transport hands @child to any
 * other context (its callbacks, its workqueue).
 */
void xdiscon_child_init(struct xdiscon_sock *child,
			const struct xdiscon_transport *t, void *conn, u8 side,
			const struct sockaddr_xdiscon *local,
			const struct sockaddr_xdiscon *remote)
{
	WRITE_ONCE(child->transport, t);
	child->conn = conn;
	child->conn_side = side;
	xdiscon_set_addr(&child->local, local);
	xdiscon_set_addr(&child->remote, remote);
}

/*
 * Publish @child, whose connection is established, on @listener's accept
 * queue: it becomes connected, and accept() may take it at once, so
 * everything it needs must be in place.  Any context but hard IRQ.  On
 * success the queue takes over the caller's reference on @child.  Fails
 * with -ECONNREFUSED once the listener is closing (its state changes
 * under the same lock), and with -EAGAIN when the backlog is full: it is
 * checked here, under the lock, so that concurrent connects cannot all
 * pass a check made before.  The child's state is set under the lock
 * that accept() takes it off the queue with: its acceptor sees it
 * connected.
 */
int xdiscon_publish_child(struct xdiscon_sock *listener,
			  struct xdiscon_sock *child)
{
	struct sock *lsk = &listener->sk;
	int err = 0;

	spin_lock_bh(&lsk->sk_receive_queue.lock);
	if (lsk->sk_state != XDISCON_LISTEN) {
		err = -ECONNREFUSED;
	} else if (sk_acceptq_is_full(lsk)) {
		err = -EAGAIN;
	} else {
		xdiscon_set_state(child, XDISCON_CONNECTED);
		list_add_tail(&child->accept_node, &listener->accept_q);
		child->listener = listener;
		sk_acceptq_added(lsk);
	}
	spin_unlock_bh(&lsk->sk_receive_queue.lock);
	if (!err)
		lsk->sk_data_ready(lsk);
	return err;
}

/*
 * Pending children: connections a transport has taken for a listener but
 * not yet established (the inet handshake), as af_vsock.c keeps its
 * pending sockets.  The list holds a reference on each child; a child
 * leaves it once, and whoever takes it off (its set-up failing, a
 * timer, the listener's close, publishing) owns that reference.  A child
 * counts in @npending from xdiscon_pending_add() until it is published or
 * its taker calls xdiscon_pending_done(), so that one being dropped still
 * holds its place.  Process context.  A transport's predicates run under
 * the listener's pending_lock: they must not sleep, and may take only
 * leaf locks (a queue's, with _bh).
 */

/* Count @child as pending on @listener; true if it was listed too. */
bool xdiscon_pending_add(struct xdiscon_sock *listener,
			 struct xdiscon_sock *child)
{
	bool listed;

	spin_lock(&listener->pending_lock);
	listed = !listener->pending_closing;
	if (listed)
		list_add_tail(&child->pending_node, &listener->pending);
	WRITE_ONCE(listener->npending, listener->npending + 1);
	spin_unlock(&listener->pending_lock);
	return listed;
}

/* Take @child off @listener's list: true if this caller did. */
bool xdiscon_pending_remove(struct xdiscon_sock *listener,
			    struct xdiscon_sock *child)
{
	bool mine = false;

	spin_lock(&listener->pending_lock);
	if (!list_empty(&child->pending_node)) {
		list_del_init(&child->pending_node);
		mine = true;
	}
	spin_unlock(&listener->pending_lock);
	return mine;
}

/* A pending child its taker dropped is gone: its place is free. */
void xdiscon_pending_done(struct xdiscon_sock *listener)
{
	spin_lock(&listener->pending_lock);
	WRITE_ONCE(listener->npending, listener->npending - 1);
	spin_unlock(&listener->pending_lock);
}

unsigned int xdiscon_pending_count(struct xdiscon_sock *listener)
{
	return READ_ONCE(listener->npending);
}

/*
 * Take the oldest pending child that @pred accepts (any, without @pred)
 * off @listener's list, or NULL.  @closing: the listener is emptying the
 * list; from now on nothing joins it.
 */
struct xdiscon_sock *
xdiscon_pending_take(struct xdiscon_sock *listener, bool closing,
		     bool (*pred)(struct xdiscon_sock *child))
{
	struct xdiscon_sock *child, *found = NULL;

	spin_lock(&listener->pending_lock);
	if (closing)
		listener->pending_closing = true;
	list_for_each_entry(child, &listener->pending, pending_node) {
		if (!pred || pred(child)) {
			list_del_init(&child->pending_node);
			found = child;
			break;
		}
	}
	spin_unlock(&listener->pending_lock);
	return found;
}

/*
 * Publish the pending children that @ready says are established, oldest
 * first, while the accept queue has room.  Each moves under
 * @pending_lock, so that the list's reference passes to the queue with no
 * moment where neither holds it and a closing listener finds it in one
 * or the other; and it leaves the list before the queue makes it
 * visible, as accept() and close() may free it at once.  Returns how
 * many moved.
 */
unsigned int xdiscon_pending_publish(struct xdiscon_sock *listener,
				     bool (*ready)(struct xdiscon_sock *child))
{
	struct xdiscon_sock *child, *next;
	unsigned int moved = 0;

	spin_lock(&listener->pending_lock);
	list_for_each_entry_safe(child, next, &listener->pending,
				 pending_node) {
		if (!ready(child))
			continue;
		list_del_init(&child->pending_node);
		if (xdiscon_publish_child(listener, child)) {
			/* Full, or the listener is closing: back in place. */
			list_add_tail(&child->pending_node, &next->pending_node);
			break;
		}
		WRITE_ONCE(listener->npending, listener->npending - 1);
		moved++;
	}
	spin_unlock(&listener->pending_lock);
	return moved;
}

struct xdiscon_sock *xdiscon_dequeue_child(struct xdiscon_sock *l)
{
	struct xdiscon_sock *child;

	spin_lock_bh(&l->sk.sk_receive_queue.lock);
	child = list_first_entry_or_null(&l->accept_q, struct xdiscon_sock,
					 accept_node);
	if (child) {
		list_del_init(&child->accept_node);
		child->listener = NULL;
		sk_acceptq_removed(&l->sk);
	}
	spin_unlock_bh(&l->sk.sk_receive_queue.lock);
	/* Connects waiting for backlog space. */
	if (child)
		wake_up_interruptible_all(&l->backlog_wait);
	return child;
}

static bool xdiscon_accept_ready(struct xdiscon_sock *xsk)
{
	return !list_empty_careful(&xsk->accept_q) ||
	       READ_ONCE(xsk->sk.sk_state) != XDISCON_LISTEN;
}

int xdiscon_accept(struct socket *sock, struct socket *newsock,
		   struct proto_accept_arg *arg)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk), *child = NULL;
	long timeo;
	int err = 0;

	lock_sock(sk);
	timeo = sock_rcvtimeo(sk, arg->flags & O_NONBLOCK);
	add_wait_queue(sk_sleep(sk), &wait);
	while (!err) {
		if (sk->sk_state != XDISCON_LISTEN) {
			err = -EINVAL;
			break;
		}
		child = xdiscon_dequeue_child(xsk);
		if (child)
			break;
		if (!timeo)
			err = -EAGAIN;
		else if (signal_pending(current))
			err = sock_intr_errno(timeo);
		else
			sk_wait_event(sk, &timeo, xdiscon_accept_ready(xsk),
				      &wait);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	release_sock(sk);
	if (err)
		return err;
	/* The transport may queue more now. */
	if (xsk->transport->accepted)
		xsk->transport->accepted(xsk);

	/* The child's reference from the accept queue passes to newsock. */
	lock_sock(&child->sk);
	sock_graft(&child->sk, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(&child->sk);
	return 0;
}
