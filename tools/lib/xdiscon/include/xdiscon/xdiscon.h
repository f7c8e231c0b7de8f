/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libxdiscon: AF_XDISCON for applications.  Every call returns -1 with
 * errno set on failure, as the socket calls do.  See xdiscon(7) and the
 * section 3 pages of each function.
 */
#ifndef _XDISCON_XDISCON_H
#define _XDISCON_XDISCON_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <linux/xdiscon.h>

#ifdef __cplusplus
extern "C" {
#endif

/* *dlen after xd_recv() when no disconnect came with the data. */
#define XD_NO_DISCONNECT ((size_t)-1)

/* Longest text xd_format_addr() writes, with the NUL. */
#define XD_ADDRSTRLEN 64

int xd_family(void);
int xd_socket(int type);
int xd_parse_addr(const char *text, struct sockaddr_xdiscon *addr);
int xd_format_addr(const struct sockaddr_xdiscon *addr, char *buf,
		   size_t len);

int xd_send_disconnect(int fd, const void *data, size_t len);
ssize_t xd_recv_disconnect(int fd, void *buf, size_t len);
ssize_t xd_send_final(int fd, const void *buf, size_t len, const void *data,
		      size_t dlen, int flags);
ssize_t xd_recv(int fd, void *buf, size_t len, int flags, void *data,
		size_t *dlen);
int xd_wait_disconnect(int fd, int timeout_ms);
int xd_close_graceful(int fd, int timeout_s);
int xd_close_abortive(int fd);
int xd_abort(int fd, const void *data, size_t len);
ssize_t xd_peer_abort_data(int fd, void *buf, size_t len);

/* Control message helpers: build or find XDISCON_CMSG_DISCONNECT. */
size_t xd_cmsg_space(size_t dlen);
int xd_cmsg_put_disconnect(struct msghdr *msg, const void *data,
			   size_t dlen);
int xd_cmsg_get_disconnect(const struct msghdr *msg, const void **data,
			   size_t *dlen);

#ifdef __cplusplus
}
#endif

#endif /* _XDISCON_XDISCON_H */
