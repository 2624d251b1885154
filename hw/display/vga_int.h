/* The legacy VGA, shared between its files: the register file (vga_regs.c),
 * the memory window with its planes and latches (vga_mem.c), the renderer
 * (vga_text.c, graphics later) and the device itself (vga.c). */
#ifndef YL_HW_VGA_INT_H
#define YL_HW_VGA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yl/device.h"
#include "yl/display.h"

struct Machine;

#define VGA_PLANE_SIZE 0x10000          /* 64 KiB per plane, 4 planes */
#define VGA_VRAM_SIZE (4 * VGA_PLANE_SIZE)
#define VGA_WINDOW_BASE 0xa0000
#define VGA_WINDOW_SIZE 0x20000

#define VGA_SEQ_REGS 5
#define VGA_CRTC_REGS 0x19
#define VGA_GC_REGS 9
#define VGA_AC_REGS 0x15

/* Sequencer */
enum { SR_RESET, SR_CLOCK, SR_MAP_MASK, SR_CHAR_MAP, SR_MEM_MODE };
#define SR01_8DOT 0x01
#define SR01_SCREEN_OFF 0x20
#define SR04_NOT_ODD_EVEN 0x04
#define SR04_CHAIN4 0x08
/* Graphics controller */
enum { GR_SET_RESET, GR_ENABLE_SR, GR_COLOR_CMP, GR_ROTATE, GR_READ_MAP, GR_MODE,
       GR_MISC, GR_DONT_CARE, GR_BIT_MASK };
#define GR05_READ_MODE1 0x08
#define GR05_ODD_EVEN 0x10
#define GR05_SHIFT256 0x40
#define GR06_GRAPHICS 0x01
/* Attribute controller */
enum { AR_MODE = 0x10, AR_OVERSCAN, AR_PLANE_ENABLE, AR_HPAN, AR_COLOR_SELECT };
#define AR10_GRAPHICS 0x01
#define AR10_LINE_GRAPHICS 0x04
#define AR10_BLINK 0x08
#define AR10_8BIT 0x40
#define AR10_P54_SELECT 0x80
#define AR_INDEX_PAS 0x20
/* CRTC */
enum { CR_HTOTAL, CR_HDISP_END, CR_OVERFLOW = 7, CR_PRESET_ROW, CR_MAX_SCAN,
       CR_CURSOR_START, CR_CURSOR_END, CR_START_HI, CR_START_LO, CR_CURSOR_HI,
       CR_CURSOR_LO, CR_VRETRACE_END = 0x11, CR_VDISP_END, CR_OFFSET,
       CR_UNDERLINE, CR_MODE = 0x17, CR_LINE_COMPARE };
#define CR11_PROTECT 0x80
#define CR17_BYTE_MODE 0x40
#define CR14_DWORD 0x40
#define MISC_COLOR_IO 0x01

typedef struct VGAState {
    Device dev;
    struct Machine *m;
    uint8_t *vram;          /* plane p of offset o at vram[o * 4 + p] */
    uint32_t latch;         /* plane p in byte p */

    uint8_t misc, feature;
    uint8_t seq_index, seq[8];
    uint8_t crtc_index, crtc[0x20];
    uint8_t gc_index, gc[16];
    uint8_t ar_index, ar[0x20];
    bool ar_flip;           /* false: the next 0x3c0 write is an index */
    uint8_t dac_read_index, dac_write_index, dac_sub, dac_mask;
    bool dac_reading;       /* the last index written was the read index */
    uint8_t dac_latch[3];
    uint8_t dac[256][3];    /* 6-bit R, G, B */

    /* The console the UI reads. */
    DisplayConsole con;
    bool full_redraw;
    uint16_t *shadow;       /* text cells as last drawn (char | attr << 8) */
    int shadow_cells;
    uint32_t shadow_cursor, shadow_blink;
    char *romfile;          /* property: the VGA BIOS image */
    uint8_t *rom;
    size_t rom_size;
} VGAState;

/* vga_regs.c */
void vga_regs_reset(VGAState *s);
int vga_regs_register(VGAState *s, struct Machine *m);
uint8_t vga_ioport_readb(VGAState *s, uint16_t port);
void vga_ioport_writeb(VGAState *s, uint16_t port, uint8_t val);

/* vga_mem.c: addr is the offset from 0xa0000 */
uint8_t vga_mem_readb(VGAState *s, uint32_t addr);
void vga_mem_writeb(VGAState *s, uint32_t addr, uint8_t val);

/* vga_text.c */
typedef struct VGATextGeom {
    int cols, rows, char_w, char_h;
    uint32_t start;         /* in character cells */
    uint32_t addr_shift;    /* cell -> plane offset: 1 (word mode) etc. */
    uint32_t line_cells;    /* cells per row in memory (CRTC offset) */
} VGATextGeom;
bool vga_text_geometry(VGAState *s, VGATextGeom *g);
void vga_text_draw(VGAState *s);
int vga_text_cells(VGAState *s, uint16_t *cells, int max, int *cols, int *rows);
void vga_gfx_draw(VGAState *s);
uint32_t vga_palette_rgb(VGAState *s, uint8_t index4);
/* Virtual time in ns, for retrace and blinking. */
int64_t vga_now(VGAState *s);

#endif
