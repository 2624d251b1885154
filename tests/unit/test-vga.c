/* The legacy VGA through the port space and the memory window, with no CPU:
 * registers, the attribute flip-flop, DAC, retrace, plane writes in every
 * write mode, read modes, addressing modes, and text rendered with the font
 * from plane 2. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "yl/display.h"
#include "yl/machine.h"

static Machine *setup(void)
{
    Machine *m = calloc(1, sizeof(*m));
    char err[160];
    machine_init(m);
    clock_stop(&m->clock);
    ck_assert_msg(machine_create_device(m, "isa-vga", "romfile=", err, sizeof(err)), "%s", err);
    ck_assert_ptr_nonnull(m->console);
    return m;
}

static void teardown(Machine *m)
{
    machine_destroy(m);
    free(m);
}

static uint8_t in(Machine *m, uint16_t port) { return ioport_read(&m->io, port, 1); }
static void out(Machine *m, uint16_t port, uint8_t v) { ioport_write(&m->io, port, v, 1); }
static void seq(Machine *m, uint8_t i, uint8_t v) { out(m, 0x3c4, i); out(m, 0x3c5, v); }
static void gc(Machine *m, uint8_t i, uint8_t v) { out(m, 0x3ce, i); out(m, 0x3cf, v); }
static void crtc(Machine *m, uint8_t i, uint8_t v) { out(m, 0x3d4, i); out(m, 0x3d5, v); }
static void ar(Machine *m, uint8_t i, uint8_t v)
{
    in(m, 0x3da);
    out(m, 0x3c0, i);
    out(m, 0x3c0, v);
}
static uint8_t mrd(Machine *m, uint32_t a) { return phys_read(&m->as, a, 1); }
static void mwr(Machine *m, uint32_t a, uint8_t v) { phys_write(&m->as, a, v, 1); }

/* Planar, sequential access to the 64 KiB window at 0xa0000. */
static void planar(Machine *m)
{
    seq(m, 4, 0x06);
    gc(m, 5, 0x00);
    gc(m, 6, 0x05);
    seq(m, 2, 0x0f);
    gc(m, 8, 0xff);
}

/* Byte of plane p at offset off, through read mode 0. */
static uint8_t plane_byte(Machine *m, int p, uint32_t off)
{
    gc(m, 4, p);
    return mrd(m, 0xa0000 + off);
}

START_TEST(test_index_data_registers)
{
    Machine *m = setup();
    out(m, 0x3c2, 0x67);
    ck_assert_uint_eq(in(m, 0x3cc), 0x67);
    seq(m, 2, 0x05);
    out(m, 0x3c4, 2);
    ck_assert_uint_eq(in(m, 0x3c5), 0x05);
    ioport_write(&m->io, 0x3c4, 0x0302, 2);         /* index and data in one outw */
    ck_assert_uint_eq(in(m, 0x3c5), 0x03);
    gc(m, 8, 0x5a);
    ck_assert_uint_eq(in(m, 0x3cf), 0x5a);
    crtc(m, 0x0e, 0x12);
    ck_assert_uint_eq(in(m, 0x3d5), 0x12);
    ck_assert_uint_eq(in(m, 0x3b5), 0xff);          /* mono ports off in colour mode */
    out(m, 0x3c2, 0x66);                            /* misc bit 0 = 0: mono at 0x3b4 */
    ck_assert_uint_eq(in(m, 0x3d5), 0xff);
    out(m, 0x3b4, 0x0e);
    ck_assert_uint_eq(in(m, 0x3b5), 0x12);
    teardown(m);
}
END_TEST

START_TEST(test_crtc_protect)
{
    Machine *m = setup();
    crtc(m, 0x01, 0x4f);
    crtc(m, 0x11, 0x80);
    crtc(m, 0x01, 0x27);
    out(m, 0x3d4, 1);
    ck_assert_uint_eq(in(m, 0x3d5), 0x4f);
    crtc(m, 0x07, 0xff);                            /* only bit 4 gets through */
    out(m, 0x3d4, 7);
    ck_assert_uint_eq(in(m, 0x3d5), 0x10);
    crtc(m, 0x0a, 0x0d);                            /* not protected */
    out(m, 0x3d4, 0x0a);
    ck_assert_uint_eq(in(m, 0x3d5), 0x0d);
    teardown(m);
}
END_TEST

START_TEST(test_attribute_flipflop)
{
    Machine *m = setup();
    in(m, 0x3da);
    out(m, 0x3c0, 0x01);                            /* index (PAS 0: palette writable) */
    out(m, 0x3c0, 0x3b);                            /* data */
    ck_assert_uint_eq(in(m, 0x3c0), 0x01);
    ck_assert_uint_eq(in(m, 0x3c1), 0x3b);
    out(m, 0x3c0, 0x12);                            /* flip-flop back at index */
    out(m, 0x3c0, 0x0a);
    ck_assert_uint_eq(in(m, 0x3c1), 0x0a);
    out(m, 0x3c0, 0x10);                            /* index, then reset by 0x3da */
    in(m, 0x3da);
    out(m, 0x3c0, 0x21);                            /* index 1 with PAS set */
    out(m, 0x3c0, 0x11);                            /* palette locked while PAS = 1 */
    out(m, 0x3c0, 0x01);
    ck_assert_uint_eq(in(m, 0x3c1), 0x3b);
    ck_assert_uint_eq(in(m, 0x3c0), 0x01);
    teardown(m);
}
END_TEST

START_TEST(test_dac)
{
    Machine *m = setup();
    out(m, 0x3c8, 0x10);
    out(m, 0x3c9, 0x3f); out(m, 0x3c9, 0x20); out(m, 0x3c9, 0x01);
    out(m, 0x3c9, 0x02); out(m, 0x3c9, 0x03); out(m, 0x3c9, 0x04);
    ck_assert_uint_eq(in(m, 0x3c8), 0x12);          /* auto-increment */
    ck_assert_uint_eq(in(m, 0x3c7) & 3, 0);
    out(m, 0x3c7, 0x10);
    ck_assert_uint_eq(in(m, 0x3c7) & 3, 3);
    uint8_t got[6];
    for (int i = 0; i < 6; i++)
        got[i] = in(m, 0x3c9);
    const uint8_t want[6] = { 0x3f, 0x20, 0x01, 0x02, 0x03, 0x04 };
    ck_assert_mem_eq(got, want, 6);
    out(m, 0x3c6, 0x0f);
    ck_assert_uint_eq(in(m, 0x3c6), 0x0f);
    teardown(m);
}
END_TEST

START_TEST(test_retrace_from_clock)
{
    Machine *m = setup();
    int vr = 0, novr = 0, de = 0;
    for (int i = 0; i < 2000; i++) {
        uint8_t s = in(m, 0x3da);
        vr += !!(s & 8);
        novr += !(s & 8);
        de += !(s & 1);
        clock_advance(&m->clock, 7919);         /* ~ a quarter line, coprime */
    }
    ck_assert_int_gt(vr, 0);
    ck_assert_int_gt(novr, vr);
    ck_assert_int_gt(de, 0);
    ck_assert_uint_eq(in(m, 0x3ba), 0xff);          /* mono status is off in colour */
    teardown(m);
}
END_TEST

START_TEST(test_write_mode0_planes)
{
    Machine *m = setup();
    planar(m);
    seq(m, 2, 0x05);                                /* planes 0 and 2 */
    mwr(m, 0xa0010, 0xa5);
    ck_assert_uint_eq(plane_byte(m, 0, 0x10), 0xa5);
    ck_assert_uint_eq(plane_byte(m, 1, 0x10), 0x00);
    ck_assert_uint_eq(plane_byte(m, 2, 0x10), 0xa5);
    ck_assert_uint_eq(plane_byte(m, 3, 0x10), 0x00);
    /* set/reset on planes 1 and 3 (value: plane 1 set, plane 3 reset) */
    seq(m, 2, 0x0f);
    gc(m, 0, 0x02);
    gc(m, 1, 0x0a);
    mwr(m, 0xa0020, 0x3c);
    ck_assert_uint_eq(plane_byte(m, 0, 0x20), 0x3c);
    ck_assert_uint_eq(plane_byte(m, 1, 0x20), 0xff);
    ck_assert_uint_eq(plane_byte(m, 2, 0x20), 0x3c);
    ck_assert_uint_eq(plane_byte(m, 3, 0x20), 0x00);
    /* rotate right by 4 and XOR with the latches */
    gc(m, 1, 0x00);
    mrd(m, 0xa0020);                                /* latches: 3c ff 3c 00 */
    gc(m, 3, 0x18 | 4);
    mwr(m, 0xa0020, 0x0f);                          /* rotated: 0xf0 */
    ck_assert_uint_eq(plane_byte(m, 0, 0x20), 0x3c ^ 0xf0);
    ck_assert_uint_eq(plane_byte(m, 1, 0x20), 0xff ^ 0xf0);
    ck_assert_uint_eq(plane_byte(m, 3, 0x20), 0xf0);
    teardown(m);
}
END_TEST

START_TEST(test_bit_mask_and_latches)
{
    Machine *m = setup();
    planar(m);
    mwr(m, 0xa0000, 0xff);
    mwr(m, 0xa0001, 0x00);
    mrd(m, 0xa0000);                                /* latches all 0xff */
    gc(m, 8, 0x0f);
    mwr(m, 0xa0001, 0x00);                          /* high nibble from latches */
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane_byte(m, p, 1), 0xf0);
    /* write mode 1 copies the latches whatever the data and mask */
    gc(m, 8, 0x00);
    mrd(m, 0xa0000);
    gc(m, 5, 0x01);
    mwr(m, 0xa0002, 0x12);
    gc(m, 5, 0x00);
    for (int p = 0; p < 4; p++)
        ck_assert_uint_eq(plane_byte(m, p, 2), 0xff);
    teardown(m);
}
END_TEST

START_TEST(test_write_modes_2_and_3)
{
    Machine *m = setup();
    planar(m);
    gc(m, 5, 0x02);                                 /* mode 2: colour 0b1001 */
    gc(m, 8, 0xf0);
    mrd(m, 0xa0005);                                /* latches 0 */
    mwr(m, 0xa0005, 0x09);
    gc(m, 5, 0x00);
    ck_assert_uint_eq(plane_byte(m, 0, 5), 0xf0);
    ck_assert_uint_eq(plane_byte(m, 1, 5), 0x00);
    ck_assert_uint_eq(plane_byte(m, 2, 5), 0x00);
    ck_assert_uint_eq(plane_byte(m, 3, 5), 0xf0);
    /* mode 3: set/reset colour 0b0110, mask = rotated data & bit mask */
    gc(m, 8, 0xff);
    gc(m, 0, 0x06);
    gc(m, 5, 0x03);
    mrd(m, 0xa0006);
    mwr(m, 0xa0006, 0x81);
    gc(m, 5, 0x00);
    ck_assert_uint_eq(plane_byte(m, 0, 6), 0x00);
    ck_assert_uint_eq(plane_byte(m, 1, 6), 0x81);
    ck_assert_uint_eq(plane_byte(m, 2, 6), 0x81);
    ck_assert_uint_eq(plane_byte(m, 3, 6), 0x00);
    teardown(m);
}
END_TEST

START_TEST(test_read_mode1_color_compare)
{
    Machine *m = setup();
    planar(m);
    seq(m, 2, 0x01); mwr(m, 0xa0000, 0xf0);
    seq(m, 2, 0x02); mwr(m, 0xa0000, 0xcc);
    seq(m, 2, 0x0c); mwr(m, 0xa0000, 0x00);
    gc(m, 5, 0x08);
    gc(m, 2, 0x03);                                 /* colour 3: planes 0 and 1 set */
    gc(m, 7, 0x0f);
    ck_assert_uint_eq(mrd(m, 0xa0000), 0xc0);
    gc(m, 7, 0x01);                                 /* only plane 0 counts */
    ck_assert_uint_eq(mrd(m, 0xa0000), 0xf0);
    teardown(m);
}
END_TEST

START_TEST(test_chain4_odd_even_and_windows)
{
    Machine *m = setup();
    /* chain-4: address bits 0-1 pick the plane */
    seq(m, 4, 0x0e);
    gc(m, 6, 0x05);
    seq(m, 2, 0x0f);
    for (int i = 0; i < 8; i++)
        mwr(m, 0xa0000 + i, 0x10 + i);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(mrd(m, 0xa0000 + i), 0x10 + i);
    planar(m);
    ck_assert_uint_eq(plane_byte(m, 2, 4), 0x16);
    /* odd/even at 0xb8000: even bytes plane 0, odd bytes plane 1 */
    seq(m, 4, 0x02);
    gc(m, 5, 0x10);
    gc(m, 6, 0x0e);
    seq(m, 2, 0x03);
    gc(m, 4, 0x00);
    mwr(m, 0xb8000, 'H');
    mwr(m, 0xb8001, 0x1f);
    ck_assert_uint_eq(mrd(m, 0xb8000), 'H');
    ck_assert_uint_eq(mrd(m, 0xb8001), 0x1f);
    ck_assert_uint_eq(mrd(m, 0xa0000), 0xff);       /* outside the B8000 window */
    planar(m);
    ck_assert_uint_eq(plane_byte(m, 0, 0), 'H');
    ck_assert_uint_eq(plane_byte(m, 1, 0), 0x1f);
    ck_assert_uint_eq(mrd(m, 0xb8000), 0xff);       /* A0000 64K now */
    teardown(m);
}
END_TEST

/* 80x25, 9x16 cells, colour text, odd/even at 0xb8000. */
static void text_mode(Machine *m)
{
    out(m, 0x3c2, 0x67);
    seq(m, 1, 0x00);
    seq(m, 3, 0x00);
    crtc(m, 0x11, 0x00);
    crtc(m, 0x01, 79);
    crtc(m, 0x07, 0x1f);
    crtc(m, 0x09, 0x4f);
    crtc(m, 0x0a, 0x0e);
    crtc(m, 0x0b, 0x0f);
    crtc(m, 0x0c, 0); crtc(m, 0x0d, 0);
    crtc(m, 0x0e, 0); crtc(m, 0x0f, 1);             /* cursor on cell 1 */
    crtc(m, 0x12, 0x8f);
    crtc(m, 0x13, 40);
    crtc(m, 0x14, 0x1f);
    crtc(m, 0x17, 0xa3);
    for (int i = 0; i < 16; i++)
        ar(m, i, i);
    ar(m, 0x10, 0x0c);
    ar(m, 0x12, 0x0f);
    ar(m, 0x14, 0x00);
    in(m, 0x3da);
    out(m, 0x3c0, 0x20);                            /* PAS: display on */
    out(m, 0x3c8, 0);
    for (int i = 0; i < 16; i++) {                  /* DAC: 1 blue, 15 white */
        uint8_t r = i == 15 ? 63 : 0, b = (i == 1 || i == 15) ? 63 : 0;
        out(m, 0x3c9, r); out(m, 0x3c9, r); out(m, 0x3c9, b);
    }
}

static void load_glyph(Machine *m, uint32_t map_base, uint8_t ch, const uint8_t rows[16])
{
    planar(m);
    seq(m, 2, 0x04);
    for (int i = 0; i < 16; i++)
        mwr(m, 0xa0000 + map_base + ch * 32 + i, rows[i]);
    seq(m, 4, 0x02);
    gc(m, 5, 0x10);
    gc(m, 6, 0x0e);
    seq(m, 2, 0x03);
}

static uint32_t pixel(DisplaySurface *s, int x, int y)
{
    return display_surface_data(s)[y * display_surface_stride(s) / 4 + x] & 0xffffff;
}

static const uint8_t glyph_bar[16] = {
    [2] = 0x80, [3] = 0x01, [4] = 0xff,
};

START_TEST(test_text_render)
{
    Machine *m = setup();
    text_mode(m);
    load_glyph(m, 0, 'A', glyph_bar);
    mwr(m, 0xb8000, 'A');
    mwr(m, 0xb8001, 0x1f);                          /* white on blue */
    mwr(m, 0xb8002, ' ');
    mwr(m, 0xb8003, 0x1f);
    DisplaySurface *s = display_console_update(m->console);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->width, 720);
    ck_assert_int_eq(s->height, 400);
    const uint32_t white = 0xffffff, blue = 0x0000ff;
    ck_assert_uint_eq(pixel(s, 0, 0), blue);
    ck_assert_uint_eq(pixel(s, 0, 2), white);
    ck_assert_uint_eq(pixel(s, 1, 2), blue);
    ck_assert_uint_eq(pixel(s, 7, 3), white);
    ck_assert_uint_eq(pixel(s, 8, 3), blue);        /* 9th dot: background for 'A' */
    ck_assert_uint_eq(pixel(s, 8, 4), blue);
    ck_assert_uint_eq(pixel(s, 4, 4), white);
    /* the cursor on cell 1 (lines 14-15) in the foreground colour, at least
     * in the visible half of its blink period */
    ck_assert_uint_eq(pixel(s, 9 + 3, 14), white);
    ck_assert_uint_eq(pixel(s, 9 + 3, 13), blue);
    DisplayRect d = display_surface_take_dirty(s);
    ck_assert_int_gt(d.w, 0);
    /* nothing changed: nothing dirty */
    display_console_update(m->console);
    d = display_surface_take_dirty(s);
    ck_assert_int_eq(d.w * d.h, 0);
    /* a new character: only its cell is dirty */
    mwr(m, 0xb8000 + 2 * 81, 'A');
    mwr(m, 0xb8001 + 2 * 81, 0x1f);
    display_console_update(m->console);
    d = display_surface_take_dirty(s);
    ck_assert_int_eq(d.x, 9);
    ck_assert_int_eq(d.y, 16);
    ck_assert_int_eq(d.w, 9);
    ck_assert_int_eq(d.h, 16);
    ck_assert_uint_eq(pixel(s, 9 + 4, 16 + 4), white);
    teardown(m);
}
END_TEST

START_TEST(test_text_line_graphics_and_font_maps)
{
    Machine *m = setup();
    text_mode(m);
    load_glyph(m, 0, 0xc4, glyph_bar);
    load_glyph(m, 0x4000, 0xc4, glyph_bar);
    mwr(m, 0xb8000, 0xc4);
    mwr(m, 0xb8001, 0x0f);
    /* attribute bit 3 picks map A = 1 (plane 2 offset 0x4000) */
    static const uint8_t full[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    load_glyph(m, 0x4000, 'Z', full);
    seq(m, 3, 0x04);
    mwr(m, 0xb8004, 'Z');
    mwr(m, 0xb8005, 0x0f);
    DisplaySurface *s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 8, 4), 0xffffff);    /* 0xc0-0xdf extend to dot 9 */
    ck_assert_uint_eq(pixel(s, 8, 3), 0xffffff);
    ck_assert_uint_eq(pixel(s, 18 + 4, 10), 0xffffff);
    seq(m, 3, 0x00);                                /* map A = 0: 'Z' is blank there */
    s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 18 + 4, 10), 0x000000);
    /* 8-dot characters: 640 wide */
    seq(m, 1, 0x01);
    s = display_console_update(m->console);
    ck_assert_int_eq(s->width, 640);
    teardown(m);
}
END_TEST

START_TEST(test_text_blink_and_blank)
{
    Machine *m = setup();
    text_mode(m);
    load_glyph(m, 0, 'B', glyph_bar);
    mwr(m, 0xb8000, 'B');
    mwr(m, 0xb8001, 0x9f);                          /* blinking white on blue */
    DisplaySurface *s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 4, 4), 0xffffff);
    clock_advance(&m->clock, 500000000);            /* into the off phase */
    s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 4, 4), 0x0000ff);
    ar(m, 0x10, 0x04);                              /* bit 7 is intensity now */
    in(m, 0x3da);
    out(m, 0x3c0, 0x20);
    s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 4, 4), 0xffffff);
    in(m, 0x3da);
    out(m, 0x3c0, 0x00);                            /* PAS off: the screen goes black */
    s = display_console_update(m->console);
    ck_assert_uint_eq(pixel(s, 4, 4), 0);
    uint16_t cells[4];
    int cols, rows;
    ck_assert_int_eq(m->console->ops->text(m->console->opaque, cells, 4, &cols, &rows), 2000);
    ck_assert_int_eq(cols, 80);
    ck_assert_int_eq(rows, 25);
    ck_assert_uint_eq(cells[0], 0x9f00 | 'B');
    teardown(m);
}
END_TEST

START_TEST(test_mode13h_render)
{
    Machine *m = setup();
    out(m, 0x3c2, 0x63);
    seq(m, 1, 0x01);
    seq(m, 4, 0x0e);
    gc(m, 5, 0x40);
    gc(m, 6, 0x05);
    crtc(m, 0x01, 0x4f);
    crtc(m, 0x07, 0x1f);
    crtc(m, 0x09, 0x41);
    crtc(m, 0x12, 0x8f);
    crtc(m, 0x13, 0x28);
    crtc(m, 0x14, 0x40);
    crtc(m, 0x17, 0xa3);
    ar(m, 0x10, 0x41);
    in(m, 0x3da);
    out(m, 0x3c0, 0x20);
    out(m, 0x3c8, 0x42);
    out(m, 0x3c9, 63); out(m, 0x3c9, 0); out(m, 0x3c9, 0);
    mwr(m, 0xa0000 + 320 * 10 + 7, 0x42);
    DisplaySurface *s = display_console_update(m->console);
    ck_assert_int_eq(s->width, 320);
    ck_assert_int_eq(s->height, 200);
    ck_assert_uint_eq(pixel(s, 7, 10), 0xff0000);
    ck_assert_uint_eq(pixel(s, 8, 10), 0);
    teardown(m);
}
END_TEST

START_TEST(test_mode12h_render)
{
    Machine *m = setup();
    out(m, 0x3c2, 0xe3);
    seq(m, 1, 0x01);
    crtc(m, 0x01, 79);
    crtc(m, 0x07, 0x02);
    crtc(m, 0x09, 0x40);
    crtc(m, 0x12, 0xdf);
    crtc(m, 0x13, 40);
    crtc(m, 0x14, 0x00);
    crtc(m, 0x17, 0xe3);                            /* byte mode */
    for (int i = 0; i < 16; i++)
        ar(m, i, i);
    ar(m, 0x10, 0x01);
    ar(m, 0x12, 0x0f);
    in(m, 0x3da);
    out(m, 0x3c0, 0x20);
    out(m, 0x3c8, 5);
    out(m, 0x3c9, 63); out(m, 0x3c9, 0); out(m, 0x3c9, 63);
    planar(m);
    seq(m, 2, 0x05);                                /* colour 5 = planes 0 and 2 */
    mwr(m, 0xa0000 + 2 * 80 + 1, 0x40);             /* pixel (9, 2) */
    DisplaySurface *s = display_console_update(m->console);
    ck_assert_int_eq(s->width, 640);
    ck_assert_int_eq(s->height, 480);
    ck_assert_uint_eq(pixel(s, 9, 2), 0xff00ff);
    ck_assert_uint_eq(pixel(s, 8, 2), 0);
    ck_assert_uint_eq(pixel(s, 10, 2), 0);
    teardown(m);
}
END_TEST

static Suite *vga_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_index_data_registers);
    tcase_add_test(tc, test_crtc_protect);
    tcase_add_test(tc, test_attribute_flipflop);
    tcase_add_test(tc, test_dac);
    tcase_add_test(tc, test_retrace_from_clock);
    tcase_add_test(tc, test_write_mode0_planes);
    tcase_add_test(tc, test_bit_mask_and_latches);
    tcase_add_test(tc, test_write_modes_2_and_3);
    tcase_add_test(tc, test_read_mode1_color_compare);
    tcase_add_test(tc, test_chain4_odd_even_and_windows);
    tcase_add_test(tc, test_text_render);
    tcase_add_test(tc, test_text_line_graphics_and_font_maps);
    tcase_add_test(tc, test_text_blink_and_blank);
    tcase_add_test(tc, test_mode13h_render);
    tcase_add_test(tc, test_mode12h_render);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vga_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
