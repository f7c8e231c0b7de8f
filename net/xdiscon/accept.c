// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON listening and accepting: listen(), the accept queue that
 * transports publish their connections' children on, and accept().
 * Lock order and refcounts: xdiscon.h.
 */

#include <linux/net.h>
#include <linux/poll.h>
#include <net/sock.h>

#include "compat.h"
#include "xdiscon.h"

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
			WRITE_ONCE(sk->sk_state, XDISCON_LISTEN);
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
		WRITE_ONCE(child->sk.sk_state, XDISCON_CONNECTED);
		list_add_tail(&child->accept_node, &listener->accept_q);
		child->listener = listener;
		sk_acceptq_added(lsk);
	}
	spin_unlock_bh(&lsk->sk_receive_queue.lock);
	if (!err)
		lsk->sk_data_ready(lsk);
	return err;
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
