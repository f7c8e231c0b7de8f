// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport's wire format: the rules for a frame's header, and
 * the reader that cuts the TCP stream into frames.
 *
 * The reader runs over tcp_read_sock(), as TLS's own reader does
 * (net/tls/tls_strp.c): it copies each 8-byte header, and takes the
 * payload as clones of TCP's skbs, so a payload byte is copied only by
 * whoever reads it out of the socket.  It begins a payload once TCP holds
 * all of it (tcp_inq()), and then takes it whole in that read; the
 * transport keeps TCP's receive buffer at two frames at least, so that a
 * whole frame fits.  Should TCP fill up before a frame is whole all the
 * same (its window follows the truesize its driver allocates), the
 * reader takes the frame in parts, which frees TCP's buffer.  Between
 * reads it keeps a frame's header, or in those cases (or when memory ran
 * short) the part of a frame it took.  A header the format does not
 * allow, or a stream that stops short of what it holds, stops it for
 * good.
 */

#include <kunit/visibility.h>
#include <linux/skbuff.h>
#include <net/tcp.h>

#include "xdiscon.h"
#include "inet_wire.h"

/*
 * The payload length of a frame with header @hdr, or -EPROTO for a
 * header the wire format does not allow, or -EMSGSIZE for a payload
 * longer than its type's limit.  Any context.
 */
int xd_frame_check(const struct xd_frame_hdr *hdr)
{
	u32 len = be32_to_cpu(hdr->len);

	if (hdr->flags || hdr->reserved)
		return -EPROTO;
	switch (hdr->type) {
	case XD_FRAME_HELLO:
		return len == sizeof(struct xd_hello) ? len : -EPROTO;
	case XD_FRAME_DATA:
		return len <= XD_MAX_DATA ? len : -EMSGSIZE;
	case XD_FRAME_DISCONNECT:
	case XD_FRAME_ABORT:
		/* No more than XDISCON_MAX_DISCDATA says a reader may get. */
		return len <= READ_ONCE(xdiscon_max_discdata) ? len : -EMSGSIZE;
	default:
		return -EPROTO;
	}
}
EXPORT_SYMBOL_IF_KUNIT(xd_frame_check);

void xd_reader_init(struct xd_reader *rd, struct sock *sk,
		    const struct xd_reader_ops *ops)
{
	memset(rd, 0, sizeof(*rd));
	rd->ops = ops;
	rd->sk = sk;
}
EXPORT_SYMBOL_IF_KUNIT(xd_reader_init);

/* Forget the frame in hand, if any. */
static void xd_reader_reset_frame(struct xd_reader *rd)
{
	rd->got = 0;
	rd->left = 0;
	rd->skb = NULL;
	rd->last = NULL;
	rd->start = 0;
}

/* Free the frame in hand: the stream is closing. */
void xd_reader_done(struct xd_reader *rd)
{
	kfree_skb(rd->skb);
	xd_reader_reset_frame(rd);
}
EXPORT_SYMBOL_IF_KUNIT(xd_reader_done);

/* Copy up to @len bytes of the header from @skb at @off. */
static int xd_reader_hdr(struct xd_reader *rd, read_descriptor_t *desc,
			 struct sk_buff *skb, u32 off, u32 len)
{
	u32 n = min_t(u32, len, XD_HDR_LEN - rd->got);
	int plen;

	/* A header is taken in one read. */
	if (!rd->got && rd->avail < XD_HDR_LEN) {
		desc->count = 0;
		return 0;
	}
	if (skb_copy_bits(skb, off, (u8 *)&rd->hdr + rd->got, n)) {
		rd->err = -EPROTO;
		desc->count = 0;
		return 0;
	}
	rd->got += n;
	if (rd->got == XD_HDR_LEN) {
		plen = xd_frame_check(&rd->hdr);
		if (plen < 0) {
			rd->err = plen;
			desc->count = 0;
		} else {
			rd->left = plen;
		}
	}
	return n;
}

/*
 * Add @skb's bytes from @off to the payload, as a clone of @skb: the
 * first one as it is (@start says where the payload begins), a later one
 * pulled to @off (0, unless TCP queued @skb overlapping the one before);
 * from the second on, all under a head skb of their own, as its
 * frag_list.  Bytes past the frame's end stay in the last clone, unread.
 * False when memory ran short: nothing changed.
 */
static bool xd_reader_take(struct xd_reader *rd, struct sk_buff *skb,
			   u32 off)
{
	struct sk_buff *piece, *head;

	piece = skb_clone(skb, GFP_ATOMIC);
	if (!piece)
		return false;
	if (!rd->skb) {
		rd->skb = piece;
		rd->start = off;
		return true;
	}
	if (off && !pskb_pull(piece, off))
		goto fail;
	if (!rd->last) {
		head = alloc_skb(0, GFP_ATOMIC);
		if (!head)
			goto fail;
		skb_shinfo(head)->frag_list = rd->skb;
		head->len = rd->skb->len;
		head->data_len = rd->skb->len;
		head->truesize += rd->skb->truesize;
		rd->last = rd->skb;
		rd->skb = head;
	}
	rd->last->next = piece;
	rd->last = piece;
	head = rd->skb;
	head->len += piece->len;
	head->data_len += piece->len;
	head->truesize += piece->truesize;
	return true;
fail:
	kfree_skb(piece);
	return false;
}

/* The frame is whole: hand it over. */
static void xd_reader_deliver(struct xd_reader *rd)
{
	struct sk_buff *skb = rd->skb;
	u8 type = rd->hdr.type;

	XDISCON_SKB_CB(skb)->consumed = rd->start;
	XDISCON_SKB_CB(skb)->end = rd->start + be32_to_cpu(rd->hdr.len);
	xd_reader_reset_frame(rd);
	rd->ops->frame(rd, skb, type);
}

/* Take up to @len bytes of the payload from @skb at @off. */
static int xd_reader_payload(struct xd_reader *rd, read_descriptor_t *desc,
			     struct sk_buff *skb, u32 off, u32 len)
{
	u32 n = min_t(u32, len, rd->left);

	/* A payload is begun once it is all there, or TCP is full. */
	if (!rd->skb && rd->avail < rd->left && !rd->ops->full(rd)) {
		desc->count = 0;
		return 0;
	}
	if (!xd_reader_take(rd, skb, off)) {
		rd->nomem = true;
		desc->count = 0;
		return 0;
	}
	rd->left -= n;
	return n;
}

/* The frame is whole (or empty): hand it over, if memory allows. */
static void xd_reader_complete(struct xd_reader *rd, read_descriptor_t *desc)
{
	if (!rd->skb)
		rd->skb = alloc_skb(0, GFP_ATOMIC);
	if (!rd->skb) {
		rd->nomem = true;
		desc->count = 0;
		return;
	}
	xd_reader_deliver(rd);
	if (rd->paused)
		desc->count = 0;
}

/*
 * tcp_read_sock()'s actor: take frames from @len bytes of @skb at @off
 * (none: only deliver a frame whose payload is in hand).  Returns the
 * bytes taken; clears desc->count to stop the read.
 */
static int xd_reader_actor(read_descriptor_t *desc, struct sk_buff *skb,
			   unsigned int off, size_t len)
{
	struct xd_reader *rd = desc->arg.data;
	u32 used = 0, n;

	while (desc->count) {
		if (rd->got == XD_HDR_LEN && !rd->left) {
			xd_reader_complete(rd, desc);
			continue;
		}
		if (used == len)
			break;
		if (rd->got < XD_HDR_LEN)
			n = xd_reader_hdr(rd, desc, skb, off + used, len - used);
		else
			n = xd_reader_payload(rd, desc, skb, off + used,
					      len - used);
		used += n;
		rd->avail -= min(n, rd->avail);
	}
	return used;
}

/*
 * Is the reader waiting for the rest of a payload, which the stream does
 * not hold yet?  A read would take nothing, and cost TCP its bookkeeping.
 * (Short of a header it reads all the same: a read that stops short of
 * what TCP holds is how urgent data shows.)
 */
static bool xd_reader_waits(struct xd_reader *rd)
{
	return xd_reader_mid_frame(rd) && !rd->skb && rd->avail < rd->left &&
	       !rd->ops->full(rd);
}

/*
 * Take what frames the stream holds, until it holds no whole one or the
 * frame op pauses.  Returns 0, -ENOMEM when memory ran short (call again
 * later: the reader goes on where it stopped), or the error that stopped
 * the reader (once; later reads do nothing).  In the stream owner's
 * context.
 */
int xd_reader_read(struct xd_reader *rd)
{
	read_descriptor_t desc = { .arg.data = rd, .count = 1 };

	if (xd_reader_stopped(rd))
		return 0;
	rd->avail = rd->ops->inq(rd);
	rd->nomem = false;
	xd_reader_actor(&desc, NULL, 0, 0);
	if (!desc.count || !rd->avail || xd_reader_waits(rd))
		goto out;
	rd->ops->read(rd, &desc, xd_reader_actor);
	/*
	 * Unless the actor stopped it, the read ends with all the stream
	 * held: else something the wire format has no place for (TCP's
	 * urgent mark) stopped it, and would every time.
	 */
	if (desc.count && rd->avail)
		rd->err = -EPROTO;
out:
	if (rd->err)
		return rd->err;
	return rd->nomem ? -ENOMEM : 0;
}
EXPORT_SYMBOL_IF_KUNIT(xd_reader_read);
