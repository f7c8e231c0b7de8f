// SPDX-License-Identifier: GPL-2.0
/*
 * Disconnect data: the XDISCON_CMSG_DISCONNECT control message on sendmsg
 * and recvmsg, the SOL_XDISCON socket options, and the size limit.
 *
 * Disconnect data lives in an skb charged to the socket that set it
 * (sock_wmalloc()), so it counts against that socket's memory until the
 * peer that received it is gone.
 */

#include <linux/moduleparam.h>
#include <linux/stringify.h>
#include <linux/skbuff.h>
#include <net/sock.h>
#include <kunit/visibility.h>

#include "xdiscon.h"

/* max_discdata's range (to XDISCON_DISCDATA_CAP) and default. */
#define XDISCON_DISCDATA_MIN	1024
#define XDISCON_DISCDATA_DEFAULT	4096

unsigned int xdiscon_max_discdata = XDISCON_DISCDATA_DEFAULT;
EXPORT_SYMBOL_IF_KUNIT(xdiscon_max_discdata);

static int xdiscon_max_discdata_set(const char *val,
				    const struct kernel_param *kp)
{
	unsigned int n;
	int err;

	err = kstrtouint(val, 0, &n);
	if (err)
		return err;
	if (n < XDISCON_DISCDATA_MIN || n > XDISCON_DISCDATA_CAP)
		return -EINVAL;
	WRITE_ONCE(xdiscon_max_discdata, n);
	return 0;
}

static const struct kernel_param_ops xdiscon_max_discdata_ops = {
	.set = xdiscon_max_discdata_set,
	.get = param_get_uint,
};

/* The parameter's setter, reachable from KUnit. */
int xdiscon_set_max_discdata(const char *val)
{
	return xdiscon_max_discdata_set(val, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(xdiscon_set_max_discdata);

module_param_cb(max_discdata, &xdiscon_max_discdata_ops,
		&xdiscon_max_discdata, 0644);
MODULE_PARM_DESC(max_discdata,
		 "largest disconnect data in bytes ("
		 __stringify(XDISCON_DISCDATA_MIN) ".."
		 __stringify(XDISCON_DISCDATA_CAP) ", default "
		 __stringify(XDISCON_DISCDATA_DEFAULT) ")");

/* An skb holding @len bytes from @data, or ERR_PTR(-EMSGSIZE/-ENOBUFS). */
struct sk_buff *xdiscon_discdata_alloc(struct sock *sk, sockptr_t data,
				       unsigned int len)
{
	struct sk_buff *skb;

	if (len > READ_ONCE(xdiscon_max_discdata))
		return ERR_PTR(-EMSGSIZE);
	skb = sock_wmalloc(sk, len, 1, GFP_KERNEL);
	if (!skb)
		return ERR_PTR(-ENOBUFS);
	if (copy_from_sockptr(skb_put(skb, len), data, len)) {
		kfree_skb(skb);
		return ERR_PTR(-EFAULT);
	}
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(xdiscon_discdata_alloc);

/*
 * Find XDISCON_CMSG_DISCONNECT or XDISCON_CMSG_ABORT in @msg: *@data
 * becomes its payload (an skb, possibly empty) or stays NULL when there
 * is none, and *@abort says which it was.  More than one is EINVAL.
 * Control messages at other levels are ignored, as TCP ignores those it
 * does not know.
 */
int xdiscon_cmsg_disconnect(struct sock *sk, struct msghdr *msg,
			    struct sk_buff **data, bool *abort)
{
	struct cmsghdr *cmsg;
	struct sk_buff *skb;

	for_each_cmsghdr(cmsg, msg) {
		if (!CMSG_OK(msg, cmsg))
			goto einval;
		if (cmsg->cmsg_level != SOL_XDISCON)
			continue;
		if ((cmsg->cmsg_type != XDISCON_CMSG_DISCONNECT &&
		     cmsg->cmsg_type != XDISCON_CMSG_ABORT) || *data)
			goto einval;
		*abort = cmsg->cmsg_type == XDISCON_CMSG_ABORT;
		skb = xdiscon_discdata_alloc(sk,
					     KERNEL_SOCKPTR(CMSG_DATA(cmsg)),
					     cmsg->cmsg_len - CMSG_LEN(0));
		if (IS_ERR(skb)) {
			kfree_skb(*data);
			*data = NULL;
			return PTR_ERR(skb);
		}
		*data = skb;
	}
	return 0;

einval:
	kfree_skb(*data);
	*data = NULL;
	return -EINVAL;
}
EXPORT_SYMBOL_IF_KUNIT(xdiscon_cmsg_disconnect);

/* recvmsg at end of stream: the peer's disconnect data as a cmsg. */
int xdiscon_put_peer_discdata(struct xdiscon_sock *xsk, struct msghdr *msg)
{
	struct sk_buff *data = xsk->peer_disc;

	if (!msg)
		return 0;
	return put_cmsg(msg, SOL_XDISCON, XDISCON_CMSG_DISCONNECT, data->len,
			data->data);
}

int xdiscon_setsockopt(struct socket *sock, int level, int optname,
		       sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	struct sk_buff *skb;
	int err = 0;

	if (level == SOL_TCP)
		return xdiscon_tcp_setsockopt(sk, optname, optval, optlen);
	if (level != SOL_XDISCON)
		return -ENOPROTOOPT;
	if (optname != XDISCON_DISCDATA)
		return -ENOPROTOOPT;

	skb = xdiscon_discdata_alloc(sk, optval, optlen);
	if (IS_ERR(skb))
		return PTR_ERR(skb);
	lock_sock(sk);
	if (sk->sk_shutdown & SEND_SHUTDOWN) {
		err = -EPIPE;	/* the disconnect is already sent */
	} else {
		swap(xsk->discdata, skb);
		WRITE_ONCE(xsk->discdata_len, optlen);
	}
	release_sock(sk);
	kfree_skb(skb);
	return err;
}

/* Copy @len bytes of @data out; ERANGE with the needed size if short. */
int xdiscon_put_data(const void *data, int len, char __user *optval,
		     int __user *optlen)
{
	int ulen;

	if (get_user(ulen, optlen))
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	if (put_user(len, optlen))
		return -EFAULT;
	if (ulen < len)
		return -ERANGE;
	if (copy_to_user(optval, data, len))
		return -EFAULT;
	return 0;
}

/*
 * XDISCON_TX_DONE: nothing of @xsk's is left for the peer to take.  A
 * socket that never connected, or listens, never has anything; one with
 * a connect in progress has its disconnect still to send.  Process
 * context.
 */
static int xdiscon_tx_done(struct xdiscon_sock *xsk)
{
	struct sock *sk = &xsk->sk;
	int done;

	lock_sock(sk);
	done = sk->sk_state == XDISCON_UNCONNECTED ||
	       sk->sk_state == XDISCON_LISTEN ||
	       ((sk->sk_shutdown & SEND_SHUTDOWN) && xsk->transport &&
		xsk->conn && xsk->transport->tx_done(xsk));
	release_sock(sk);
	return done;
}

int xdiscon_getsockopt(struct socket *sock, int level, int optname,
		       char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	struct sk_buff *skb = NULL;
	int err, val;

	if (level == SOL_TCP)
		return xdiscon_tcp_getsockopt(sk, optname, optval, optlen);
	if (level != SOL_XDISCON)
		return -ENOPROTOOPT;

	switch (optname) {
	case XDISCON_MAX_DISCDATA:
		val = READ_ONCE(xdiscon_max_discdata);
		return xdiscon_put_data(&val, sizeof(val), optval, optlen);
	case XDISCON_TX_DONE:
		val = xdiscon_tx_done(xsk);
		return xdiscon_put_data(&val, sizeof(val), optval, optlen);
	case XDISCON_DISCDATA:
		lock_sock(sk);
		if (xsk->discdata)
			skb = skb_get(xsk->discdata);
		release_sock(sk);
		break;
	case XDISCON_PEER_DISCDATA:
	case XDISCON_PEER_ABORTDATA:
		lock_sock(sk);
		if (sk->sk_state != XDISCON_CONNECTED &&
		    sk->sk_state != XDISCON_CLOSED) {
			err = -ENOTCONN;
		} else {
			err = -ENODATA;
			/* Kept once set (a reset may follow the disconnect). */
			spin_lock_bh(&sk->sk_receive_queue.lock);
			skb = optname == XDISCON_PEER_DISCDATA ?
			      xsk->peer_disc : xsk->peer_abort;
			if (skb)
				skb_get(skb);
			spin_unlock_bh(&sk->sk_receive_queue.lock);
		}
		release_sock(sk);
		if (!skb)
			return err;
		break;
	default:
		return -ENOPROTOOPT;
	}

	err = xdiscon_put_data(skb ? skb->data : NULL, skb ? skb->len : 0,
			       optval, optlen);
	kfree_skb(skb);
	return err;
}
