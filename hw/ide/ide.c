/* The IDE channel: the task file registers, device control (SRST, nIEN,
 * HOB), the interrupt, the PIO data register and command dispatch to the
 * ATA (ata.c) and ATAPI (atapi.c) command sets.  Commands complete at once;
 * the guest sees BSY only during a software reset. */
#include <stdlib.h>
#include <string.h>

#include "hw/ide/ide.h"

int ide_channel_init(IDEChannel *ch, IRQLine *irq, Log *log)
{
    memset(ch, 0, sizeof(*ch));
    ch->irq = irq;
    ch->log = log;
    ch->buf = calloc(1, IDE_BUF_SIZE);
    for (int i = 0; i < 2; i++)
        ch->drive[i].unit = i;
    return ch->buf ? 0 : -1;
}

void ide_channel_free(IDEChannel *ch)
{
    for (int i = 0; i < 2; i++) {
        blk_close(ch->drive[i].blk);
        ch->drive[i].blk = NULL;
    }
    free(ch->buf);
    ch->buf = NULL;
}

static void ide_update_irq(IDEChannel *ch)
{
    irq_set(ch->irq, ch->irq_pending && !(ch->ctl & DC_NIEN));
}

void ide_set_irq(IDEChannel *ch)
{
    ch->irq_pending = true;
    if (ch->dma && ch->dma->irq)
        ch->dma->irq(ch->dma_opaque);
    ide_update_irq(ch);
}

static void ide_clear_irq(IDEChannel *ch)
{
    ch->irq_pending = false;
    ide_update_irq(ch);
}

/* The "diagnostic passed" state a device shows after any reset. */
void ide_set_signature(IDEChannel *ch, IDEDrive *d)
{
    ch->nsector = ch->sector = 1;
    ch->lcyl = ch->hcyl = 0;
    if (d->kind == IDE_CD) {
        ch->lcyl = 0x14;
        ch->hcyl = 0xeb;
    }
    ch->error = 0x01;
}

static void ide_stop_transfer(IDEChannel *ch)
{
    ch->pos = ch->end = 0;
    ch->pio_done = NULL;
    ch->dma_pending = false;
    ch->dma_run = NULL;
}

static void ide_soft_reset(IDEChannel *ch)
{
    ide_stop_transfer(ch);
    ch->select = 0xa0;
    ide_set_signature(ch, &ch->drive[0]);
    ch->status = ch->drive[0].kind == IDE_CD ? 0 : ST_DRDY | ST_DSC;
    for (int i = 0; i < 2; i++) {
        ch->drive[i].mult = 0;
        ch->drive[i].cur_heads = ch->drive[i].heads;
        ch->drive[i].cur_secs = ch->drive[i].secs;
    }
}

void ide_reset(IDEChannel *ch)
{
    ch->ctl = 0;
    ch->feature = ch->hob_feature = ch->hob_nsector = 0;
    ch->hob_sector = ch->hob_lcyl = ch->hob_hcyl = 0;
    for (int i = 0; i < 2; i++) {
        ch->drive[i].wcache = true;
        ch->drive[i].sense_key = ch->drive[i].asc = ch->drive[i].ascq = 0;
        ch->drive[i].locked = false;
    }
    ide_soft_reset(ch);
    ide_clear_irq(ch);
}

int ide_attach(IDEChannel *ch, int unit, IDEKind kind, BlockBackend *blk,
               int index, char *err, int errlen)
{
    IDEDrive *d = &ch->drive[unit];
    if (d->kind != IDE_NONE) {
        snprintf(err, errlen, "IDE unit %d is already in use", index);
        return -1;
    }
    d->kind = kind;
    d->blk = blk;
    snprintf(d->serial, sizeof(d->serial), "YL%05d", index + 1);
    snprintf(d->model, sizeof(d->model), "%s",
             kind == IDE_CD ? "YINGLONG DVD-ROM" : "YINGLONG HARDDISK");
    if (kind == IDE_HD)
        ata_init_geometry(d);
    return 0;
}

/* ATA strings: two characters per word, the first in the high byte. */
void ide_strcpy_swapped(uint16_t *words, const char *s, int nchars)
{
    size_t len = strlen(s);
    for (int i = 0; i < nchars; i++) {
        uint8_t c = (size_t)i < len ? (uint8_t)s[i] : ' ';
        if (i & 1)
            words[i / 2] |= c;
        else
            words[i / 2] = c << 8;
    }
}

void ide_cmd_ok(IDEChannel *ch)
{
    ch->status = ST_DRDY | ST_DSC;
    ch->error = 0;
    ide_set_irq(ch);
}

void ide_abort(IDEChannel *ch)
{
    ide_stop_transfer(ch);
    ch->status = ST_DRDY | ST_ERR;
    ch->error = ER_ABRT;
    ide_set_irq(ch);
}

void ide_pio_start(IDEChannel *ch, uint32_t len, IDEStep done, bool irq)
{
    ch->pos = 0;
    ch->end = len;
    ch->pio_done = done;
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (irq)
        ide_set_irq(ch);
}

void ide_dma_start(IDEChannel *ch, IDEStep step)
{
    if (!ch->dma) {
        ide_abort(ch);
        return;
    }
    ch->status = ST_DRDY | ST_DSC | ST_DRQ;
    ch->dma_run = step;
    ch->dma_pending = true;
    if (ch->dma->active(ch->dma_opaque))
        ide_dma_kick(ch);
}

void ide_dma_kick(IDEChannel *ch)
{
    if (!ch->dma_pending)
        return;
    ch->dma_pending = false;
    IDEStep step = ch->dma_run;
    ch->dma_run = NULL;
    step(ch);
}

/* The host moved the last byte of a DRQ block. */
static void ide_pio_block_done(IDEChannel *ch)
{
    IDEStep done = ch->pio_done;
    ch->pio_done = NULL;
    ch->status &= ~ST_DRQ;
    if (done)
        done(ch);
}

/* The data register: 16 bits normally, 32 on controllers that allow it. */
static uint32_t ide_data_read(IDEChannel *ch, unsigned size)
{
    if (!(ch->status & ST_DRQ) || ch->pos >= ch->end || ch->dma_pending)
        return 0xffffffffu >> (32 - 8 * size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && ch->pos < ch->end; i++)
        v |= (uint32_t)ch->buf[ch->pos++] << (8 * i);
    if (ch->pos >= ch->end)
        ide_pio_block_done(ch);
    return v;
}

static void ide_data_write(IDEChannel *ch, uint32_t val, unsigned size)
{
    if (!(ch->status & ST_DRQ) || ch->pos >= ch->end || ch->dma_pending)
        return;
    for (unsigned i = 0; i < size && ch->pos < ch->end; i++)
        ch->buf[ch->pos++] = val >> (8 * i);
    if (ch->pos >= ch->end)
        ide_pio_block_done(ch);
}

static bool ide_no_drives(const IDEChannel *ch)
{
    return ch->drive[0].kind == IDE_NONE && ch->drive[1].kind == IDE_NONE;
}

uint32_t ide_cmd_read(IDEChannel *ch, uint16_t off, unsigned size)
{
    bool hob = ch->ctl & DC_HOB;
    if (off == 0)
        return ide_data_read(ch, size);
    if (ide_no_drives(ch))
        return 0;       /* nothing drives the bus; SeaBIOS reads this as absent */
    switch (off) {
    case 1: return hob ? ch->hob_feature : ch->error;
    case 2: return hob ? ch->hob_nsector : ch->nsector;
    case 3: return hob ? ch->hob_sector : ch->sector;
    case 4: return hob ? ch->hob_lcyl : ch->lcyl;
    case 5: return hob ? ch->hob_hcyl : ch->hcyl;
    case 6: return ch->select;
    default:
        if (ide_cur(ch)->kind == IDE_NONE)
            return 0;
        ide_clear_irq(ch);
        return ch->status;
    }
}

static void ide_command(IDEChannel *ch, uint8_t cmd)
{
    IDEDrive *d = ide_cur(ch);
    if (d->kind == IDE_NONE)
        return;     /* the absent device does not answer */
    ide_stop_transfer(ch);
    ide_clear_irq(ch);
    ch->command = cmd;
    ch->error = 0;
    if (d->kind == IDE_CD)
        atapi_command(ch, d, cmd);
    else
        ata_command(ch, d, cmd);
}

void ide_cmd_write(IDEChannel *ch, uint16_t off, uint32_t val, unsigned size)
{
    if (off == 0) {
        ide_data_write(ch, val, size);
        return;
    }
    uint8_t v = val;
    if ((ch->status & ST_BSY) && off != 7)
        return;
    ch->ctl &= ~DC_HOB;
    switch (off) {
    case 1: ch->hob_feature = ch->feature; ch->feature = v; break;
    case 2: ch->hob_nsector = ch->nsector; ch->nsector = v; break;
    case 3: ch->hob_sector = ch->sector; ch->sector = v; break;
    case 4: ch->hob_lcyl = ch->lcyl; ch->lcyl = v; break;
    case 5: ch->hob_hcyl = ch->hcyl; ch->hcyl = v; break;
    case 6: ch->select = v; break;
    default:
        if (!(ch->status & ST_BSY) || v == 0x08)
            ide_command(ch, v);
        break;
    }
}

uint32_t ide_ctl_read(IDEChannel *ch)
{
    if (ide_no_drives(ch) || ide_cur(ch)->kind == IDE_NONE)
        return 0;
    return ch->status;      /* alternate status: does not clear the interrupt */
}

void ide_ctl_write(IDEChannel *ch, uint32_t val)
{
    bool was_reset = ch->ctl & DC_SRST;
    ch->ctl = val & (DC_NIEN | DC_SRST | DC_HOB);
    if (!was_reset && (val & DC_SRST)) {
        ide_stop_transfer(ch);
        ch->status = ST_BSY;
        ch->irq_pending = false;
    } else if (was_reset && !(val & DC_SRST)) {
        ide_soft_reset(ch);
    }
    ide_update_irq(ch);
}
