// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-resize-race: resizes racing with short-lived mappings.
 *
 *   kbuf-resize-race DEV STORES
 *
 * A thread stores the numbers 1..STORES, number i into 64-bit slot i of
 * DEV, each through a mapping of its page made for that one store and
 * unmapped right after, in bursts of KR_BURST stores with a pause of
 * KR_PAUSE_MS between bursts. Meanwhile the main thread resizes DEV to
 * its own capacity (every slot is kept) again and again until the stores
 * are done, counting the resizes that returned 0 and those that failed
 * with EBUSY (a mapping existed, or came and went during the copy): the
 * pauses let some resizes run with no mapping at all. Then every slot
 * must hold its number: a resize that returned 0 must not have lost a
 * store made through a mapping.
 *
 * Prints "resizes N ebusy M stores K lost L"; exits 1 if L is not 0 or
 * no resize succeeded, 2 on usage errors or an unexpected error.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <time.h>

#include "kbuf-test.h"

#define KR_PAGE 4096UL
#define KR_SLOTS_PER_PAGE (KR_PAGE / sizeof(__u64))
#define KR_BURST 512
#define KR_PAUSE_MS 200

static int kr_fd;
static unsigned long kr_stores;
static atomic_bool kr_done;

/* Store @i in slot @i through a mapping of its page made for it alone. */
static void kr_store(unsigned long i)
{
	__u64 *p;

	p = mmap(NULL, KR_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, kr_fd,
		 (off_t)(i / KR_SLOTS_PER_PAGE * KR_PAGE));
	if (p == MAP_FAILED)
		err(KT_USAGE, "mmap for slot %lu", i);
	p[i % KR_SLOTS_PER_PAGE] = i;
	if (munmap(p, KR_PAGE))
		err(KT_USAGE, "munmap");
}

static void *kr_mapper(void *arg)
{
	const struct timespec pause = { .tv_nsec = KR_PAUSE_MS * 1000000L };
	unsigned long i;

	(void)arg;
	for (i = 1; i <= kr_stores; i++) {
		kr_store(i);
		if (i % KR_BURST == 0)
			nanosleep(&pause, NULL);
	}
	atomic_store(&kr_done, true);
	return NULL;
}

/* Resize to @size until the stores are done; count the outcomes. */
static void kr_resize(__u64 size, unsigned long *ok, unsigned long *busy)
{
	*ok = 0;
	*busy = 0;
	while (!atomic_load(&kr_done)) {
		if (!ioctl(kr_fd, KBUF_IOC_RESIZE, &size))
			(*ok)++;
		else if (errno == EBUSY)
			(*busy)++;
		else
			err(KT_USAGE, "KBUF_IOC_RESIZE");
	}
}

static unsigned long kr_lost(void)
{
	size_t len = (kr_stores + 1) * sizeof(__u64);
	unsigned long i, lost = 0;
	__u64 *m;

	m = mmap(NULL, len, PROT_READ, MAP_SHARED, kr_fd, 0);
	if (m == MAP_FAILED)
		err(KT_USAGE, "mmap to check");
	for (i = 1; i <= kr_stores; i++)
		lost += m[i] != i;
	munmap(m, len);
	return lost;
}

int main(int argc, char **argv)
{
	unsigned long ok, busy, lost;
	struct kbuf_info info;
	pthread_t mapper;

	if (argc != 3)
		errx(KT_USAGE, "usage: kbuf-resize-race DEV STORES");
	kr_fd = kt_open(argv[1], O_RDWR);
	kr_stores = kt_u64(argv[2]);
	if (ioctl(kr_fd, KBUF_IOC_INFO, &info))
		err(KT_USAGE, "KBUF_IOC_INFO");
	if ((kr_stores + 1) * sizeof(__u64) > info.map_size)
		errx(KT_USAGE, "%lu stores do not fit in %s", kr_stores,
		     argv[1]);
	if (pthread_create(&mapper, NULL, kr_mapper, NULL))
		errx(KT_USAGE, "pthread_create");
	kr_resize(info.capacity, &ok, &busy);
	pthread_join(mapper, NULL);
	lost = kr_lost();
	printf("resizes %lu ebusy %lu stores %lu lost %lu\n", ok, busy,
	       kr_stores, lost);
	return lost || !ok ? 1 : 0;
}
