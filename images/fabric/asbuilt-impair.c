/*
 * asbuilt-impair: a lossy, slow piece of cable for the lab fabric.
 *
 *   asbuilt-impair PORT RELAY LOSS_PERCENT DELAY_MS
 *
 * Carries every Ethernet frame between the interfaces PORT (a node's cable end) and
 * RELAY (whose veth peer sits on the segment's bridge), in both directions, dropping
 * LOSS_PERCENT of them at random and holding each one DELAY_MS milliseconds first.
 *
 * Why a program: `tc netem` does this in the kernel, but many kernels (this project's
 * build machines among them) are built without it. AF_PACKET sockets exist everywhere.
 * It runs in the fabric, out of the students' reach, and only on impaired cables.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A GSO frame of up to 64 KB plus its virtio-net header. */
#define FRAME_MAX (65536 + 64)
/* Frames waiting in one direction: at 1 Gbit/s and 1 s of delay this is far too few,
 * but lab traffic is pings and web pages. A full queue drops, like a full buffer. */
#define QUEUE_LEN 4096

struct frame {
	uint64_t due_ns;
	size_t len;
	unsigned char *data;
};

struct queue {
	struct frame slots[QUEUE_LEN];
	size_t head, count;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_port(const char *name, int *ifindex)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("asbuilt-impair: socket");
		exit(1);
	}
	*ifindex = (int)if_nametoindex(name);
	if (*ifindex == 0) {
		fprintf(stderr, "asbuilt-impair: no interface %s\n", name);
		exit(1);
	}
	struct sockaddr_ll addr = {0};
	addr.sll_family = AF_PACKET;
	addr.sll_protocol = htons(ETH_P_ALL);
	addr.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("asbuilt-impair: bind");
		exit(1);
	}
	/* Frames we send out of this interface come back to the socket as outgoing:
	 * ignore them, or every frame would loop. */
	int one = 1;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	/* A node's TCP stack hands veths frames of up to 64 KB to be cut up later (GSO).
	 * With a virtio-net header in front of each frame, the kernel tells us so on
	 * receive and does the cutting on send, exactly as for a virtual machine's tap. */
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) {
		perror("asbuilt-impair: PACKET_VNET_HDR");
		exit(1);
	}
	return fd;
}

/* Whether to drop the next frame, at the given percentage. */
static int lose(double percent)
{
	if (percent <= 0)
		return 0;
	uint32_t r;
	if (getrandom(&r, sizeof r, 0) != sizeof r)
		r = (uint32_t)rand();
	return (double)r / 4294967296.0 * 100.0 < percent;
}

static void push(struct queue *q, const unsigned char *data, size_t len, uint64_t due)
{
	if (q->count == QUEUE_LEN)
		return;
	struct frame *f = &q->slots[(q->head + q->count) % QUEUE_LEN];
	f->data = malloc(len);
	if (!f->data)
		return;
	memcpy(f->data, data, len);
	f->len = len;
	f->due_ns = due;
	q->count++;
}

/* Sends every frame that is due; returns ms until the next one, or -1 if none wait. */
static int flush(struct queue *q, int fd, uint64_t now)
{
	while (q->count > 0) {
		struct frame *f = &q->slots[q->head];
		if (f->due_ns > now)
			return (int)((f->due_ns - now + 999999) / 1000000);
		if (send(fd, f->data, f->len, 0) < 0 && errno != ENOBUFS && errno != ENETDOWN)
			perror("asbuilt-impair: send");
		free(f->data);
		q->head = (q->head + 1) % QUEUE_LEN;
		q->count--;
	}
	return -1;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: asbuilt-impair PORT RELAY LOSS_PERCENT DELAY_MS\n");
		return 2;
	}
	double loss = atof(argv[3]);
	uint64_t delay_ns = (uint64_t)strtoull(argv[4], NULL, 10) * 1000000u;
	int index[2];
	int fd[2] = {open_port(argv[1], &index[0]), open_port(argv[2], &index[1])};
	/* queue[i] holds frames received on fd[i], waiting to go out of the other port. */
	static struct queue queue[2];
	static unsigned char buffer[FRAME_MAX];
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "asbuilt-impair: %s <-> %s, %.1f%% loss, %llu ms delay\n", argv[1], argv[2], loss,
		(unsigned long long)(delay_ns / 1000000u));

	for (;;) {
		uint64_t now = now_ns();
		int timeout = min_timeout(flush(&queue[0], fd[1], now), flush(&queue[1], fd[0], now));
		struct pollfd p[2] = {{fd[0], POLLIN, 0}, {fd[1], POLLIN, 0}};
		if (poll(p, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("asbuilt-impair: poll");
			return 1;
		}
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			ssize_t n = recv(fd[i], buffer, sizeof buffer, MSG_DONTWAIT);
			if (n <= 0 || lose(loss))
				continue;
			if (delay_ns == 0) {
				send(fd[1 - i], buffer, (size_t)n, 0);
				continue;
			}
			push(&queue[i], buffer, (size_t)n, now_ns() + delay_ns);
		}
	}
}
