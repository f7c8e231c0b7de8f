// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON's tracepoints (trace.h) are defined here, with the helper
 * every change of a socket's state goes through, which traces it.
 */

#include <net/sock.h>

#include "xdiscon.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * Move @xsk to @state, traced (xdiscon_state).  /proc and poll read
 * sk_state locklessly: WRITE_ONCE().  Under lock_sock(), or with the
 * socket not yet published (an accepted one, under its listener's
 * sk_receive_queue.lock).
 */
void xdiscon_set_state(struct xdiscon_sock *xsk, int state)
{
	int old = xsk->sk.sk_state;

	if (old == state)
		return;
	WRITE_ONCE(xsk->sk.sk_state, state);
	trace_xdiscon_state(xsk, old, state);
}
