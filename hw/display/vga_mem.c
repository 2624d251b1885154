/* The VGA memory window at 0xa0000-0xbffff: which part of it decodes (GC
 * misc), how a CPU address reaches the four planes (chain-4, odd/even or
 * planar), the latches, read modes 0/1 and write modes 0-3 with rotate,
 * set/reset, logical function and bit mask. */
#include <string.h>

#include "hw/display/vga_int.h"

/* Where GC misc bits 3:2 place the window: start and size (from 0xa0000). */
static const uint32_t window_start[4] = { 0x00000, 0x00000, 0x10000, 0x18000 };
static const uint32_t window_size[4] = { 0x20000, 0x10000, 0x08000, 0x08000 };

/* Window-relative address, or -1 when the address is outside the window. */
static int32_t window_addr(VGAState *s, uint32_t addr)
{
    unsigned map = (s->gc[GR_MISC] >> 2) & 3;
    if (addr < window_start[map] || addr - window_start[map] >= window_size[map])
        return -1;
    return addr - window_start[map];
}

static uint32_t expand_bits(uint8_t planes)
{
    uint32_t v = 0;
    for (int p = 0; p < 4; p++)
        if (planes & (1 << p))
            v |= 0xffu << (8 * p);
    return v;
}

static uint32_t load_latch(VGAState *s, uint32_t off)
{
    uint32_t v;
    memcpy(&v, &s->vram[(off & (VGA_PLANE_SIZE - 1)) * 4], 4);
    return v;
}

/* Read mode 1: a bit is set where every plane not masked out by "colour
 * don't care" matches the colour compare value. */
static uint8_t color_compare(VGAState *s)
{
    uint32_t want = expand_bits(s->gc[GR_COLOR_CMP] & 0x0f);
    uint32_t care = expand_bits(s->gc[GR_DONT_CARE] & 0x0f);
    uint32_t diff = (s->latch ^ want) & care;
    return ~(diff | diff >> 8 | diff >> 16 | diff >> 24) & 0xff;
}

uint8_t vga_mem_readb(VGAState *s, uint32_t addr)
{
    int32_t a = window_addr(s, addr);
    if (a < 0)
        return 0xff;
    uint32_t off;
    unsigned plane;
    if (s->seq[SR_MEM_MODE] & SR04_CHAIN4) {
        off = a & ~3u;
        plane = a & 3;
    } else if (s->gc[GR_MODE] & GR05_ODD_EVEN) {
        off = a & ~1u;
        plane = (s->gc[GR_READ_MAP] & 2) | (a & 1);
    } else {
        off = a;
        plane = s->gc[GR_READ_MAP] & 3;
    }
    s->latch = load_latch(s, off);
    if (s->gc[GR_MODE] & GR05_READ_MODE1)
        return color_compare(s);
    return s->latch >> (8 * plane);
}

static uint8_t rotate_right(uint8_t v, unsigned n)
{
    n &= 7;
    return n ? (uint8_t)(v >> n | v << (8 - n)) : v;
}

static uint32_t apply_function(VGAState *s, uint32_t v)
{
    switch ((s->gc[GR_ROTATE] >> 3) & 3) {
    case 1: return v & s->latch;
    case 2: return v | s->latch;
    case 3: return v ^ s->latch;
    default: return v;
    }
}

/* The 32-bit value (one byte per plane) that write modes 0-3 produce. */
static uint32_t write_value(VGAState *s, uint8_t val)
{
    uint8_t rot = rotate_right(val, s->gc[GR_ROTATE]);
    uint32_t mask = s->gc[GR_BIT_MASK] * 0x01010101u;
    uint32_t sr = expand_bits(s->gc[GR_SET_RESET]);
    uint32_t v;
    switch (s->gc[GR_MODE] & 3) {
    case 0: {
        uint32_t en = expand_bits(s->gc[GR_ENABLE_SR]);
        v = (sr & en) | (rot * 0x01010101u & ~en);
        break;
    }
    case 1:
        return s->latch;
    case 2:
        v = expand_bits(val);
        break;
    default:    /* 3: rotated data ANDed into the bit mask, set/reset as data */
        mask &= rot * 0x01010101u;
        v = sr;
        break;
    }
    v = apply_function(s, v);
    return (v & mask) | (s->latch & ~mask);
}

static void write_planes(VGAState *s, uint32_t off, uint8_t planes, uint32_t v)
{
    uint8_t *p = &s->vram[(off & (VGA_PLANE_SIZE - 1)) * 4];
    if (planes & 0x0c)
        s->full_redraw = true;  /* the font lives in plane 2 */
    for (int i = 0; i < 4; i++)
        if (planes & (1 << i))
            p[i] = v >> (8 * i);
}

void vga_mem_writeb(VGAState *s, uint32_t addr, uint8_t val)
{
    int32_t a = window_addr(s, addr);
    if (a < 0)
        return;
    uint8_t map_mask = s->seq[SR_MAP_MASK] & 0x0f;
    if (s->seq[SR_MEM_MODE] & SR04_CHAIN4) {
        /* Chain-4 (mode 13h): address bits 0-1 pick the plane. */
        write_planes(s, a & ~3u, map_mask & (1 << (a & 3)), (uint32_t)val << (8 * (a & 3)));
        return;
    }
    uint32_t off = a;
    if (!(s->seq[SR_MEM_MODE] & SR04_NOT_ODD_EVEN)) {
        /* Odd/even: even addresses reach planes 0 and 2, odd ones 1 and 3. */
        map_mask &= (a & 1) ? 0x0a : 0x05;
        off = a & ~1u;
    }
    write_planes(s, off, map_mask, write_value(s, val));
}
