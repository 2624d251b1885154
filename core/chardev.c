/* Character back ends: stdio, null and file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "yl/chardev.h"
#include "yl/machine.h"
#include "yl/monitor.h"

static Chardev *chardev_alloc(ChardevKind kind, const char *id)
{
    Chardev *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    snprintf(c->id, sizeof(c->id), "%s", id ? id : "");
    c->kind = kind;
    c->fd_in = c->fd_out = -1;
    return c;
}

static Chardev *chardev_open(ChardevKind kind, const char *id, const char *path,
                             char *err, int errlen)
{
    int fd = -1;
    if (kind == CHARDEV_FILE) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            snprintf(err, errlen, "could not open '%s': %s", path, strerror(errno));
            return NULL;
        }
    }
    Chardev *c = chardev_alloc(kind, id);
    if (!c) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (kind == CHARDEV_STDIO) {
        c->fd_in = STDIN_FILENO;
        c->fd_out = STDOUT_FILENO;
    } else if (kind == CHARDEV_FILE) {
        c->fd_out = fd;
    }
    return c;
}

Chardev *chardev_new_spec(const char *spec, const char *id, char *err, int errlen)
{
    if (!strcmp(spec, "stdio"))
        return chardev_open(CHARDEV_STDIO, id, NULL, err, errlen);
    if (!strcmp(spec, "null"))
        return chardev_open(CHARDEV_NULL, id, NULL, err, errlen);
    if (!strncmp(spec, "file:", 5) && spec[5])
        return chardev_open(CHARDEV_FILE, id, spec + 5, err, errlen);
    if (!strncmp(spec, "unix:", 5))
        return chardev_socket_new(spec, id, err, errlen);
    snprintf(err, errlen, "'%s': unsupported character device "
             "(use stdio, null, file:PATH or unix:PATH,server,nowait)", spec);
    return NULL;
}

static int parse_backend(const char *name, size_t n, ChardevKind *kind)
{
    static const struct { const char *name; ChardevKind kind; } backends[] = {
        { "stdio", CHARDEV_STDIO }, { "null", CHARDEV_NULL }, { "file", CHARDEV_FILE },
    };
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (strlen(backends[i].name) == n && !strncmp(name, backends[i].name, n)) {
            *kind = backends[i].kind;
            return 0;
        }
    }
    return -1;
}

int chardev_parse_opts(const char *opts, ChardevKind *kind, char *id, size_t idlen,
                       char **path, char *err, int errlen)
{
    *path = NULL;
    id[0] = 0;
    size_t n = strcspn(opts, ",");
    if (parse_backend(opts, n, kind) < 0) {
        snprintf(err, errlen, "-chardev %s: unsupported backend '%.*s' "
                 "(use stdio, file or null)", opts, (int)n, opts);
        return -1;
    }
    const char *p = opts + n;
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        if (!strncmp(p, "id=", 3) && len > 3 && len - 3 < idlen) {
            snprintf(id, idlen, "%.*s", (int)(len - 3), p + 3);
        } else if (!strncmp(p, "path=", 5) && len > 5 && *kind == CHARDEV_FILE) {
            free(*path);
            *path = strndup(p + 5, len - 5);
        } else {
            snprintf(err, errlen, "-chardev %s: bad or unsupported parameter '%.*s'",
                     opts, (int)len, p);
            goto fail;
        }
        p += len;
    }
    if (!id[0]) {
        snprintf(err, errlen, "-chardev %s: an id=ID is required", opts);
        goto fail;
    }
    if (*kind == CHARDEV_FILE && !*path) {
        snprintf(err, errlen, "-chardev %s: file needs path=PATH", opts);
        goto fail;
    }
    return 0;
fail:
    free(*path);
    *path = NULL;
    return -1;
}

Chardev *chardev_new_opts(const char *opts, char *err, int errlen)
{
    ChardevKind kind;
    char id[sizeof(((Chardev *)0)->id)];
    char *path;
    if (chardev_parse_opts(opts, &kind, id, sizeof(id), &path, err, errlen) < 0)
        return NULL;
    Chardev *c = chardev_open(kind, id, path, err, errlen);
    free(path);
    return c;
}

void chardev_write(Chardev *c, const uint8_t *buf, size_t len)
{
    if (!c || c->fd_out < 0)
        return;
    while (len) {
        ssize_t n = write(c->fd_out, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = { .fd = c->fd_out, .events = POLLOUT };
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return;     /* a closed pipe or full disk loses guest output only */
        buf += n;
        len -= n;
    }
}

/* Input keeps signals (^C still stops the emulator) and output processing,
 * but the guest sees every other key as it is typed. */
static void stdio_make_raw(Chardev *c)
{
    struct termios t;
    if (c->tty_saved || !isatty(c->fd_in) || tcgetattr(c->fd_in, &t) < 0)
        return;
    c->tty_saved = malloc(sizeof(t));
    if (!c->tty_saved)
        return;
    memcpy(c->tty_saved, &t, sizeof(t));
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (c->mux_quit)
        t.c_lflag &= ~ISIG;     /* Ctrl-C is the guest's; C-a x quits */
    t.c_cflag = (t.c_cflag & ~(CSIZE | PARENB)) | CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(c->fd_in, TCSANOW, &t);
}

/* On a mux a second front end (the monitor) parks as the other one; a
 * detach (NULL) takes both off: it only happens when the machine goes. */
void chardev_set_handlers(Chardev *c, int (*can_read)(void *),
                          void (*read)(void *, const uint8_t *, int), void *opaque)
{
    if (c->mux_quit && read && c->read && opaque != c->opaque) {
        c->mux_can_read = can_read;
        c->mux_read = read;
        c->mux_fe_opaque = opaque;
        return;
    }
    if (!read) {
        c->mux_can_read = NULL;
        c->mux_read = NULL;
        c->mux_fe_opaque = NULL;
    }
    c->can_read = can_read;
    c->read = read;
    c->opaque = opaque;
    if (c->kind == CHARDEV_STDIO && read)
        stdio_make_raw(c);
}

int chardev_pollfds(Chardev *list, struct pollfd *fds, Chardev **who, int max)
{
    int n = 0;
    for (Chardev *c = list; c && n < max; c = c->next) {
        if (c->fd_in < 0 || !c->read || !c->can_read || c->can_read(c->opaque) <= 0)
            continue;
        fds[n] = (struct pollfd){ .fd = c->fd_in, .events = POLLIN };
        who[n++] = c;
    }
    return n;
}

static void mux_say(Chardev *c, const char *msg)
{
    chardev_write(c, (const uint8_t *)msg, strlen(msg));
}

static void mux_swap(Chardev *c)
{
    int (*can_read)(void *) = c->can_read;
    void (*read)(void *, const uint8_t *, int) = c->read;
    void *opaque = c->opaque;
    c->can_read = c->mux_can_read;
    c->read = c->mux_read;
    c->opaque = c->mux_fe_opaque;
    c->mux_can_read = can_read;
    c->mux_read = read;
    c->mux_fe_opaque = opaque;
    c->mux_focus++;
}

/* C-a c: the other front end takes the input.  The first time the board's
 * monitor opens here as that other front end (it greets on its own); after
 * that the monitor greets again each time it gets the input back. */
static void mux_switch(Chardev *c)
{
    if (!c->mux_read) {
        Machine *m = c->mux_opaque;
        if (!m || m->monitor) {
            mux_say(c, "\r\nyinglong: no monitor on this console\r\n");
            return;
        }
        mux_say(c, "\r\n");
        if (!monitor_new(m, c) || !c->mux_read)
            return;
        mux_swap(c);
        return;
    }
    mux_swap(c);
    if (c->mux_focus & 1 && c->opened) {
        mux_say(c, "\r\n");
        c->opened(c->opaque);
    }
}

static void mux_deliver(Chardev *c, const uint8_t *buf, int *len)
{
    if (*len && c->read)
        c->read(c->opaque, buf, *len);
    *len = 0;
}

/* One byte after C-a.  Unknown escapes are dropped, as QEMU does. */
static void mux_escape(Chardev *c, uint8_t b, uint8_t *out, int *len)
{
    switch (b) {
    case 'x': case 'X':
        mux_say(c, "\r\nyinglong: terminated (C-a x)\r\n");
        c->mux_quit(c->mux_opaque);
        break;
    case 'h': case 'H': case '?':
        mux_say(c, "\r\nC-a h    print this help\r\n"
                   "C-a x    exit the emulator\r\n"
                   "C-a c    switch between console and monitor\r\n"
                   "C-a C-a  send C-a\r\n");
        break;
    case 'c': case 'C':
        mux_deliver(c, out, len);   /* what came before goes where it was typed */
        mux_switch(c);
        break;
    case 0x01:
        out[(*len)++] = b;
        break;
    }
}

/* Hands buf to the front end that has the input, C-a escapes taken out. */
static void mux_input(Chardev *c, const uint8_t *buf, int n)
{
    uint8_t out[256];
    int len = 0;
    for (int i = 0; i < n; i++) {
        uint8_t b = buf[i];
        if (c->mux_escape) {
            c->mux_escape = false;
            mux_escape(c, b, out, &len);
        } else if (b == 0x01) {
            c->mux_escape = true;
        } else {
            out[len++] = b;
        }
        if (len == (int)sizeof(out))
            mux_deliver(c, out, &len);
    }
    mux_deliver(c, out, &len);
}

void chardev_input(Chardev *c, const uint8_t *buf, int len)
{
    if (c->mux_quit)
        mux_input(c, buf, len);
    else if (len > 0 && c->read)
        c->read(c->opaque, buf, len);
}

void chardev_read_input(Chardev *c)
{
    if (c->kind == CHARDEV_SOCKET) {
        chardev_socket_read_input(c);
        return;
    }
    uint8_t buf[256];
    int room = c->can_read ? c->can_read(c->opaque) : 0;
    if (room <= 0 || c->fd_in < 0)
        return;
    if (room > (int)sizeof(buf))
        room = sizeof(buf);
    ssize_t n = read(c->fd_in, buf, room);
    if (n > 0)
        chardev_input(c, buf, n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        c->fd_in = -1;  /* end of input: stop polling it */
}

void chardev_free(Chardev *c)
{
    if (!c)
        return;
    if (c->tty_saved) {
        tcsetattr(STDIN_FILENO, TCSANOW, c->tty_saved);
        free(c->tty_saved);
    }
    if (c->kind == CHARDEV_FILE && c->fd_out >= 0)
        close(c->fd_out);
    if (c->kind == CHARDEV_SOCKET)
        chardev_socket_close(c);
    free(c);
}
