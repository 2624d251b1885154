/* Character back ends for serial ports, debugcon and monitors. */
#ifndef YL_CHARDEV_H
#define YL_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ChardevKind { CHARDEV_NULL, CHARDEV_STDIO, CHARDEV_FILE,
                           CHARDEV_SOCKET } ChardevKind;

typedef struct Chardev Chardev;
struct Chardev {
    char id[32];
    ChardevKind kind;
    int fd_in, fd_out;      /* -1 when absent */
    /* The front end that receives input (one per chardev). */
    int (*can_read)(void *opaque);
    void (*read)(void *opaque, const uint8_t *buf, int len);
    void *opaque;
    Chardev *next;
    void *tty_saved;        /* termios to restore when stdio was made raw */
    /* CHARDEV_SOCKET (core/chardev-socket.c): the listening socket (fd_in
     * while no client is connected) and its path, unlinked at free. */
    int listen_fd;
    char *sock_path;
    /* Called when a client connects (sockets), so a monitor can greet it. */
    void (*opened)(void *opaque);
    /* -nographic: stdio takes Ctrl-A escapes as QEMU's does (C-a x quits
     * through mux_quit, C-a h lists the keys, C-a C-a sends C-a, C-a c
     * switches the input between the console and the monitor), and
     * Ctrl-C goes to the guest.  Set before the front end attaches.  The
     * board's mux_opaque is its Machine: the first C-a c opens the human
     * monitor on this chardev unless the machine has one elsewhere. */
    void (*mux_quit)(void *opaque);
    void *mux_opaque;
    bool mux_escape;        /* the last byte was C-a */
    /* The mux's other front end: a second chardev_set_handlers while one
     * is attached parks here, and C-a c swaps it with the one that has
     * the input.  mux_focus counts the swaps (odd: the second has it). */
    int (*mux_can_read)(void *opaque);
    void (*mux_read)(void *opaque, const uint8_t *buf, int len);
    void *mux_fe_opaque;
    unsigned mux_focus;
};

/* "stdio", "null", "file:PATH", "unix:PATH,server,nowait" (the
 * -serial/-debugcon/-monitor syntax). */
Chardev *chardev_new_spec(const char *spec, const char *id, char *err, int errlen);
/* -chardev BACKEND,id=ID[,path=PATH] */
Chardev *chardev_new_opts(const char *opts, char *err, int errlen);
void chardev_write(Chardev *c, const uint8_t *buf, size_t len);
void chardev_set_handlers(Chardev *c, int (*can_read)(void *),
                          void (*read)(void *, const uint8_t *, int), void *opaque);
void chardev_free(Chardev *c);

/* The unix socket server back end (core/chardev-socket.c). */
Chardev *chardev_socket_new(const char *spec, const char *id, char *err, int errlen);
void chardev_socket_read_input(Chardev *c);
void chardev_socket_close(Chardev *c);

/* Parses "-chardev BACKEND,id=ID[,path=PATH]" without opening anything.
 * *path is malloc'ed (NULL when absent).  Returns 0, or -1 with err. */
int chardev_parse_opts(const char *opts, ChardevKind *kind, char *id, size_t idlen,
                       char **path, char *err, int errlen);

struct pollfd;
/* Fills fds with the input descriptors of the chardevs in the list that have
 * a front end ready to take input; who[i] is the chardev behind fds[i]. */
int chardev_pollfds(Chardev *list, struct pollfd *fds, Chardev **who, int max);
/* Reads what is available on c's input (poll said so) into its front end. */
void chardev_read_input(Chardev *c);
/* Hands input bytes to c's front end, through the mux's C-a escapes when
 * c is a mux (what chardev_read_input does with the bytes it reads). */
void chardev_input(Chardev *c, const uint8_t *buf, int len);

#endif
