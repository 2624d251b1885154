/* ATA disks (ATA/ATAPI-6): IDENTIFY DEVICE, PIO, multiple and DMA reads
 * and writes with 28- and 48-bit addresses, CHS, flush, power commands. */
#include <errno.h>
#include <string.h>

#include "hw/ide/ide.h"

#define LBA28_MAX 0x0fffffffull

void ata_init_geometry(IDEDrive *d)
{
    d->nsectors = blk_length(d->blk) / IDE_SECTOR;
    uint64_t cyls = d->nsectors / (16 * 63);
    d->heads = 16;
    d->secs = 63;
    d->cyls = cyls > 16383 ? 16383 : cyls < 1 ? 1 : cyls;
    d->cur_heads = d->heads;
    d->cur_secs = d->secs;
}

static uint32_t chs_capacity(const IDEDrive *d)
{
    uint64_t c = (uint64_t)d->cyls * d->cur_heads * d->cur_secs;
    return c > d->nsectors ? d->nsectors : c;
}

void ata_identify(IDEDrive *d, uint16_t id[256])
{
    uint64_t lba28 = d->nsectors < LBA28_MAX ? d->nsectors : LBA28_MAX;
    uint32_t chs = chs_capacity(d);
    memset(id, 0, 512);
    id[0] = 0x0040;                         /* fixed device */
    id[1] = d->cyls;
    id[3] = d->heads;
    id[6] = d->secs;
    ide_strcpy_swapped(&id[10], d->serial, 20);
    ide_strcpy_swapped(&id[23], "1.0", 8);
    ide_strcpy_swapped(&id[27], d->model, 40);
    id[47] = 0x8000 | IDE_MAX_MULT;
    id[49] = 0x0300;                        /* LBA, DMA */
    id[50] = 0x4000;
    id[51] = 0x0200;                        /* PIO mode 2 timing */
    id[53] = 0x0007;                        /* words 54-58, 64-70, 88 valid */
    id[54] = d->cyls;
    id[55] = d->cur_heads;
    id[56] = d->cur_secs;
    id[57] = chs;
    id[58] = chs >> 16;
    id[59] = d->mult ? 0x0100 | d->mult : 0;
    id[60] = lba28;
    id[61] = lba28 >> 16;
    id[63] = 0x0007 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7) : 0);
    id[64] = 0x0003;                        /* PIO 3 and 4 */
    id[65] = id[66] = id[67] = id[68] = 120;
    id[80] = 0x007e;                        /* ATA-1 to ATA-6 */
    id[82] = 0x0020;                        /* write cache */
    id[83] = 0x7400;                        /* FLUSH CACHE (EXT), 48-bit */
    id[84] = 0x4000;
    id[85] = d->wcache ? 0x0020 : 0;
    id[86] = 0x3400;
    id[87] = 0x4000;
    id[88] = 0x003f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7) : 0);
    id[93] = 0x6001;                        /* reset result: 80-wire cable */
    for (int i = 0; i < 4; i++)
        id[100 + i] = d->nsectors >> (16 * i);
}

static bool is_lba48(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: case 0x25: case 0x29: case 0x34: case 0x35: case 0x39: case 0x42:
        return true;
    default:
        return false;
    }
}

/* The start sector and count from the task file; false if CHS is invalid. */
static bool ata_decode_address(IDEChannel *ch, IDEDrive *d, bool lba48)
{
    if (lba48) {
        ch->lba = (uint64_t)ch->hob_hcyl << 40 | (uint64_t)ch->hob_lcyl << 32
            | (uint64_t)ch->hob_sector << 24 | ch->hcyl << 16 | ch->lcyl << 8 | ch->sector;
        ch->left = ch->hob_nsector << 8 | ch->nsector;
        if (!ch->left)
            ch->left = 65536;
        return true;
    }
    ch->left = ch->nsector ? ch->nsector : 256;
    if (ch->select & DEV_LBA) {
        ch->lba = (uint32_t)(ch->select & 0x0f) << 24 | ch->hcyl << 16 | ch->lcyl << 8
            | ch->sector;
        return true;
    }
    unsigned cyl = ch->hcyl << 8 | ch->lcyl, head = ch->select & 0x0f;
    if (ch->sector == 0 || ch->sector > d->cur_secs || head >= d->cur_heads)
        return false;
    ch->lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_secs + ch->sector - 1;
    return true;
}

/* Leaves the address of the last sector moved in the task file. */
static void ata_set_address(IDEChannel *ch, IDEDrive *d, uint64_t lba, bool lba48)
{
    if (lba48) {
        ch->hob_hcyl = lba >> 40;
        ch->hob_lcyl = lba >> 32;
        ch->hob_sector = lba >> 24;
    } else if (ch->select & DEV_LBA) {
        ch->select = (ch->select & 0xf0) | ((lba >> 24) & 0x0f);
    } else {
        uint32_t track = lba / d->cur_secs;
        unsigned cyl = track / d->cur_heads;
        ch->select = (ch->select & 0xf0) | (track % d->cur_heads);
        ch->sector = lba % d->cur_secs + 1;
        ch->lcyl = cyl;
        ch->hcyl = cyl >> 8;
        return;
    }
    ch->hcyl = lba >> 16;
    ch->lcyl = lba >> 8;
    ch->sector = lba;
}

static void ata_io_error(IDEChannel *ch, int r)
{
    ch->pio_done = NULL;
    ch->pos = ch->end = 0;
    ch->status = ST_DRDY | ST_ERR;
    ch->error = (r == -EIO) ? ER_UNC : ER_ABRT;
    ide_set_irq(ch);
}

static int ata_rw(IDEChannel *ch, IDEDrive *d, uint32_t n, bool write)
{
    uint64_t off = ch->lba * IDE_SECTOR;
    int r = write ? blk_pwrite(d->blk, off, ch->buf, n * IDE_SECTOR)
                  : blk_pread(d->blk, off, ch->buf, n * IDE_SECTOR);
    if (r < 0)
        yl_log_mask(ch->log, LOG_GUEST_ERRORS, "ide: %s of %u sectors at %llu failed: %s\n",
                    write ? "write" : "read", n, (unsigned long long)ch->lba, strerror(-r));
    return r;
}

static uint32_t ata_block_sectors(IDEChannel *ch)
{
    return ch->left < ch->per_block ? ch->left : ch->per_block;
}

static void ata_pio_read_block(IDEChannel *ch);

static void ata_pio_read_end(IDEChannel *ch)
{
    ch->status = ST_DRDY | ST_DSC;
}

static void ata_pio_read_block(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    uint32_t n = ata_block_sectors(ch);
    int r = ata_rw(ch, d, n, false);
    if (r < 0) {
        ata_io_error(ch, r);
        return;
    }
    ata_set_address(ch, d, ch->lba + n - 1, is_lba48(ch->command));
    ch->lba += n;
    ch->left -= n;
    ide_pio_start(ch, n * IDE_SECTOR, ch->left ? ata_pio_read_block : ata_pio_read_end, true);
}

/* A block of the guest's data is in buf: write it, ask for the next. */
static void ata_pio_write_block(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    uint32_t n = ch->end / IDE_SECTOR;
    int r = ata_rw(ch, d, n, true);
    if (r < 0) {
        ata_io_error(ch, r);
        return;
    }
    ata_set_address(ch, d, ch->lba + n - 1, is_lba48(ch->command));
    ch->lba += n;
    ch->left -= n;
    if (ch->left)
        ide_pio_start(ch, ata_block_sectors(ch) * IDE_SECTOR, ata_pio_write_block, true);
    else
        ide_cmd_ok(ch);
}

static void ata_dma_run(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    while (ch->left) {
        uint32_t n = ch->left < IDE_BUF_SIZE / IDE_SECTOR ? ch->left : IDE_BUF_SIZE / IDE_SECTOR;
        uint32_t len = n * IDE_SECTOR;
        int r = 0;
        if (!ch->is_write)
            r = ata_rw(ch, d, n, false);
        if (r == 0 && ch->dma->rw(ch->dma_opaque, ch->buf, len, !ch->is_write) != len)
            r = -EINVAL;    /* the PRD table is shorter than the transfer */
        if (r == 0 && ch->is_write)
            r = ata_rw(ch, d, n, true);
        if (r < 0) {
            ch->dma->done(ch->dma_opaque, true);
            ata_io_error(ch, r);
            return;
        }
        ata_set_address(ch, d, ch->lba + n - 1, is_lba48(ch->command));
        ch->lba += n;
        ch->left -= n;
    }
    ch->dma->done(ch->dma_opaque, false);
    ide_cmd_ok(ch);
}

typedef enum { XFER_PIO, XFER_MULT, XFER_DMA, XFER_VERIFY } XferKind;

static void ata_start_rw(IDEChannel *ch, IDEDrive *d, XferKind kind, bool write)
{
    bool lba48 = is_lba48(ch->command);
    if ((kind == XFER_MULT && !d->mult) || !ata_decode_address(ch, d, lba48)) {
        ide_abort(ch);
        return;
    }
    if (ch->lba > d->nsectors || ch->left > d->nsectors - ch->lba) {
        ch->status = ST_DRDY | ST_ERR;
        ch->error = ER_IDNF;
        ide_set_irq(ch);
        return;
    }
    ch->is_write = write;
    ch->per_block = kind == XFER_MULT ? d->mult : 1;
    switch (kind) {
    case XFER_VERIFY:
        ata_set_address(ch, d, ch->lba + ch->left - 1, lba48);
        ide_cmd_ok(ch);
        break;
    case XFER_DMA:
        ide_dma_start(ch, ata_dma_run);
        break;
    default:
        if (write)
            ide_pio_start(ch, ata_block_sectors(ch) * IDE_SECTOR, ata_pio_write_block, false);
        else
            ata_pio_read_block(ch);
        break;
    }
}

static void ata_flush(IDEChannel *ch, IDEDrive *d)
{
    int r = blk_flush(d->blk);
    if (r < 0) {
        yl_log_mask(ch->log, LOG_GUEST_ERRORS, "ide: flush failed: %s\n", strerror(-r));
        ata_io_error(ch, -EIO);
        return;
    }
    ide_cmd_ok(ch);
}

static void ata_identify_cmd(IDEChannel *ch, IDEDrive *d)
{
    uint16_t id[256];
    ata_identify(d, id);
    for (int i = 0; i < 256; i++) {
        ch->buf[2 * i] = id[i];
        ch->buf[2 * i + 1] = id[i] >> 8;
    }
    ide_pio_start(ch, IDE_SECTOR, ata_pio_read_end, true);
}

static void ata_set_features(IDEChannel *ch, IDEDrive *d)
{
    switch (ch->feature) {
    case 0x02: d->wcache = true; break;
    case 0x82: d->wcache = false; break;
    case 0x03: {
        uint8_t mode = ch->nsector;
        /* PIO default/0-4, multiword DMA 0-2, Ultra DMA 0-5 */
        bool ok = mode <= 1 || (mode >= 0x08 && mode <= 0x0c) || (mode >= 0x20 && mode <= 0x22)
            || (mode >= 0x40 && mode <= 0x45);
        if (!ok) {
            ide_abort(ch);
            return;
        }
        d->xfer_mode = mode;
        break;
    }
    case 0x55: case 0xaa: case 0x66: case 0xcc: case 0x05: case 0x85:
        break;      /* read look-ahead, defaults on reset, APM: nothing to do */
    default:
        ide_abort(ch);
        return;
    }
    ide_cmd_ok(ch);
}

bool ide_common_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xef:
        ata_set_features(ch, d);
        return true;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0x94: case 0x95: case 0x96: case 0x97:
        ide_cmd_ok(ch);     /* STANDBY/IDLE: we never spin down */
        return true;
    case 0xe5: case 0x98:   /* CHECK POWER MODE: active or idle */
        ch->nsector = 0xff;
        ide_cmd_ok(ch);
        return true;
    case 0x90:              /* EXECUTE DEVICE DIAGNOSTIC */
        ide_set_signature(ch, d);
        ch->status = d->kind == IDE_CD ? 0 : ST_DRDY | ST_DSC;
        ide_set_irq(ch);
        return true;
    default:
        return false;
    }
}

void ata_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0x20: case 0x21: case 0x24: ata_start_rw(ch, d, XFER_PIO, false); return;
    case 0x30: case 0x31: case 0x34: ata_start_rw(ch, d, XFER_PIO, true); return;
    case 0xc4: case 0x29: ata_start_rw(ch, d, XFER_MULT, false); return;
    case 0xc5: case 0x39: ata_start_rw(ch, d, XFER_MULT, true); return;
    case 0xc8: case 0xc9: case 0x25: ata_start_rw(ch, d, XFER_DMA, false); return;
    case 0xca: case 0xcb: case 0x35: ata_start_rw(ch, d, XFER_DMA, true); return;
    case 0x40: case 0x41: case 0x42: ata_start_rw(ch, d, XFER_VERIFY, false); return;
    case 0xe7: case 0xea: ata_flush(ch, d); return;
    case 0xec: ata_identify_cmd(ch, d); return;
    case 0xc6:              /* SET MULTIPLE MODE: a power of two up to the max */
        if (ch->nsector > IDE_MAX_MULT || (ch->nsector & (ch->nsector - 1))) {
            ide_abort(ch);
            return;
        }
        d->mult = ch->nsector;
        ide_cmd_ok(ch);
        return;
    case 0x91:              /* INITIALIZE DEVICE PARAMETERS */
        if (ch->nsector == 0) {
            ide_abort(ch);
            return;
        }
        d->cur_secs = ch->nsector;
        d->cur_heads = (ch->select & 0x0f) + 1;
        ide_cmd_ok(ch);
        return;
    case 0x70:              /* SEEK */
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
        ide_cmd_ok(ch);     /* RECALIBRATE */
        return;
    default:
        if (ide_common_command(ch, d, cmd))
            return;
        yl_log_mask(ch->log, LOG_UNIMP, "ide: unsupported ATA command 0x%02x\n", cmd);
        ide_abort(ch);      /* includes PACKET, IDENTIFY PACKET, DEVICE RESET */
        return;
    }
}
