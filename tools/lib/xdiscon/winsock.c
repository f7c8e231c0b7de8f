// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* The Winsock porting layer: see <xdiscon/winsock.h>. */
#include <errno.h>

#include <xdiscon/winsock.h>

int xd_wsa_error(int err)
{
	switch (err) {
	case 0:			return 0;
	case EINTR:		return WSAEINTR;
	case EFAULT:		return WSAEFAULT;
	case EINVAL:		return WSAEINVAL;
	case EWOULDBLOCK:	return WSAEWOULDBLOCK;
	case EINPROGRESS:	return WSAEINPROGRESS;
	case EALREADY:		return WSAEINPROGRESS;
	case EBADF:
	case ENOTSOCK:		return WSAENOTSOCK;
	case EMSGSIZE:		return WSAEMSGSIZE;
	case ENOPROTOOPT:	return WSAENOPROTOOPT;
	case EPROTONOSUPPORT:	return WSAEPROTONOSUPPORT;
	case ESOCKTNOSUPPORT:	return WSAESOCKTNOSUPPORT;
	case EOPNOTSUPP:	return WSAEOPNOTSUPP;
	case EAFNOSUPPORT:	return WSAEAFNOSUPPORT;
	case EADDRINUSE:	return WSAEADDRINUSE;
	case EADDRNOTAVAIL:	return WSAEADDRNOTAVAIL;
	case ENETDOWN:		return WSAENETDOWN;
	case ENETUNREACH:	return WSAENETUNREACH;
	case EHOSTDOWN:		return WSAEHOSTDOWN;
	case EHOSTUNREACH:	return WSAEHOSTUNREACH;
	case ECONNABORTED:	return WSAECONNABORTED;
	case ECONNRESET:	return WSAECONNRESET;
	case ENOBUFS:
	case ENOMEM:		return WSAENOBUFS;
	case EISCONN:		return WSAEISCONN;
	case ENOTCONN:		return WSAENOTCONN;
	case EPIPE:		return WSAESHUTDOWN;
	case ETIMEDOUT:		return WSAETIMEDOUT;
	case ECONNREFUSED:	return WSAECONNREFUSED;
	case ENODATA:		return WSAEWOULDBLOCK;	/* no disconnect yet */
	default:		return WSAEINVAL;
	}
}

int WSAGetLastError(void)
{
	return xd_wsa_error(errno);
}

int WSASendDisconnect(SOCKET s, LPWSABUF data)
{
	if (xd_send_disconnect(s, data ? data->buf : NULL,
			       data ? data->len : 0))
		return SOCKET_ERROR;
	return 0;
}

int WSARecvDisconnect(SOCKET s, LPWSABUF data)
{
	ssize_t n;

	/* No buffer: discard the disconnect data, shut the receive side. */
	if (!data)
		return shutdown(s, SHUT_RD) ? SOCKET_ERROR : 0;
	n = xd_recv_disconnect(s, data->buf, data->len);
	if (n < 0)
		return SOCKET_ERROR;
	data->len = n;
	return 0;
}
