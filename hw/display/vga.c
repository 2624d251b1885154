/* isa-vga: the legacy VGA as an ISA device -- its registers on ports
 * 0x3b0-0x3df, 256 KiB of video memory behind the 0xa0000-0xbffff window,
 * a console the UI reads, and the VGA BIOS handed to the firmware. */
#include <stdlib.h>
#include <string.h>

#include "hw/display/vga_int.h"
#include "yl/fw_cfg.h"
#include "yl/machine.h"

#define DEFAULT_VGA_ROM "/usr/share/seabios/vgabios-isavga.bin"
#define VGA_ROM_MAX (128 << 10)

int64_t vga_now(VGAState *s)
{
    return clock_ns(&s->m->clock);
}

/* The window takes accesses of any width as bytes, lowest address first. */
static uint64_t vga_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)vga_mem_readb(opaque, addr + i) << (8 * i);
    return v;
}

static void vga_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        vga_mem_writeb(opaque, addr + i, val >> (8 * i));
}

static const MemOps vga_mmio_ops = { vga_mmio_read, vga_mmio_write };

/* The VGA BIOS goes to the firmware as fw_cfg file "vgaroms/<name>", which
 * SeaBIOS copies to 0xc0000 and runs.  The default image may be absent
 * (no seabios package): then there is simply no VGA BIOS. */
static int vga_rom_install(VGAState *s, Machine *m, char *err, int errlen)
{
    if (!s->romfile || !*s->romfile)
        return 0;
    FILE *f = fopen(s->romfile, "rb");
    if (!f) {
        if (!strcmp(s->romfile, DEFAULT_VGA_ROM))
            return 0;
        snprintf(err, errlen, "isa-vga: could not load VGA BIOS '%s'", s->romfile);
        return -1;
    }
    s->rom = malloc(VGA_ROM_MAX);
    s->rom_size = s->rom ? fread(s->rom, 1, VGA_ROM_MAX, f) : 0;
    bool too_big = s->rom && fgetc(f) != EOF;
    fclose(f);
    if (!s->rom_size || too_big) {
        snprintf(err, errlen, "isa-vga: VGA BIOS '%s' is empty, unreadable or over 128 KiB",
                 s->romfile);
        return -1;
    }
    FWCfg *fw = fw_cfg_of(m);
    if (!fw)
        return 0;   /* a board without fw_cfg (or -kernel): no VGA BIOS */
    const char *base = strrchr(s->romfile, '/');
    char name[FW_CFG_NAME_LEN];
    snprintf(name, sizeof(name), "vgaroms/%s", base ? base + 1 : s->romfile);
    if (fw_cfg_add_file(fw, name, s->rom, s->rom_size) < 0) {
        snprintf(err, errlen, "isa-vga: no room for %s in fw_cfg", name);
        return -1;
    }
    return 0;
}

static void vga_console_update(void *opaque)
{
    vga_gfx_draw(opaque);
}

static int vga_console_text(void *opaque, uint16_t *cells, int max, int *cols, int *rows)
{
    return vga_text_cells(opaque, cells, max, cols, rows);
}

static const DisplayConsoleOps vga_console_ops = { vga_console_update, vga_console_text };

static void vga_reset(Device *dev)
{
    vga_regs_reset((VGAState *)dev);
}

static int vga_realize(Device *dev, Machine *m, char *err, int errlen)
{
    VGAState *s = (VGAState *)dev;
    s->m = m;
    s->vram = calloc(1, VGA_VRAM_SIZE);
    if (!s->vram) {
        snprintf(err, errlen, "isa-vga: out of memory");
        return -1;
    }
    if (vga_regs_register(s, m) < 0) {
        snprintf(err, errlen, "isa-vga: I/O ports 0x3b0-0x3df already in use");
        return -1;
    }
    if (!mem_add_mmio(&m->as, "vga-lowmem", VGA_WINDOW_BASE, VGA_WINDOW_SIZE,
                      &vga_mmio_ops, s, 1)) {
        snprintf(err, errlen, "isa-vga: no room in the memory map");
        return -1;
    }
    if (m->console) {
        snprintf(err, errlen, "isa-vga: the machine already has a display");
        return -1;
    }
    s->con = (DisplayConsole){ &vga_console_ops, s, NULL };
    m->console = &s->con;
    vga_regs_reset(s);
    return vga_rom_install(s, m, err, errlen);
}

static void vga_destroy(Device *dev)
{
    VGAState *s = (VGAState *)dev;
    if (s->m && s->m->console == &s->con)
        s->m->console = NULL;
    display_surface_free(s->con.surface);
    free(s->shadow);
    free(s->vram);
    free(s->rom);
}

static const PropDesc vga_props[] = {
    { "romfile", PROP_STR, offsetof(VGAState, romfile), DEFAULT_VGA_ROM },
    { NULL },
};

const DeviceClass isa_vga_class = {
    .name = "isa-vga",
    .desc = "ISA VGA (text modes; VGA BIOS from SeaBIOS)",
    .instance_size = sizeof(VGAState),
    .props = vga_props,
    .realize = vga_realize,
    .reset = vga_reset,
    .destroy = vga_destroy,
    .user_creatable = 1,
};
