/* Display surfaces: a pixman image plus the bounding box of what changed. */
#include <stdlib.h>

#include "yl/display.h"

#define SURFACE_MAX_DIM 16384

DisplaySurface *display_surface_new(int width, int height)
{
    if (width <= 0 || height <= 0 || width > SURFACE_MAX_DIM || height > SURFACE_MAX_DIM)
        return NULL;
    DisplaySurface *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    /* pixman allocates and zeroes the bits when given NULL. */
    s->image = pixman_image_create_bits(PIXMAN_x8r8g8b8, width, height, NULL, 0);
    if (!s->image) {
        free(s);
        return NULL;
    }
    s->width = width;
    s->height = height;
    s->dirty = (DisplayRect){ 0, 0, width, height };
    return s;
}

void display_surface_free(DisplaySurface *s)
{
    if (!s)
        return;
    pixman_image_unref(s->image);
    free(s);
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

void display_surface_dirty(DisplaySurface *s, int x, int y, int w, int h)
{
    int x0 = imax(x, 0), y0 = imax(y, 0);
    int x1 = imin(x + w, s->width), y1 = imin(y + h, s->height);
    if (x1 <= x0 || y1 <= y0)
        return;
    DisplayRect *d = &s->dirty;
    if (d->w > 0 && d->h > 0) {
        x0 = imin(x0, d->x);
        y0 = imin(y0, d->y);
        x1 = imax(x1, d->x + d->w);
        y1 = imax(y1, d->y + d->h);
    }
    *d = (DisplayRect){ x0, y0, x1 - x0, y1 - y0 };
}

DisplayRect display_surface_take_dirty(DisplaySurface *s)
{
    DisplayRect r = s->dirty;
    s->dirty = (DisplayRect){ 0, 0, 0, 0 };
    return r;
}

DisplaySurface *display_console_update(DisplayConsole *con)
{
    if (!con)
        return NULL;
    if (con->ops && con->ops->update)
        con->ops->update(con->opaque);
    return con->surface;
}
