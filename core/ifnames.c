// SPDX-License-Identifier: MIT
/*
 * One ifindex -> name map per listing (struct pl_ifnames): filled from the listing's own link
 * messages, or by SIOCGIFNAME on the handle's socket once per distinct ifindex, so that a dump
 * of N routes or addresses costs no request per record. Owned by the caller (no global state).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

static uint32_t pl_ifnames_slot(const struct pl_ifnames *m, uint32_t idx)
{
	return (idx * 2654435761u) & (m->cap - 1);
}

static struct pl_ifname *pl_ifnames_find(const struct pl_ifnames *m, uint32_t idx)
{
	uint32_t i;

	if (!m->cap)
		return NULL;
	for (i = pl_ifnames_slot(m, idx); m->v[i].idx; i = (i + 1) & (m->cap - 1))
		if (m->v[i].idx == idx)
			return &m->v[i];
	return NULL;
}

static int pl_ifnames_grow(struct pl_ifnames *m)
{
	uint32_t cap = m->cap ? m->cap * 2 : 64, i;
	struct pl_ifname *old = m->v, *v = calloc(cap, sizeof(*v));
	uint32_t ocap = m->cap;

	if (!v)
		return -1;
	m->v = v;
	m->cap = cap;
	m->last = NULL;
	for (i = 0; i < ocap; i++)
		if (old[i].idx) {
			uint32_t j = pl_ifnames_slot(m, old[i].idx);

			while (v[j].idx)
				j = (j + 1) & (cap - 1);
			v[j] = old[i];
		}
	free(old);
	return 0;
}

int pl_ifnames_put(struct pl_ifnames *m, uint32_t idx, const char *name, size_t len)
{
	struct pl_ifname *en;
	uint32_t i;

	if (!idx)
		return -1;
	if (len >= sizeof(en->name))
		len = sizeof(en->name) - 1;
	en = pl_ifnames_find(m, idx);
	if (!en) {
		if ((m->n + 1) * 4 > m->cap * 3 && pl_ifnames_grow(m) < 0)
			return -1;	/* out of memory: names are then looked up later */
		for (i = pl_ifnames_slot(m, idx); m->v[i].idx; i = (i + 1) & (m->cap - 1))
			;
		en = &m->v[i];
		en->idx = idx;
		m->n++;
	}
	memcpy(en->name, name, len);
	en->name[len] = '\0';
	return 0;
}

const char *pl_ifnames_get(struct pl_ifnames *m, uint32_t idx)
{
	struct pl_ifname *en;
	struct ifreq ifr;

	if (m->last && m->last->idx == idx)
		return m->last->name[0] ? m->last->name : NULL;
	en = pl_ifnames_find(m, idx);
	if (!en && m->fd >= 0 && idx <= INT32_MAX) {
		/* Once per distinct ifindex; a device that is gone is remembered as "" (unknown). */
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_ifindex = (int)idx;
		if (ioctl(m->fd, SIOCGIFNAME, &ifr) < 0)
			ifr.ifr_name[0] = '\0';
		ifr.ifr_name[IFNAMSIZ - 1] = '\0';
		if (pl_ifnames_put(m, idx, ifr.ifr_name, strlen(ifr.ifr_name)) == 0)
			en = pl_ifnames_find(m, idx);
	}
	if (!en)
		return NULL;
	m->last = en;
	return en->name[0] ? en->name : NULL;
}

void pl_ifnames_free(struct pl_ifnames *m)
{
	free(m->v);
	m->v = NULL;
	m->last = NULL;
	m->n = m->cap = 0;
}

void pl_sink_ifname(struct pl_sink *k, const char *key, uint32_t idx)
{
	const char *name = k->names ? pl_ifnames_get(k->names, idx) : NULL;

	if (name)
		k->str(k, key, name);
	else
		k->ifindex(k, key, idx);
}

void pl_sink_ifindex(struct pl_sink *k, const char *key, uint32_t idx)
{
	if (k->ifindex && idx)
		pl_sink_ifname(k, key, idx);
	else
		k->integer(k, key, (long long)idx);
}
