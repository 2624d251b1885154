/* Display surfaces: devices draw into a DisplaySurface (a pixman image,
 * 32-bit x8r8g8b8) and mark the rectangles they changed; user interfaces
 * (SDL window, screendump, later VNC) read the image and take the dirty
 * area.  Nothing here knows SDL.
 *
 * A display device registers one DisplayConsole with the machine; a UI
 * calls display_console_update() before it reads the surface, so the device
 * redraws from its video memory only when someone looks. */
#ifndef YL_DISPLAY_H
#define YL_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <pixman.h>

typedef struct DisplayRect {
    int x, y, w, h;         /* w == 0 or h == 0: empty */
} DisplayRect;

typedef struct DisplaySurface {
    pixman_image_t *image;
    int width, height;
    DisplayRect dirty;      /* bounding box of the changes not yet taken */
} DisplaySurface;

/* A blank (black) surface; NULL when out of memory or the size is bad. */
DisplaySurface *display_surface_new(int width, int height);
void display_surface_free(DisplaySurface *s);
static inline uint32_t *display_surface_data(DisplaySurface *s)
{
    return pixman_image_get_data(s->image);
}
/* Bytes per line of the image. */
static inline int display_surface_stride(DisplaySurface *s)
{
    return pixman_image_get_stride(s->image);
}
static inline uint32_t display_rgb(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}
/* Grows the dirty box to hold (x, y, w, h), clipped to the surface. */
void display_surface_dirty(DisplaySurface *s, int x, int y, int w, int h);
/* Returns the dirty box and clears it. */
DisplayRect display_surface_take_dirty(DisplaySurface *s);

typedef struct DisplayConsoleOps {
    /* Redraws what changed into the surface (which may be replaced when the
     * mode changes size). */
    void (*update)(void *opaque);
    /* Text mode contents as characters, for tests and `info` commands:
     * fills up to max cells, returns cols*rows or -1 in a graphics mode.
     * May be NULL. */
    int (*text)(void *opaque, uint16_t *cells, int max, int *cols, int *rows);
} DisplayConsoleOps;

typedef struct DisplayConsole {
    const DisplayConsoleOps *ops;
    void *opaque;
    DisplaySurface *surface;    /* owned by the device; may change on update */
} DisplayConsole;

/* Brings the surface up to date and returns it (NULL: nothing to show). */
DisplaySurface *display_console_update(DisplayConsole *con);

/* Writes the surface as an 8-bit RGB PNG (ui/screendump.c).  Returns 0, or
 * -1 with a one-line message in err. */
int screendump_png(DisplaySurface *s, const char *path, char *err, int errlen);

#endif
