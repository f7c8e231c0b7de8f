/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inet transport's wire format and frame reader (inet_wire.c), which
 * the rest of the transport (through inet.h) and KUnit include.  The
 * wire format is in Documentation/networking/xdiscon.rst.
 */
#ifndef _XDISCON_INET_WIRE_H
#define _XDISCON_INET_WIRE_H

#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#define XD_WIRE_MAGIC		0x58445343	/* "XDSC" */
#define XD_WIRE_VERSION		2	/* the newest this module speaks */
#define XD_WIRE_VERSION_MIN	1	/* the oldest */
#define XD_WIRE_VERSION_ABORT	2	/* the first with XD_FRAME_ABORT */

enum xd_frame_type {
	XD_FRAME_HELLO = 1,
	XD_FRAME_DATA = 2,
	XD_FRAME_DISCONNECT = 3,
	XD_FRAME_ABORT = 4,	/* version 2 on */
};

/* Every frame: this header, then @len bytes of payload. */
struct xd_frame_hdr {
	u8 type;
	u8 flags;		/* 0 */
	__be16 reserved;	/* 0 */
	__be32 len;
};

#define XD_HDR_LEN		sizeof(struct xd_frame_hdr)
#define XD_MAX_DATA		65536

/*
 * The first frame each way: the connecting side's at connect(), offering
 * the newest version it speaks; the listening side's once that arrives,
 * naming the version of the connection: the older of the offer and its
 * own newest.  A listener that names a version older than the offer
 * (version 1 sends its HELLO without waiting, and resets an offer it
 * does not know) makes the connecting side connect again, offering that
 * version (xd_inet_redial()).  Each side checks the other's type.
 */
struct xd_hello {
	__be32 magic;
	u8 version;
	u8 sock_type;		/* XD_WIRE_STREAM or XD_WIRE_SEQPACKET */
	u8 reserved[2];		/* 0 */
};

#define XD_WIRE_STREAM		1
#define XD_WIRE_SEQPACKET	2

/*
 * The rules a peer can break, each of which resets the connection (the
 * xdiscon_inet_protocol_error tracepoint names it).
 */
enum xd_wire_rule {
	XD_RULE_HEADER,		/* a frame header the format does not allow */
	XD_RULE_ORDER,		/* a frame out of place (data before HELLO...) */
	XD_RULE_HELLO,		/* a HELLO with a bad magic, version or type */
	XD_RULE_TRUNCATED,	/* FIN in the middle of a frame */
	XD_RULE_NO_DISCONNECT,	/* FIN without the disconnect frame */
};

int xd_frame_check(const struct xd_frame_hdr *hdr);

struct xd_reader;

/*
 * struct xd_reader_ops - what a frame reader reads from
 * @inq: bytes the stream holds in order, ready to read (tcp_inq()).
 * @full: the stream takes no more until it is read: a frame begun must
 *	be taken in parts (what tls_strp.c asks of tcp_epollin_ready()).
 * @read: hand what the stream holds to @actor (tcp_read_sock()).
 * @frame: take a whole frame: @skb (the caller's now) holds its payload
 *	from XDISCON_SKB_CB(skb)->consumed to ->end.  May stop the reader
 *	with xd_reader_pause().
 */
struct xd_reader_ops {
	u32 (*inq)(struct xd_reader *rd);
	bool (*full)(struct xd_reader *rd);
	int (*read)(struct xd_reader *rd, read_descriptor_t *desc,
		    sk_read_actor_t actor);
	void (*frame)(struct xd_reader *rd, struct sk_buff *skb, u8 type);
};

/*
 * struct xd_reader - cuts a byte stream into frames
 *
 * Every field is the stream's owner's: for a TCP socket, its lock (its
 * callbacks in softirq, or process context under lock_sock()).
 *
 * @ops: the stream.
 * @sk: the TCP socket, for @ops.
 * @hdr: the frame's header; @got bytes of it so far.
 * @left: payload bytes of the frame still in the stream.
 * @skb: the payload so far (between reads only when the stream filled
 *	before the frame was whole, or memory ran short): one clone of a
 *	stream skb, or a head whose frag_list holds the clones, @last the
 *	latest of them.
 * @start: where the payload begins in @skb.
 * @avail: bytes this read may still take (see xd_reader_read()).
 * @paused: the frame op paused; only xd_reader_unpause() reads again.
 * @nomem: this read found no memory.
 * @err: the stream broke the wire format (-EPROTO, -EMSGSIZE), or
 *	stopped short of what it held (TCP's urgent data): sticky.
 */
struct xd_reader {
	const struct xd_reader_ops *ops;
	struct sock *sk;
	struct xd_frame_hdr hdr;
	u8 got;
	u32 left;
	struct sk_buff *skb;
	struct sk_buff *last;
	u32 start;
	u32 avail;
	bool paused;
	bool nomem;
	int err;
};

void xd_reader_init(struct xd_reader *rd, struct sock *sk,
		    const struct xd_reader_ops *ops);
int xd_reader_read(struct xd_reader *rd);
void xd_reader_done(struct xd_reader *rd);

/* Stop after the frame in hand: from the frame op. */
static inline void xd_reader_pause(struct xd_reader *rd)
{
	rd->paused = true;
}

static inline void xd_reader_unpause(struct xd_reader *rd)
{
	rd->paused = false;
}

static inline bool xd_reader_stopped(const struct xd_reader *rd)
{
	return rd->paused || rd->err;
}

/* Has the reader taken part of a frame (its header, at least)? */
static inline bool xd_reader_mid_frame(const struct xd_reader *rd)
{
	return rd->got;
}

/* The bytes the stream must hold before the reader can go on. */
static inline u32 xd_reader_need(const struct xd_reader *rd)
{
	return rd->got < XD_HDR_LEN ? XD_HDR_LEN - rd->got : rd->left;
}

#endif /* _XDISCON_INET_WIRE_H */
