/* The unix socket server back end ("unix:PATH,server,nowait"): listens on
 * PATH and serves one client at a time.  While nobody is connected the
 * listening socket is the input descriptor, so the main loop's poll sees a
 * client arrive; output without a client is dropped. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "yl/chardev.h"

/* "unix:PATH[,server][,nowait|,wait=off][,server=on]": PATH and whether a
 * server was asked for. */
static int parse_unix_spec(const char *spec, char *path, size_t pathlen,
                           char *err, int errlen)
{
    const char *p = spec + 5;
    size_t n = strcspn(p, ",");
    bool server = false;
    if (n == 0 || n >= pathlen) {
        snprintf(err, errlen, "'%s': bad socket path", spec);
        return -1;
    }
    snprintf(path, pathlen, "%.*s", (int)n, p);
    for (p += n; *p == ','; p += n) {
        p++;
        n = strcspn(p, ",");
        if ((n == 6 && !strncmp(p, "server", 6)) || (n == 9 && !strncmp(p, "server=on", 9)))
            server = true;
        else if (!((n == 6 && !strncmp(p, "nowait", 6))
                   || (n == 8 && !strncmp(p, "wait=off", 8)))) {
            snprintf(err, errlen, "'%s': unsupported socket option '%.*s' "
                     "(use unix:PATH,server,nowait)", spec, (int)n, p);
            return -1;
        }
    }
    if (!server) {
        snprintf(err, errlen, "'%s': only server sockets are supported "
                 "(use unix:PATH,server,nowait)", spec);
        return -1;
    }
    return 0;
}

Chardev *chardev_socket_new(const char *spec, const char *id, char *err, int errlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (parse_unix_spec(spec, sa.sun_path, sizeof(sa.sun_path), err, errlen) < 0)
        return NULL;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return NULL;
    }
    unlink(sa.sun_path);    /* a stale socket from an earlier run */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "cannot listen on '%s': %s", sa.sun_path, strerror(errno));
        close(fd);
        return NULL;
    }
    Chardev *c = calloc(1, sizeof(*c));
    char *path = strdup(sa.sun_path);
    if (!c || !path) {
        free(c);
        free(path);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(c->id, sizeof(c->id), "%s", id ? id : "");
    c->kind = CHARDEV_SOCKET;
    c->listen_fd = c->fd_in = fd;
    c->fd_out = -1;
    c->sock_path = path;
    return c;
}

static void socket_accept(Chardev *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    c->fd_in = c->fd_out = fd;
    if (c->opened)
        c->opened(c->opaque);
}

static void socket_hangup(Chardev *c)
{
    close(c->fd_in);
    c->fd_out = -1;
    c->fd_in = c->listen_fd;
}

void chardev_socket_read_input(Chardev *c)
{
    if (c->fd_in == c->listen_fd) {
        socket_accept(c);
        return;
    }
    uint8_t buf[256];
    int room = c->can_read ? c->can_read(c->opaque) : 0;
    if (room <= 0)
        return;
    if (room > (int)sizeof(buf))
        room = sizeof(buf);
    ssize_t n = read(c->fd_in, buf, room);
    if (n > 0)
        c->read(c->opaque, buf, n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        socket_hangup(c);
}

void chardev_socket_close(Chardev *c)
{
    if (c->fd_in >= 0 && c->fd_in != c->listen_fd)
        close(c->fd_in);
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    if (c->sock_path)
        unlink(c->sock_path);
    free(c->sock_path);
    c->fd_in = c->fd_out = c->listen_fd = -1;
}
