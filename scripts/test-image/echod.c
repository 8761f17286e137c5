/* A tiny echo server for the test image: echod tcp|udp PORT [ADDR] (ADDR defaults to 127.0.0.1).
   TCP: one process per connection, a full-size accept backlog, echoes until the client half-closes.
   UDP: answers every datagram to its sender. Exits cleanly on SIGTERM. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void done(int sig) { (void)sig; _exit(0); }

static void echo_tcp(int c) {
    char buf[65536];
    for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w <= 0) _exit(0);
            off += w;
        }
    }
    shutdown(c, SHUT_WR);
    close(c);
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc < 3 || (strcmp(argv[1], "tcp") && strcmp(argv[1], "udp"))) {
        fprintf(stderr, "usage: echod tcp|udp PORT [ADDR]\n");
        return 2;
    }
    int tcp = strcmp(argv[1], "tcp") == 0;
    signal(SIGTERM, done);
    signal(SIGINT, done);
    signal(SIGCHLD, SIG_IGN);
    int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[2]));
    a.sin_addr.s_addr = argc > 3 ? inet_addr(argv[3]) : htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); return 1; }
    if (tcp) {
        if (listen(fd, 1024) < 0) { perror("listen"); return 1; }
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c < 0) continue;
            if (fork() == 0) { close(fd); echo_tcp(c); }
            close(c);
        }
    }
    char buf[65536];
    for (;;) {
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
        if (n < 0) continue;
        sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
    }
}
