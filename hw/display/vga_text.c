/* Drawing the VGA into its DisplaySurface.  Text modes: characters and
 * attributes from planes 0/1, the font from plane 2 (8 or 9 dots wide, as
 * many lines as the CRTC max scan line says), colours through the
 * attribute palette and the DAC, blinking and the cursor.  Of the graphics
 * modes, 256-colour chain-4 (mode 13h) and 16-colour planar ones (0Dh-12h)
 * are drawn; the CGA-compatible ones are not yet. */
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga_int.h"

#define BLANK_W 720
#define BLANK_H 400
/* At 70 frames a second the cursor toggles every 16 frames, blinking
 * characters every 32. */
#define CURSOR_BLINK_NS 228571428
#define CHAR_BLINK_NS (2 * CURSOR_BLINK_NS)

/* Plane 2 offsets of the eight character maps (char map select values). */
static const uint32_t font_base[8] = {
    0x0000, 0x4000, 0x8000, 0xc000, 0x2000, 0x6000, 0xa000, 0xe000,
};

static int vdisp_lines(VGAState *s)
{
    int v = s->crtc[CR_VDISP_END] | (s->crtc[CR_OVERFLOW] & 0x02) << 7
        | (s->crtc[CR_OVERFLOW] & 0x40) << 3;
    return v + 1;
}

static uint32_t crtc_start(VGAState *s)
{
    return s->crtc[CR_START_HI] << 8 | s->crtc[CR_START_LO];
}

/* How the CRTC address counter becomes a plane offset. */
static uint32_t crtc_shift(VGAState *s)
{
    if (s->crtc[CR_UNDERLINE] & CR14_DWORD)
        return 2;
    return (s->crtc[CR_MODE] & CR17_BYTE_MODE) ? 0 : 1;
}

bool vga_text_geometry(VGAState *s, VGATextGeom *g)
{
    g->cols = s->crtc[CR_HDISP_END] + 1;
    g->char_w = (s->seq[SR_CLOCK] & SR01_8DOT) ? 8 : 9;
    g->char_h = (s->crtc[CR_MAX_SCAN] & 0x1f) + 1;
    int lines = vdisp_lines(s);
    if (s->crtc[CR_MAX_SCAN] & 0x80)
        lines /= 2;
    g->rows = lines / g->char_h;
    g->start = crtc_start(s);
    g->addr_shift = crtc_shift(s);
    g->line_cells = s->crtc[CR_OFFSET] * 2;
    if (g->line_cells == 0)
        g->line_cells = g->cols;
    return g->cols >= 8 && g->rows >= 1 && g->rows <= 128 && g->cols <= 160;
}

uint32_t vga_palette_rgb(VGAState *s, uint8_t index4)
{
    uint8_t v = s->ar[index4 & s->ar[AR_PLANE_ENABLE] & 0x0f];
    uint8_t cs = s->ar[AR_COLOR_SELECT];
    if (s->ar[AR_MODE] & AR10_P54_SELECT)
        v = (v & 0x0f) | (cs & 0x03) << 4;
    v = ((v & 0x3f) | (cs & 0x0c) << 4) & s->dac_mask;
    const uint8_t *c = s->dac[v];
    return display_rgb(c[0] * 255 / 63, c[1] * 255 / 63, c[2] * 255 / 63);
}

static bool graphics_mode(VGAState *s)
{
    return s->gc[GR_MISC] & GR06_GRAPHICS;
}

static bool display_blanked(VGAState *s)
{
    return !(s->ar_index & AR_INDEX_PAS) || (s->seq[SR_CLOCK] & SR01_SCREEN_OFF);
}

/* Makes the surface w x h, replacing it when the size changed. */
static bool ensure_surface(VGAState *s, int w, int h)
{
    DisplaySurface *cur = s->con.surface;
    if (cur && cur->width == w && cur->height == h)
        return true;
    DisplaySurface *n = display_surface_new(w, h);
    if (!n)
        return false;
    display_surface_free(cur);
    s->con.surface = n;
    s->full_redraw = true;
    return true;
}

static void fill_black(VGAState *s)
{
    DisplaySurface *d = s->con.surface;
    memset(display_surface_data(d), 0, (size_t)display_surface_stride(d) * d->height);
    display_surface_dirty(d, 0, 0, d->width, d->height);
}

static uint16_t cell_at(VGAState *s, const VGATextGeom *g, int row, int col)
{
    uint32_t addr = g->start + row * g->line_cells + col;
    uint32_t off = (addr << g->addr_shift) & (VGA_PLANE_SIZE - 1);
    return s->vram[off * 4] | s->vram[off * 4 + 1] << 8;
}

static uint8_t glyph_row(VGAState *s, uint8_t ch, uint8_t attr, int line)
{
    uint8_t sel = s->seq[SR_CHAR_MAP];
    unsigned map = (attr & 0x08) ? ((sel >> 5) & 1) << 2 | ((sel >> 2) & 3)
                                 : ((sel >> 4) & 1) << 2 | (sel & 3);
    return s->vram[(font_base[map] + ch * 32 + line) * 4 + 2];
}

typedef struct CellStyle {
    uint32_t fg, bg;
    int cursor_first, cursor_last;  /* scan lines; first > last: none */
} CellStyle;

static void draw_cell(VGAState *s, const VGATextGeom *g, int row, int col,
                      uint16_t cell, const CellStyle *st)
{
    DisplaySurface *d = s->con.surface;
    uint8_t ch = cell, attr = cell >> 8;
    bool line_graphics = (s->ar[AR_MODE] & AR10_LINE_GRAPHICS) && ch >= 0xc0 && ch <= 0xdf;
    int stride = display_surface_stride(d) / 4;
    uint32_t *px = display_surface_data(d) + (size_t)row * g->char_h * stride
        + col * g->char_w;
    for (int y = 0; y < g->char_h; y++, px += stride) {
        uint8_t bits = glyph_row(s, ch, attr, y);
        if (y >= st->cursor_first && y <= st->cursor_last)
            bits = 0xff;
        for (int x = 0; x < 8; x++)
            px[x] = (bits & (0x80 >> x)) ? st->fg : st->bg;
        if (g->char_w == 9)
            px[8] = (line_graphics && (bits & 1)) || (y >= st->cursor_first
                                                      && y <= st->cursor_last)
                ? st->fg : st->bg;
    }
    display_surface_dirty(d, col * g->char_w, row * g->char_h, g->char_w, g->char_h);
}

static void cell_style(VGAState *s, const VGATextGeom *g, uint8_t attr, bool is_cursor,
                       bool blink_on, bool cursor_on, CellStyle *st)
{
    uint8_t fg = attr & 0x0f, bg = attr >> 4;
    if (s->ar[AR_MODE] & AR10_BLINK) {
        bg &= 7;
        if ((attr & 0x80) && !blink_on)
            fg = bg;
    }
    st->fg = vga_palette_rgb(s, fg);
    st->bg = vga_palette_rgb(s, bg);
    st->cursor_first = 1;
    st->cursor_last = 0;
    if (is_cursor && cursor_on && !(s->crtc[CR_CURSOR_START] & 0x20)) {
        st->cursor_first = s->crtc[CR_CURSOR_START] & 0x1f;
        st->cursor_last = s->crtc[CR_CURSOR_END] & 0x1f;
        if (st->cursor_last >= g->char_h)
            st->cursor_last = g->char_h - 1;
    }
}

static bool resize_shadow(VGAState *s, int cells)
{
    if (s->shadow_cells == cells)
        return true;
    uint16_t *n = realloc(s->shadow, cells * sizeof(*n));
    if (!n)
        return false;
    s->shadow = n;
    s->shadow_cells = cells;
    s->full_redraw = true;
    return true;
}

void vga_text_draw(VGAState *s)
{
    VGATextGeom g;
    if (!vga_text_geometry(s, &g)) {
        if (ensure_surface(s, BLANK_W, BLANK_H) && s->full_redraw)
            fill_black(s);
        s->full_redraw = false;
        return;
    }
    if (!ensure_surface(s, g.cols * g.char_w, g.rows * g.char_h)
        || !resize_shadow(s, g.cols * g.rows))
        return;
    int64_t now = vga_now(s);
    bool cursor_on = (now / CURSOR_BLINK_NS) % 2 == 0;
    bool blink_on = (now / CHAR_BLINK_NS) % 2 == 0;
    uint32_t cursor = s->crtc[CR_CURSOR_HI] << 8 | s->crtc[CR_CURSOR_LO];
    uint32_t phase = cursor_on | blink_on << 1;
    bool full = s->full_redraw || phase != s->shadow_blink || cursor != s->shadow_cursor;
    for (int r = 0; r < g.rows; r++) {
        for (int c = 0; c < g.cols; c++) {
            uint16_t cell = cell_at(s, &g, r, c);
            uint16_t *sh = &s->shadow[r * g.cols + c];
            if (!full && *sh == cell)
                continue;
            *sh = cell;
            CellStyle st;
            bool here = g.start + r * g.line_cells + c == cursor;
            cell_style(s, &g, cell >> 8, here, blink_on, cursor_on, &st);
            draw_cell(s, &g, r, c, cell, &st);
        }
    }
    s->shadow_cursor = cursor;
    s->shadow_blink = phase;
    s->full_redraw = false;
}

int vga_text_cells(VGAState *s, uint16_t *cells, int max, int *cols, int *rows)
{
    VGATextGeom g;
    if (graphics_mode(s) || !vga_text_geometry(s, &g))
        return -1;
    *cols = g.cols;
    *rows = g.rows;
    for (int i = 0; i < g.cols * g.rows && i < max; i++)
        cells[i] = cell_at(s, &g, i / g.cols, i % g.cols);
    return g.cols * g.rows;
}

/* 256 colours, chain-4: four planes interleaved, every pixel two dots. */
static void draw_256(VGAState *s)
{
    int w = (s->crtc[CR_HDISP_END] + 1) * 4;
    int h = vdisp_lines(s) / ((s->crtc[CR_MAX_SCAN] & 0x1f) + 1);
    if (s->crtc[CR_MAX_SCAN] & 0x80)
        h /= 2;
    if (h <= 0 || !ensure_surface(s, w, h))
        return;
    DisplaySurface *d = s->con.surface;
    uint32_t start = crtc_start(s), line = s->crtc[CR_OFFSET] * 2;
    uint32_t shift = crtc_shift(s);
    int stride = display_surface_stride(d) / 4;
    for (int y = 0; y < h; y++) {
        uint32_t *px = display_surface_data(d) + (size_t)y * stride;
        for (int x = 0; x < w; x++) {
            uint32_t off = ((start + y * line + x / 4) << shift) & (VGA_PLANE_SIZE - 1);
            const uint8_t *c = s->dac[s->vram[off * 4 + (x & 3)] & s->dac_mask];
            px[x] = display_rgb(c[0] * 255 / 63, c[1] * 255 / 63, c[2] * 255 / 63);
        }
    }
    display_surface_dirty(d, 0, 0, w, h);
}

/* 16 colours, planar: bit 7-n of each plane's byte is pixel n's bit p;
 * the four bits go through the attribute palette.  Sequencer clocking bit 3
 * halves the dot clock (320-wide modes). */
static void draw_planar16(VGAState *s)
{
    int dots = (s->crtc[CR_HDISP_END] + 1) * 8;
    int w = (s->seq[SR_CLOCK] & 0x08) ? dots / 2 : dots;
    int h = vdisp_lines(s) / ((s->crtc[CR_MAX_SCAN] & 0x1f) + 1);
    if (s->crtc[CR_MAX_SCAN] & 0x80)
        h /= 2;
    if (h <= 0 || !ensure_surface(s, w, h))
        return;
    DisplaySurface *d = s->con.surface;
    uint32_t start = crtc_start(s), line = s->crtc[CR_OFFSET] * 2;
    uint32_t shift = crtc_shift(s), pal[16];
    for (int i = 0; i < 16; i++)
        pal[i] = vga_palette_rgb(s, i);
    int stride = display_surface_stride(d) / 4;
    for (int y = 0; y < h; y++) {
        uint32_t *px = display_surface_data(d) + (size_t)y * stride;
        for (int x = 0; x < w; x++) {
            uint32_t off = ((start + y * line + x / 8) << shift) & (VGA_PLANE_SIZE - 1);
            const uint8_t *b = &s->vram[off * 4];
            int bit = 7 - (x & 7);
            uint8_t c = ((b[0] >> bit) & 1) | ((b[1] >> bit) & 1) << 1
                | ((b[2] >> bit) & 1) << 2 | ((b[3] >> bit) & 1) << 3;
            px[x] = pal[c];
        }
    }
    display_surface_dirty(d, 0, 0, w, h);
}

void vga_gfx_draw(VGAState *s)
{
    if (display_blanked(s)) {
        VGATextGeom g;
        bool ok = !graphics_mode(s) && vga_text_geometry(s, &g);
        if (ensure_surface(s, ok ? g.cols * g.char_w : BLANK_W, ok ? g.rows * g.char_h : BLANK_H))
            fill_black(s);
        s->full_redraw = true;
        return;
    }
    if (!graphics_mode(s)) {
        vga_text_draw(s);
        return;
    }
    if ((s->ar[AR_MODE] & AR10_8BIT) && (s->seq[SR_MEM_MODE] & SR04_CHAIN4)) {
        draw_256(s);
    } else if (!(s->gc[GR_MODE] & (GR05_SHIFT256 | 0x20))) {
        draw_planar16(s);
    } else if (ensure_surface(s, BLANK_W, BLANK_H)) {
        fill_black(s);  /* CGA-compatible modes come with the graphics issue */
    }
    s->full_redraw = false;
}
