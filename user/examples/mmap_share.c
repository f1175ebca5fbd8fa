// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap_share: two processes share one kbuf buffer through their own
 * mappings. Each opens and maps the device independently (nothing is
 * inherited but two pipes); the parent writes, the child sees it and
 * answers, the parent sees the answer. The pipes order the steps.
 *
 * Usage: mmap_share [DEVICE]   (default /dev/kbuf/vmalloc)
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_LEN 4096
#define ANSWER_AT 2048 /* the child answers in the second half */

static char *map_device(const char *dev)
{
	char *map;
	int fd = open(dev, O_RDWR);

	if (fd < 0)
		err(1, "%s", dev);
	map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		err(1, "%s: mmap", dev);
	close(fd); /* the mapping keeps the buffer */
	return map;
}

/* Block until the other side says the data is there. */
static void wait_for(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		errx(1, "the other process went away");
}

static int child_side(const char *dev, int from_parent, int to_parent)
{
	char *map = map_device(dev);

	wait_for(from_parent);
	printf("child sees:  %s\n", map);
	fflush(stdout);
	strcpy(map + ANSWER_AT, "hello from the child");
	if (write(to_parent, "!", 1) != 1)
		err(1, "pipe");
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/kbuf/vmalloc";
	int down[2], up[2], status;
	char *map;
	pid_t pid;

	if (pipe(down) || pipe(up))
		err(1, "pipe");
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid == 0) {
		/* Close the ends we do not use: EOF then means "gone". */
		close(down[1]);
		close(up[0]);
		return child_side(dev, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);

	map = map_device(dev);
	memset(map, 0, MAP_LEN);
	strcpy(map, "hello from the parent");
	if (write(down[1], "!", 1) != 1)
		err(1, "pipe");
	wait_for(up[0]);
	printf("parent sees: %s\n", map + ANSWER_AT);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		errx(1, "the child failed");
	return WEXITSTATUS(status);
}
