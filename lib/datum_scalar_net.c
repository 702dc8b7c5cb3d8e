/*
 * Network types: macaddr, macaddr8, inet and cidr.
 *
 * inet and cidr share one payload: family (2 IPv4, 3 IPv6), the netmask
 * length in bits, then the 4 or 16 address bytes.  inet omits a netmask
 * that covers the whole address, cidr always prints it.  IPv6 in the
 * customary compressed form: lowercase hex groups without leading zeros,
 * the first longest run of two or more zero groups as "::", and the last
 * four bytes as a dotted quad after ::  or ::ffff: (IPv4-compatible and
 * -mapped addresses).
 */
#include "datum_scalar_family.h"

#define NET_AF_INET		2
#define NET_AF_INET6	3

static void
append_mac(text_buf *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		text_buf_appendf(out, i ? ":%02x" : "%02x", p[i]);
}

static void
append_ipv6(text_buf *out, const uint8_t *a)
{
	unsigned	w[8];
	int			best = -1,
				best_len = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned) a[2 * i] << 8 | a[2 * i + 1];
	for (int i = 0; i < 8;)
	{
		int			j = i;

		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len)
		{
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best_len < 2)
		best = -1;

	for (int i = 0; i < 8; i++)
	{
		if (i == best)
		{
			text_buf_append(out, ":", 1);
			i += best_len - 1;
			if (i == 7)
				text_buf_append(out, ":", 1);
			continue;
		}
		if (i > 0)
			text_buf_append(out, ":", 1);
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
		{
			text_buf_appendf(out, "%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
			return;
		}
		text_buf_appendf(out, "%x", w[i]);
	}
}

static scalar_status
inet_out(bool cidr, const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	const char *type = cidr ? "cidr" : "inet";
	unsigned	maxbits;

	if (len < 2)
		return scalar_malformed(why, why_len, "%s value of %zu bytes", type, len);
	if (p[0] == NET_AF_INET)
		maxbits = 32;
	else if (p[0] == NET_AF_INET6)
		maxbits = 128;
	else
		return scalar_malformed(why, why_len, "%s value of address family %u", type, p[0]);
	if (!scalar_len_ok(type, len, 2 + maxbits / 8, why, why_len))
		return SCALAR_MALFORMED;
	if (p[1] > maxbits)
		return scalar_malformed(why, why_len, "%s value with a netmask of %u bits", type, p[1]);

	if (maxbits == 32)
		text_buf_appendf(out, "%u.%u.%u.%u", p[2], p[3], p[4], p[5]);
	else
		append_ipv6(out, p + 2);
	if (cidr || p[1] != maxbits)
		text_buf_appendf(out, "/%u", p[1]);
	return SCALAR_OK;
}

scalar_status
datum_scalar_net(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
				 char *why, size_t why_len)
{
	switch (typid)
	{
		case SCALAR_MACADDR:
			if (!scalar_len_ok("macaddr", len, 6, why, why_len))
				return SCALAR_MALFORMED;
			append_mac(out, p, 6);
			return SCALAR_OK;
		case SCALAR_MACADDR8:
			if (!scalar_len_ok("macaddr8", len, 8, why, why_len))
				return SCALAR_MALFORMED;
			append_mac(out, p, 8);
			return SCALAR_OK;
		case SCALAR_INET:
		case SCALAR_CIDR:
			return inet_out(typid == SCALAR_CIDR, p, len, out, why, why_len);
		default:
			return SCALAR_UNKNOWN;
	}
}
