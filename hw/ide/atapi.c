/* ATAPI CD-ROM (ATA/ATAPI-6 packet protocol, MMC-3 commands): the image is
 * a sequence of 2048-byte sectors, one data track in one session. */
#include <errno.h>
#include <string.h>

#include "hw/ide/ide.h"

enum { SK_NOT_READY = 2, SK_ILLEGAL_REQUEST = 5, SK_UNIT_ATTENTION = 6 };
enum {
    ASC_INVALID_OPCODE = 0x20, ASC_LBA_RANGE = 0x21, ASC_INVALID_FIELD = 0x24,
    ASC_MEDIUM_CHANGED = 0x28, ASC_SAVING_UNSUPPORTED = 0x39,
    ASC_NO_MEDIUM = 0x3a, ASC_REMOVAL_PREVENTED = 0x53,
};
enum { EV_NONE = 0, EV_NEW_MEDIA = 2, EV_MEDIA_REMOVAL = 3 };

#define CD_MAX_SECTORS_CD 360000u   /* above this the disc is called a DVD */

static void put_be16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put_be32(uint8_t *p, uint32_t v) { put_be16(p, v >> 16); put_be16(p + 2, v); }
static uint16_t get_be16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static uint32_t get_be32(const uint8_t *p) { return (uint32_t)get_be16(p) << 16 | get_be16(p + 2); }

static bool cd_has_medium(const IDEDrive *d) { return d->blk && !d->tray_open; }
static uint32_t cd_sectors(const IDEDrive *d) { return d->blk ? blk_length(d->blk) / CD_SECTOR : 0; }

void atapi_identify(IDEDrive *d, uint16_t id[256])
{
    memset(id, 0, 512);
    id[0] = 0x85c0;         /* ATAPI, CD-ROM, removable, 50us DRQ, 12-byte packets */
    ide_strcpy_swapped(&id[10], d->serial, 20);
    ide_strcpy_swapped(&id[23], "1.0", 8);
    ide_strcpy_swapped(&id[27], d->model, 40);
    id[49] = 0x0300;        /* LBA, DMA */
    id[53] = 0x0006;        /* words 64-70 and 88 valid */
    id[63] = 0x0007 | ((d->xfer_mode >> 3) == 4 ? 0x100 << (d->xfer_mode & 7) : 0);
    id[64] = 0x0003;
    id[65] = id[66] = id[67] = id[68] = 120;
    id[71] = id[72] = 30;
    id[80] = 0x007e;
    id[82] = 0x0010;        /* PACKET feature set */
    id[83] = 0x4000;
    id[84] = 0x4000;
    id[85] = 0x0010;
    id[87] = 0x4000;
    id[88] = 0x003f | ((d->xfer_mode >> 3) == 8 ? 0x100 << (d->xfer_mode & 7) : 0);
    id[93] = 0x6001;
}

void atapi_change_media(IDEDrive *d, BlockBackend *blk)
{
    blk_close(d->blk);
    d->blk = blk;
    d->tray_open = false;
    d->unit_attention = true;
    d->media_event = blk ? EV_NEW_MEDIA : EV_MEDIA_REMOVAL;
}

/* The status phase: command done (IO and CoD set). */
static void atapi_ok(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    d->sense_key = d->asc = d->ascq = 0;
    ch->nsector = IR_IO | IR_COD;
    ch->status = ST_DRDY | ST_DSC;
    ch->error = 0;
    ide_set_irq(ch);
}

static void atapi_check_condition(IDEChannel *ch, uint8_t key, uint8_t asc, uint8_t ascq)
{
    IDEDrive *d = ide_cur(ch);
    d->sense_key = key;
    d->asc = asc;
    d->ascq = ascq;
    ch->pos = ch->end = ch->xfer_end = 0;
    ch->cd_left = 0;
    ch->pio_done = NULL;
    ch->nsector = IR_IO | IR_COD;
    ch->status = ST_DRDY | ST_ERR;
    ch->error = key << 4 | ER_ABRT;
    ide_set_irq(ch);
}

static void atapi_illegal(IDEChannel *ch, uint8_t asc)
{
    atapi_check_condition(ch, SK_ILLEGAL_REQUEST, asc, 0);
}

/* Loads the next run of READ sectors into buf; false after an error. */
static bool atapi_refill(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    uint32_t n = ch->cd_left < IDE_BUF_SIZE / CD_SECTOR ? ch->cd_left : IDE_BUF_SIZE / CD_SECTOR;
    int r = blk_pread(d->blk, (uint64_t)ch->cd_lba * CD_SECTOR, ch->buf, n * CD_SECTOR);
    if (r < 0) {
        atapi_check_condition(ch, 3, 0x11, 0);     /* MEDIUM ERROR, unrecovered read */
        return false;
    }
    ch->cd_lba += n;
    ch->cd_left -= n;
    ch->pos = 0;
    ch->xfer_end = n * CD_SECTOR;
    return true;
}

/* One DRQ block of at most the host's byte count limit. */
static void atapi_pio_next(IDEChannel *ch)
{
    if (ch->pos >= ch->xfer_end) {
        if (!ch->cd_left) {
            atapi_ok(ch);
            return;
        }
        if (!atapi_refill(ch))
            return;
    }
    uint32_t limit = ch->byte_limit;
    if (limit == 0 || limit == 0xffff)
        limit = 0xfffe;
    limit &= ~1u;
    uint32_t chunk = ch->xfer_end - ch->pos;
    if (chunk > limit)
        chunk = limit;
    ch->lcyl = chunk;
    ch->hcyl = chunk >> 8;
    ch->nsector = IR_IO;
    ch->end = ch->pos + chunk;
    ch->pio_done = atapi_pio_next;
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_set_irq(ch);
}

static void atapi_dma_run(IDEChannel *ch)
{
    for (;;) {
        uint32_t len = ch->xfer_end - ch->pos;
        if (ch->dma->rw(ch->dma_opaque, ch->buf + ch->pos, len, true) != len) {
            ch->dma->done(ch->dma_opaque, true);
            atapi_illegal(ch, ASC_INVALID_FIELD);
            return;
        }
        ch->pos = ch->xfer_end;
        if (!ch->cd_left)
            break;
        if (!atapi_refill(ch)) {
            ch->dma->done(ch->dma_opaque, true);
            return;
        }
    }
    ch->dma->done(ch->dma_opaque, false);
    atapi_ok(ch);
}

/* Sends buf[0..len) (cut to the allocation length) to the host. */
static void atapi_reply(IDEChannel *ch, uint32_t len, uint32_t alloc)
{
    ch->pos = 0;
    ch->xfer_end = len < alloc ? len : alloc;
    ch->cd_left = 0;
    if (!ch->xfer_end)
        atapi_ok(ch);
    else if (ch->atapi_dma)
        ide_dma_start(ch, atapi_dma_run);
    else
        atapi_pio_next(ch);
}

static void atapi_read(IDEChannel *ch, IDEDrive *d, uint32_t lba, uint32_t count)
{
    if ((uint64_t)lba + count > cd_sectors(d)) {
        atapi_illegal(ch, ASC_LBA_RANGE);
        return;
    }
    if (!count) {
        atapi_ok(ch);
        return;
    }
    ch->cd_lba = lba;
    ch->cd_left = count;
    if (!atapi_refill(ch))
        return;
    if (ch->atapi_dma)
        ide_dma_start(ch, atapi_dma_run);
    else
        atapi_pio_next(ch);
}

static void lba_to_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = lba / (75 * 60);
    p[1] = lba / 75 % 60;
    p[2] = lba % 75;
}

static void toc_addr(uint8_t *p, uint32_t lba, bool msf)
{
    if (msf) {
        p[0] = 0;
        lba_to_msf(p + 1, lba);
    } else {
        put_be32(p, lba);
    }
}

static void atapi_read_toc(IDEChannel *ch, IDEDrive *d)
{
    const uint8_t *c = ch->cdb;
    bool msf = c[1] & 2;
    int format = c[2] & 0x0f;
    if (!format)
        format = c[9] >> 6;     /* the pre-MMC place for the format */
    uint8_t *b = ch->buf;
    uint32_t len;
    memset(b, 0, 64);
    b[2] = b[3] = 1;            /* first and last track (or session) */
    switch (format) {
    case 0: {
        uint8_t track = c[6];
        if (track > 1 && track != 0xaa) {
            atapi_illegal(ch, ASC_INVALID_FIELD);
            return;
        }
        len = 4;
        if (track <= 1) {
            b[len + 1] = 0x14;  /* ADR 1, data track */
            b[len + 2] = 1;
            toc_addr(b + len + 4, 0, msf);
            len += 8;
        }
        b[len + 1] = 0x14;
        b[len + 2] = 0xaa;      /* lead-out */
        toc_addr(b + len + 4, cd_sectors(d), msf);
        len += 8;
        break;
    }
    case 1:                     /* multi-session: the first track of the last session */
        b[5] = 0x14;
        b[6] = 1;
        toc_addr(b + 8, 0, msf);
        len = 12;
        break;
    case 2: {                   /* full TOC: A0, A1, A2 and track 1, all MSF */
        static const uint8_t points[4] = { 0xa0, 0xa1, 0xa2, 0x01 };
        len = 4;
        for (int i = 0; i < 4; i++, len += 11) {
            uint8_t *e = b + len;
            e[0] = 1;
            e[1] = 0x14;
            e[3] = points[i];
            if (i == 2)
                lba_to_msf(e + 8, cd_sectors(d));
            else if (i == 3)
                lba_to_msf(e + 8, 0);
            else
                e[8] = 1;       /* first/last track; disc type 0 (CD-ROM) */
        }
        break;
    }
    default:
        atapi_illegal(ch, ASC_INVALID_FIELD);
        return;
    }
    put_be16(b, len - 2);
    atapi_reply(ch, len, get_be16(c + 7));
}

static uint32_t add_feature(uint8_t *p, uint16_t code, uint8_t flags, const uint8_t *data,
                            uint8_t n)
{
    put_be16(p, code);
    p[2] = flags;
    p[3] = n;
    memcpy(p + 4, data, n);
    return 4 + n;
}

static void atapi_get_configuration(IDEChannel *ch, IDEDrive *d)
{
    const uint8_t *c = ch->cdb;
    int rt = c[1] & 3;
    uint16_t start = get_be16(c + 2);
    bool media = cd_has_medium(d);
    bool dvd = media && cd_sectors(d) > CD_MAX_SECTORS_CD;
    uint16_t profile = !media ? 0 : dvd ? 0x0010 : 0x0008;
    uint8_t *b = ch->buf;
    memset(b, 0, 128);
    put_be16(b + 6, profile);
    uint32_t len = 8;
    uint8_t profiles[8] = { 0x00, 0x10, profile == 0x10, 0, 0x00, 0x08, profile == 0x08, 0 };
    uint8_t core[8] = { 0, 0, 0, 2, 1, 0, 0, 0 };           /* ATAPI, DBE */
    uint8_t removable[4] = { 0x29, 0, 0, 0 };               /* tray, eject, lock */
    uint8_t random[8] = { 0, 0, 0x08, 0x00, 0, dvd ? 16 : 1, 0, 0 };
    struct { uint16_t code; uint8_t flags; const uint8_t *data; uint8_t n; bool current; } f[] = {
        { 0x0000, 0x03, profiles, 8, true },
        { 0x0001, 0x0b, core, 8, true },
        { 0x0003, 0x03, removable, 4, true },
        { 0x0010, media ? 0x01 : 0x00, random, 8, media },
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (f[i].code < start || (rt == 1 && !f[i].current) || (rt == 2 && f[i].code != start))
            continue;
        len += add_feature(b + len, f[i].code, f[i].flags, f[i].data, f[i].n);
    }
    put_be32(b, len - 4);
    atapi_reply(ch, len, get_be16(c + 7));
}

static void atapi_event_status(IDEChannel *ch, IDEDrive *d)
{
    const uint8_t *c = ch->cdb;
    uint8_t *b = ch->buf;
    if (!(c[1] & 1)) {          /* only polled operation */
        atapi_illegal(ch, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    b[3] = 0x10;                /* we support the media class */
    uint32_t len = 4;
    if (c[4] & 0x10) {
        b[2] = 0x04;
        b[4] = d->media_event;
        b[5] = (cd_has_medium(d) ? 0x02 : 0) | (d->tray_open ? 0x01 : 0);
        d->media_event = EV_NONE;
        len = 8;
    } else {
        b[2] = 0x80;            /* no event available for the classes asked */
    }
    put_be16(b, len - 2);
    atapi_reply(ch, len, get_be16(c + 7));
}

static uint32_t mode_page(IDEDrive *d, uint8_t *p, int page)
{
    if (page == 0x01) {         /* read error recovery */
        memset(p, 0, 8);
        p[0] = 0x01;
        p[1] = 6;
        p[3] = 5;
        return 8;
    }
    memset(p, 0, 22);           /* 0x2a: CD/DVD capabilities and mechanical status */
    p[0] = 0x2a;
    p[1] = 20;
    p[2] = 0x3b;                /* reads CD-R, CD-RW, method 2, DVD-ROM */
    p[4] = 0x71;                /* audio play, mode 2 forms 1/2, multi-session */
    p[5] = 0x7f;
    p[6] = 0x29 | (d->locked ? 0x02 : 0);   /* tray, eject, lock */
    p[7] = 0x03;
    put_be16(p + 8, 706 * 4);   /* max speed (KB/s) */
    put_be16(p + 10, 256);      /* volume levels */
    put_be16(p + 12, 512);      /* buffer KiB */
    put_be16(p + 14, 706 * 4);
    return 22;
}

static void atapi_mode_sense(IDEChannel *ch, IDEDrive *d)
{
    const uint8_t *c = ch->cdb;
    int page = c[2] & 0x3f, pc = c[2] >> 6;
    uint8_t *b = ch->buf;
    if (pc == 3) {
        atapi_illegal(ch, ASC_SAVING_UNSUPPORTED);
        return;
    }
    if (page != 0x01 && page != 0x2a && page != 0x3f) {
        atapi_illegal(ch, ASC_INVALID_FIELD);
        return;
    }
    memset(b, 0, 8);
    b[2] = cd_has_medium(d) ? 0x01 : 0x70;  /* 120 mm data disc / no disc */
    uint32_t len = 8;
    if (page == 0x01 || page == 0x3f)
        len += mode_page(d, b + len, 0x01);
    if (page == 0x2a || page == 0x3f)
        len += mode_page(d, b + len, 0x2a);
    if (pc == 1)                /* changeable values: none */
        memset(b + 8, 0, len - 8);
    put_be16(b, len - 2);
    atapi_reply(ch, len, get_be16(c + 7));
}

static void atapi_inquiry(IDEChannel *ch)
{
    uint8_t *b = ch->buf;
    memset(b, 0, 36);
    b[0] = 0x05;                /* CD/DVD device */
    b[1] = 0x80;                /* removable */
    b[2] = 0x00;
    b[3] = 0x21;                /* ATAPI, response format 1 */
    b[4] = 31;
    memcpy(b + 8, "YINGLONG", 8);
    memcpy(b + 16, "DVD-ROM         ", 16);
    memcpy(b + 32, "1.0 ", 4);
    atapi_reply(ch, 36, get_be16(ch->cdb + 3));
}

static void atapi_request_sense(IDEChannel *ch, IDEDrive *d)
{
    uint8_t *b = ch->buf;
    memset(b, 0, 18);
    b[0] = 0x70;
    b[2] = d->sense_key;
    b[7] = 10;
    b[12] = d->asc;
    b[13] = d->ascq;
    atapi_reply(ch, 18, ch->cdb[4]);
}

static void atapi_start_stop(IDEChannel *ch, IDEDrive *d)
{
    bool loej = ch->cdb[4] & 2, start = ch->cdb[4] & 1;
    if (loej && !start) {
        if (d->locked) {
            atapi_check_condition(ch, SK_ILLEGAL_REQUEST, ASC_REMOVAL_PREVENTED, 2);
            return;
        }
        if (!d->tray_open && d->blk)
            d->media_event = EV_MEDIA_REMOVAL;
        d->tray_open = true;
    } else if (loej) {
        if (d->tray_open && d->blk)
            d->media_event = EV_NEW_MEDIA;
        d->tray_open = false;
    }
    atapi_ok(ch);
}

/* Commands that may run with a unit attention pending and without a disc. */
static bool atapi_always_ok(uint8_t op)
{
    return op == 0x03 || op == 0x12 || op == 0x46 || op == 0x4a;
}

static bool atapi_needs_medium(uint8_t op)
{
    switch (op) {
    case 0x00: case 0x25: case 0x28: case 0xa8: case 0xbe: case 0x43: case 0x2b:
        return true;
    default:
        return false;
    }
}

static void atapi_packet(IDEChannel *ch)
{
    IDEDrive *d = ide_cur(ch);
    const uint8_t *c = ch->cdb;
    memcpy(ch->cdb, ch->buf, 12);
    if (d->unit_attention && !atapi_always_ok(c[0])) {
        d->unit_attention = false;
        atapi_check_condition(ch, SK_UNIT_ATTENTION, ASC_MEDIUM_CHANGED, 0);
        return;
    }
    if (atapi_needs_medium(c[0]) && !cd_has_medium(d)) {
        atapi_check_condition(ch, SK_NOT_READY, ASC_NO_MEDIUM, 0);
        return;
    }
    switch (c[0]) {
    case 0x00: atapi_ok(ch); break;                         /* TEST UNIT READY */
    case 0x03: atapi_request_sense(ch, d); break;
    case 0x12: atapi_inquiry(ch); break;
    case 0x1b: atapi_start_stop(ch, d); break;
    case 0x1e: d->locked = c[4] & 1; atapi_ok(ch); break;   /* PREVENT ALLOW */
    case 0x25:                                              /* READ CAPACITY */
        put_be32(ch->buf, cd_sectors(d) - 1);
        put_be32(ch->buf + 4, CD_SECTOR);
        atapi_reply(ch, 8, 8);
        break;
    case 0x28: atapi_read(ch, d, get_be32(c + 2), get_be16(c + 7)); break;
    case 0xa8: atapi_read(ch, d, get_be32(c + 2), get_be32(c + 6)); break;
    case 0xbe:                  /* READ CD: user data of data sectors only */
        if ((c[9] & 0xf8) != 0x10 || ((c[1] >> 2) & 7) > 2) {
            atapi_illegal(ch, ASC_INVALID_FIELD);
            break;
        }
        atapi_read(ch, d, get_be32(c + 2), c[6] << 16 | get_be16(c + 7));
        break;
    case 0x43: atapi_read_toc(ch, d); break;
    case 0x46: atapi_get_configuration(ch, d); break;
    case 0x4a: atapi_event_status(ch, d); break;
    case 0x5a: atapi_mode_sense(ch, d); break;
    case 0xbd:                                              /* MECHANISM STATUS */
        memset(ch->buf, 0, 8);
        atapi_reply(ch, 8, get_be16(c + 8));
        break;
    case 0x2b: case 0xbb: case 0x2f: case 0x4e:   /* SEEK, SET SPEED, VERIFY, STOP */
        atapi_ok(ch);
        break;
    default:
        yl_log_mask(ch->log, LOG_UNIMP, "ide: unsupported ATAPI command 0x%02x\n", c[0]);
        atapi_illegal(ch, ASC_INVALID_OPCODE);
        break;
    }
}

static void atapi_identify_cmd(IDEChannel *ch, IDEDrive *d)
{
    uint16_t id[256];
    atapi_identify(d, id);
    for (int i = 0; i < 256; i++) {
        ch->buf[2 * i] = id[i];
        ch->buf[2 * i + 1] = id[i] >> 8;
    }
    ch->pos = 0;
    ch->end = IDE_SECTOR;
    ch->pio_done = NULL;
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    ide_set_irq(ch);
}

void atapi_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd)
{
    switch (cmd) {
    case 0xa0:                  /* PACKET */
        ch->atapi_dma = ch->feature & 1;
        ch->byte_limit = ch->hcyl << 8 | ch->lcyl;
        ch->nsector = IR_COD;
        ide_pio_start(ch, 12, atapi_packet, false);
        ch->status = ST_DRDY | ST_DRQ;
        break;
    case 0xa1:
        atapi_identify_cmd(ch, d);
        break;
    case 0x08:                  /* DEVICE RESET: no interrupt */
        ide_set_signature(ch, d);
        ch->status = 0;
        break;
    case 0xec:                  /* IDENTIFY DEVICE: abort, with the signature */
        ide_abort(ch);
        ch->lcyl = 0x14;
        ch->hcyl = 0xeb;
        break;
    default:
        if (ide_common_command(ch, d, cmd))
            return;
        yl_log_mask(ch->log, LOG_UNIMP, "ide: unsupported command 0x%02x for ATAPI\n", cmd);
        ide_abort(ch);
        break;
    }
}
