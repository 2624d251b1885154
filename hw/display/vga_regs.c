/* The VGA register file on ports 0x3b0-0x3df: misc output, feature
 * control, input status 0/1, sequencer, CRTC (0x3b4/5 or 0x3d4/5 as misc
 * output bit 0 says), graphics controller, attribute controller with its
 * index/data flip-flop, and the DAC. */
#include <string.h>

#include "hw/display/vga_int.h"
#include "yl/ioport.h"
#include "yl/machine.h"

#define VGA_IO_BASE 0x3b0
#define VGA_IO_LEN 0x30

/* Fixed 720x400@70 Hz timing: 31.778 us lines, 449 lines a frame. */
#define LINE_NS 31778
#define FRAME_LINES 449
#define VISIBLE_LINES 400
#define VRETRACE_FIRST 412
#define VRETRACE_LINES 2
#define HBLANK_NS 6356      /* the last fifth of each line */

void vga_regs_reset(VGAState *s)
{
    s->misc = MISC_COLOR_IO | 0x02;  /* colour ports, RAM enabled */
    s->feature = 0;
    s->seq_index = s->crtc_index = s->gc_index = s->ar_index = 0;
    memset(s->seq, 0, sizeof(s->seq));
    memset(s->crtc, 0, sizeof(s->crtc));
    memset(s->gc, 0, sizeof(s->gc));
    memset(s->ar, 0, sizeof(s->ar));
    s->seq[SR_MAP_MASK] = 0x0f;
    s->gc[GR_BIT_MASK] = 0xff;
    s->gc[GR_DONT_CARE] = 0x0f;
    s->ar[AR_PLANE_ENABLE] = 0x0f;
    s->ar_flip = false;
    s->dac_read_index = s->dac_write_index = s->dac_sub = 0;
    s->dac_mask = 0xff;
    s->dac_reading = false;
    s->latch = 0;
    s->full_redraw = true;
}

/* Input status 1: bit 3 vertical retrace, bit 0 display disabled. */
static uint8_t input_status1(VGAState *s)
{
    int64_t t = vga_now(s);
    int64_t line = (t / LINE_NS) % FRAME_LINES;
    bool hblank = t % LINE_NS >= LINE_NS - HBLANK_NS;
    bool vretrace = line >= VRETRACE_FIRST && line < VRETRACE_FIRST + VRETRACE_LINES;
    s->ar_flip = false;
    return (vretrace ? 0x08 : 0) | (hblank || line >= VISIBLE_LINES ? 0x01 : 0);
}

static uint8_t dac_read_data(VGAState *s)
{
    uint8_t v = s->dac[s->dac_read_index][s->dac_sub];
    if (++s->dac_sub == 3) {
        s->dac_sub = 0;
        s->dac_read_index++;
    }
    return v;
}

static void dac_write_data(VGAState *s, uint8_t val)
{
    s->dac_latch[s->dac_sub] = val & 0x3f;
    if (++s->dac_sub == 3) {
        memcpy(s->dac[s->dac_write_index], s->dac_latch, 3);
        s->dac_sub = 0;
        s->dac_write_index++;
        s->full_redraw = true;
    }
}

/* The ports that move with misc output bit 0: 0x3b4/5/a or 0x3d4/5/a. */
static bool port_is_inactive(VGAState *s, uint16_t port)
{
    bool color = s->misc & MISC_COLOR_IO;
    if (port >= 0x3b0 && port <= 0x3bf)
        return color;
    if (port >= 0x3d0 && port <= 0x3df)
        return !color;
    return false;
}

uint8_t vga_ioport_readb(VGAState *s, uint16_t port)
{
    if (port_is_inactive(s, port))
        return 0xff;
    switch (port) {
    case 0x3c0: return s->ar_index;
    case 0x3c1: return s->ar[s->ar_index & 0x1f];
    case 0x3c2: return 0x10;            /* input status 0: switch sense */
    case 0x3c4: return s->seq_index;
    case 0x3c5: return s->seq_index < VGA_SEQ_REGS ? s->seq[s->seq_index] : 0xff;
    case 0x3c6: return s->dac_mask;
    case 0x3c7: return s->dac_reading ? 0x03 : 0x00;
    case 0x3c8: return s->dac_write_index;
    case 0x3c9: return dac_read_data(s);
    case 0x3ca: return s->feature;
    case 0x3cc: return s->misc;
    case 0x3ce: return s->gc_index;
    case 0x3cf: return s->gc_index < VGA_GC_REGS ? s->gc[s->gc_index] : 0xff;
    case 0x3b4: case 0x3d4: return s->crtc_index;
    case 0x3b5: case 0x3d5:
        return s->crtc_index < VGA_CRTC_REGS ? s->crtc[s->crtc_index] : 0xff;
    case 0x3ba: case 0x3da: return input_status1(s);
    default: return 0xff;
    }
}

static void ar_write(VGAState *s, uint8_t val)
{
    if (!s->ar_flip) {
        s->ar_index = val & 0x3f;
    } else {
        uint8_t i = s->ar_index & 0x1f;
        /* The palette is writable only while the display does not use it. */
        if (i < VGA_AC_REGS && (i >= 0x10 || !(s->ar_index & AR_INDEX_PAS)))
            s->ar[i] = i < 0x10 ? val & 0x3f : val;
    }
    s->ar_flip = !s->ar_flip;
    s->full_redraw = true;
}

static void crtc_write(VGAState *s, uint8_t val)
{
    uint8_t i = s->crtc_index;
    if (i >= VGA_CRTC_REGS)
        return;
    /* CR11 bit 7 locks registers 0-7, except the line compare bit in CR07. */
    if ((s->crtc[CR_VRETRACE_END] & CR11_PROTECT) && i <= CR_OVERFLOW) {
        if (i == CR_OVERFLOW)
            s->crtc[i] = (s->crtc[i] & ~0x10) | (val & 0x10);
        return;
    }
    s->crtc[i] = val;
}

void vga_ioport_writeb(VGAState *s, uint16_t port, uint8_t val)
{
    if (port_is_inactive(s, port))
        return;
    switch (port) {
    case 0x3c0: ar_write(s, val); return;
    case 0x3c2: s->misc = val; s->full_redraw = true; return;
    case 0x3c4: s->seq_index = val & 7; return;
    case 0x3c5:
        if (s->seq_index < VGA_SEQ_REGS)
            s->seq[s->seq_index] = val;
        s->full_redraw = true;
        return;
    case 0x3c6: s->dac_mask = val; s->full_redraw = true; return;
    case 0x3c7: s->dac_read_index = val; s->dac_sub = 0; s->dac_reading = true; return;
    case 0x3c8: s->dac_write_index = val; s->dac_sub = 0; s->dac_reading = false; return;
    case 0x3c9: dac_write_data(s, val); return;
    case 0x3ce: s->gc_index = val & 0x0f; return;
    case 0x3cf:
        if (s->gc_index < VGA_GC_REGS)
            s->gc[s->gc_index] = val;
        s->full_redraw = true;
        return;
    case 0x3b4: case 0x3d4: s->crtc_index = val & 0x1f; return;
    case 0x3b5: case 0x3d5: crtc_write(s, val); s->full_redraw = true; return;
    case 0x3ba: case 0x3da: s->feature = val; return;
    default: return;
    }
}

/* Word and dword accesses are bytes at consecutive ports (outw 0x3c4 sets
 * index and data at once). */
static uint32_t vga_io_read(void *opaque, uint16_t off, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)vga_ioport_readb(opaque, VGA_IO_BASE + off + i) << (8 * i);
    return v;
}

static void vga_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        vga_ioport_writeb(opaque, VGA_IO_BASE + off + i, val >> (8 * i));
}

static const IOPortOps vga_io_ops = { vga_io_read, vga_io_write };

int vga_regs_register(VGAState *s, Machine *m)
{
    return ioport_register(&m->io, VGA_IO_BASE, VGA_IO_LEN, &vga_io_ops, s);
}
