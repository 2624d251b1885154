/* fw_cfg: the firmware configuration interface of QEMU's PC, written from
 * its public ABI description.  Ports: selector 0x510 (16 bits), data 0x511
 * (bytes, in sequence), DMA address 0x514 (64 bits big endian, written as
 * two dwords: the low one starts the transfer; reading it back gives the
 * "QEMU CFG" signature). */
#include <stdlib.h>
#include <string.h>

#include "hw/pc.h"
#include "yl/fw_cfg.h"
#include "yl/machine.h"

#define FW_CFG_IO_BASE  0x510
#define FW_CFG_DMA_BASE 0x514
#define FW_CFG_WRITE    0x4000
#define FW_CFG_KEY_MASK 0x3fff
#define FW_CFG_ID_TRAD  0x01
#define FW_CFG_ID_DMA   0x02
#define DMA_SIGNATURE   0x51454d5520434647ull   /* "QEMU CFG" */

enum { DMA_ERROR = 1, DMA_READ = 2, DMA_SKIP = 4, DMA_SELECT = 8, DMA_WRITE = 16 };

typedef struct FWCfgItem {
    uint16_t key;
    uint32_t len;
    uint8_t *data;
    char name[FW_CFG_NAME_LEN];     /* files only */
} FWCfgItem;

struct FWCfg {
    Device dev;
    Machine *m;
    FWCfgItem items[FW_CFG_MAX_ITEMS];
    int nitems, nfiles;
    uint16_t selector;
    uint32_t offset;
    uint64_t dma_addr;
};

FWCfg *fw_cfg_of(Machine *m)
{
    return m->fw_cfg;
}

static FWCfgItem *item_find(FWCfg *s, uint16_t key)
{
    for (int i = 0; i < s->nitems; i++)
        if (s->items[i].key == key)
            return &s->items[i];
    return NULL;
}

static FWCfgItem *item_set(FWCfg *s, uint16_t key, const void *data, uint32_t len)
{
    FWCfgItem *it = item_find(s, key);
    if (!it) {
        if (s->nitems == FW_CFG_MAX_ITEMS)
            return NULL;
        it = &s->items[s->nitems++];
        memset(it, 0, sizeof(*it));
        it->key = key;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = len;
    return it;
}

static void put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

/* The directory: a big-endian count, then {size, select, reserved, name}. */
static void rebuild_dir(FWCfg *s)
{
    uint32_t len = 4 + 64 * s->nfiles;
    uint8_t *dir = calloc(1, len);
    if (!dir)
        return;
    put_be32(dir, s->nfiles);
    uint8_t *e = dir + 4;
    for (int i = 0; i < s->nitems; i++) {
        FWCfgItem *it = &s->items[i];
        if (it->key < FW_CFG_FILE_FIRST || it->key >= FW_CFG_ARCH_LOCAL)
            continue;
        put_be32(e, it->len);
        put_be16(e + 4, it->key);
        memcpy(e + 8, it->name, FW_CFG_NAME_LEN);
        e += 64;
    }
    item_set(s, FW_CFG_FILE_DIR, dir, len);
    free(dir);
}

int fw_cfg_add_bytes(FWCfg *s, uint16_t key, const void *data, uint32_t len)
{
    if (!s || (key & FW_CFG_KEY_MASK) >= FW_CFG_FILE_FIRST + FW_CFG_MAX_ITEMS
        || key == FW_CFG_FILE_DIR)
        return -1;
    return item_set(s, key & ~FW_CFG_WRITE, data, len) ? 0 : -1;
}

int fw_cfg_add_i16(FWCfg *s, uint16_t key, uint16_t v)
{
    uint8_t b[2] = { v, v >> 8 };
    return fw_cfg_add_bytes(s, key, b, 2);
}

int fw_cfg_add_i32(FWCfg *s, uint16_t key, uint32_t v)
{
    uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };
    return fw_cfg_add_bytes(s, key, b, 4);
}

int fw_cfg_add_i64(FWCfg *s, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = v >> (8 * i);
    return fw_cfg_add_bytes(s, key, b, 8);
}

int fw_cfg_add_file(FWCfg *s, const char *name, const void *data, uint32_t len)
{
    if (!s || strlen(name) >= FW_CFG_NAME_LEN)
        return -1;
    uint16_t key = 0;
    for (int i = 0; i < s->nitems && !key; i++)
        if (s->items[i].key >= FW_CFG_FILE_FIRST && !strcmp(s->items[i].name, name))
            key = s->items[i].key;
    if (!key) {
        if (s->nfiles == FW_CFG_MAX_ITEMS - 32)
            return -1;
        key = FW_CFG_FILE_FIRST + s->nfiles;
    }
    FWCfgItem *it = item_set(s, key, data, len);
    if (!it)
        return -1;
    if (!it->name[0]) {
        strncpy(it->name, name, FW_CFG_NAME_LEN - 1);
        s->nfiles++;
    }
    rebuild_dir(s);
    return 0;
}

/* --- the port interface -------------------------------------------- */

static void fw_cfg_select(FWCfg *s, uint16_t key)
{
    s->selector = key;
    s->offset = 0;
}

static int read_byte(FWCfg *s)
{
    FWCfgItem *it = item_find(s, s->selector & ~FW_CFG_WRITE);
    if (!it || s->offset >= it->len)
        return 0;
    return it->data[s->offset++];
}

static uint32_t io_read(void *opaque, uint16_t off, unsigned size)
{
    FWCfg *s = opaque;
    if (off != 1)
        return 0;   /* the selector is write-only */
    /* Wider reads of the data port give the bytes in sequence, first byte
     * most significant (the ABI's "string-preserving" order). */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = v << 8 | read_byte(s);
    return v;
}

static void io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    FWCfg *s = opaque;
    if (off == 0 && size >= 2)
        fw_cfg_select(s, val);
    /* Writes to the data port are ignored, as in QEMU since 2.4. */
}

static const IOPortOps io_ops = { io_read, io_write };

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Runs the FWCfgDmaAccess structure at s->dma_addr. */
static void dma_run(FWCfg *s)
{
    AddressSpace *as = &s->m->as;
    uint8_t hdr[16];
    phys_rw(as, s->dma_addr, hdr, sizeof(hdr), false);
    uint32_t control = get_be32(hdr), len = get_be32(hdr + 4);
    uint64_t addr = (uint64_t)get_be32(hdr + 8) << 32 | get_be32(hdr + 12);
    if (control & DMA_SELECT)
        fw_cfg_select(s, control >> 16);
    uint32_t result = 0;
    FWCfgItem *it = item_find(s, s->selector & ~FW_CFG_WRITE);
    if (control & DMA_WRITE) {
        result = DMA_ERROR;     /* no writable items */
    } else if (control & (DMA_READ | DMA_SKIP)) {
        uint32_t avail = it && s->offset < it->len ? it->len - s->offset : 0;
        uint32_t n = len < avail ? len : avail;
        if (control & DMA_READ) {
            if (n)
                phys_rw(as, addr, it->data + s->offset, n, true);
            /* Past the end the guest gets zeros. */
            for (uint32_t i = n; i < len; i++)
                phys_write(as, addr + i, 0, 1);
        }
        s->offset += n;
    }
    uint8_t out[4];
    put_be32(out, result);
    phys_rw(as, s->dma_addr, out, 4, true);
}

static uint32_t dma_io_read(void *opaque, uint16_t off, unsigned size)
{
    uint64_t sig = DMA_SIGNATURE;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v = v << 8 | (uint8_t)(sig >> (8 * (7 - (off + i))));
    return v;
}

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static void dma_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    FWCfg *s = opaque;
    if (size != 4)
        return;
    uint32_t be = bswap32(val);     /* the guest stored a big-endian dword */
    if (off == 0) {
        s->dma_addr = (uint64_t)be << 32;
    } else if (off == 4) {
        s->dma_addr = (s->dma_addr & ~0xffffffffull) | be;
        dma_run(s);
        s->dma_addr = 0;
    }
}

static const IOPortOps dma_ops = { dma_io_read, dma_io_write };

/* --- the PC's items ------------------------------------------------- */

static void put_e820(uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
    for (int i = 0; i < 8; i++) {
        e[i] = base >> (8 * i);
        e[8 + i] = len >> (8 * i);
    }
    for (int i = 0; i < 4; i++)
        e[16 + i] = type >> (8 * i);
}

static void add_pc_items(FWCfg *s, Machine *m)
{
    static const uint8_t uuid[16];
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_ID_TRAD | FW_CFG_ID_DMA);
    fw_cfg_add_bytes(s, FW_CFG_UUID, uuid, sizeof(uuid));
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, m->as.ram_size);
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, m->opt.nographic);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, m->ncpus > 0 ? m->ncpus : 1);
    /* -smp maxcpus: what the firmware may size its tables for. */
    int ncpus = m->ncpus > 0 ? m->ncpus : 1;
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, m->opt.smp_max_cpus > ncpus ? m->opt.smp_max_cpus : ncpus);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    fw_cfg_add_i64(s, FW_CFG_NUMA, 0);
    /* etc/e820: the RAM map, 20-byte little-endian entries. */
    uint8_t e820[2 * 20];
    int n = 0;
    uint64_t low = pc_lowmem_size(m);
    put_e820(e820 + 20 * n++, 0, low, 1);
    if (m->as.ram_size > low)
        put_e820(e820 + 20 * n++, PC_HIGHMEM_BASE, m->as.ram_size - low, 1);
    fw_cfg_add_file(s, "etc/e820", e820, 20 * n);
}

static void fw_cfg_reset(Device *dev)
{
    FWCfg *s = (FWCfg *)dev;
    fw_cfg_select(s, 0);
    s->dma_addr = 0;
}

static int fw_cfg_realize(Device *dev, Machine *m, char *err, int errlen)
{
    FWCfg *s = (FWCfg *)dev;
    s->m = m;
    if (m->fw_cfg) {
        snprintf(err, errlen, "fw_cfg: the machine already has one");
        return -1;
    }
    if (ioport_register(&m->io, FW_CFG_IO_BASE, 2, &io_ops, s) < 0
        || ioport_register(&m->io, FW_CFG_DMA_BASE, 8, &dma_ops, s) < 0) {
        ioport_unregister(&m->io, FW_CFG_IO_BASE, 2);
        snprintf(err, errlen, "fw_cfg: I/O ports 0x510-0x51b already in use");
        return -1;
    }
    rebuild_dir(s);
    add_pc_items(s, m);
    m->fw_cfg = s;
    return 0;
}

static void fw_cfg_destroy(Device *dev)
{
    FWCfg *s = (FWCfg *)dev;
    if (s->m && s->m->fw_cfg == s) {
        s->m->fw_cfg = NULL;
        ioport_unregister(&s->m->io, FW_CFG_IO_BASE, 2);
        ioport_unregister(&s->m->io, FW_CFG_DMA_BASE, 8);
    }
    for (int i = 0; i < s->nitems; i++)
        free(s->items[i].data);
}

static const PropDesc fw_cfg_props[] = {
    { NULL },
};

const DeviceClass fw_cfg_class = {
    .name = "fw_cfg_io",
    .desc = "firmware configuration interface (ports 0x510/0x511, DMA at 0x514)",
    .instance_size = sizeof(FWCfg),
    .props = fw_cfg_props,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .destroy = fw_cfg_destroy,
};
