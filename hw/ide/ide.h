/* The IDE channel (ATA/ATAPI-6): two devices behind one task file, PIO
 * through the data register, DMA through a bus master (hw/ide/piix_ide.c).
 * Internal to hw/ide/ and the board. */
#ifndef YL_HW_IDE_H
#define YL_HW_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/block.h"
#include "yl/irq.h"
#include "yl/log.h"

struct Machine;

/* Status register */
#define ST_BSY  0x80
#define ST_DRDY 0x40
#define ST_DF   0x20
#define ST_DSC  0x10
#define ST_DRQ  0x08
#define ST_ERR  0x01
/* Error register */
#define ER_UNC  0x40
#define ER_IDNF 0x10
#define ER_ABRT 0x04
/* Device control register */
#define DC_NIEN 0x02
#define DC_SRST 0x04
#define DC_HOB  0x80
/* Device/head register */
#define DEV_LBA 0x40
#define DEV_DEV 0x10
/* ATAPI interrupt reason (the sector count register) */
#define IR_COD  0x01
#define IR_IO   0x02

#define IDE_SECTOR 512
#define CD_SECTOR 2048
#define IDE_MAX_MULT 16
/* One PIO block or DMA chunk at most: 256 disk sectors, 64 CD sectors. */
#define IDE_BUF_SIZE (256 * IDE_SECTOR)

typedef struct IDEChannel IDEChannel;

typedef enum IDEKind { IDE_NONE, IDE_HD, IDE_CD } IDEKind;

typedef struct IDEDrive {
    IDEKind kind;
    BlockBackend *blk;              /* NULL: CD-ROM without a disc */
    int unit;
    uint64_t nsectors;              /* in 512-byte sectors (disk) */
    uint16_t cyls, heads, secs;     /* default geometry (IDENTIFY words 1/3/6) */
    uint16_t cur_heads, cur_secs;   /* INITIALIZE DEVICE PARAMETERS */
    uint8_t mult;                   /* sectors per READ/WRITE MULTIPLE block */
    uint8_t xfer_mode;              /* SET FEATURES 03h */
    bool wcache;
    char serial[21], model[41];
    /* ATAPI */
    uint8_t sense_key, asc, ascq;
    bool unit_attention;            /* report a media change once */
    uint8_t media_event;            /* for GET EVENT STATUS NOTIFICATION */
    bool locked, tray_open;
} IDEDrive;

/* What the channel needs from its bus master for DMA. */
typedef struct IDEDMAOps {
    /* Moves len bytes between buf and the PRD list, continuing where the
     * last call stopped; returns the bytes moved (short: table ended). */
    uint32_t (*rw)(void *opaque, uint8_t *buf, uint32_t len, bool to_mem);
    bool (*active)(void *opaque);   /* the start bit is set */
    /* The transfer ended; error: the PRD table was too short or I/O failed. */
    void (*done)(void *opaque, bool error);
    void (*irq)(void *opaque);      /* the channel raised its interrupt */
} IDEDMAOps;

typedef void (*IDEStep)(IDEChannel *ch);

struct IDEChannel {
    IDEDrive drive[2];
    IRQLine *irq;
    Log *log;
    const IDEDMAOps *dma;
    void *dma_opaque;

    /* The task file, shared by both devices; hob_* are the previous
     * writes (48-bit commands). */
    uint8_t feature, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t select, status, error, ctl, command;
    bool irq_pending;

    /* PIO data phase: buf[pos..end) moves through the data register;
     * when it is empty (or full) pio_done runs. */
    uint8_t *buf;
    uint32_t pos, end;
    IDEStep pio_done;

    /* A disk command in progress. */
    uint64_t lba;
    uint32_t left;                  /* sectors still to move */
    uint32_t per_block;             /* sectors per DRQ block */
    bool is_write;
    /* DMA: waiting for the bus master's start bit; what to run then. */
    bool dma_pending;
    IDEStep dma_run;

    /* ATAPI: the packet and the data phase. */
    uint8_t cdb[12];
    uint16_t byte_limit;
    bool atapi_dma;
    uint32_t xfer_end;              /* reply bytes in buf (pos..end is one DRQ block) */
    uint32_t cd_lba, cd_left;       /* READ(10/12): CD sectors still to send */
};

static inline IDEDrive *ide_cur(IDEChannel *ch) { return &ch->drive[(ch->select >> 4) & 1]; }

/* ide.c */
int ide_channel_init(IDEChannel *ch, IRQLine *irq, Log *log);
void ide_channel_free(IDEChannel *ch);
/* Attaches blk (may be NULL for an empty CD-ROM) as unit 0/1. */
int ide_attach(IDEChannel *ch, int unit, IDEKind kind, BlockBackend *blk,
               int index, char *err, int errlen);
void ide_reset(IDEChannel *ch);     /* power-on / hardware reset */
uint32_t ide_cmd_read(IDEChannel *ch, uint16_t off, unsigned size);
void ide_cmd_write(IDEChannel *ch, uint16_t off, uint32_t val, unsigned size);
uint32_t ide_ctl_read(IDEChannel *ch);
void ide_ctl_write(IDEChannel *ch, uint32_t val);
/* The bus master's start bit went to 1. */
void ide_dma_kick(IDEChannel *ch);

void ide_set_irq(IDEChannel *ch);
void ide_abort(IDEChannel *ch);     /* ABRT, ready, interrupt */
void ide_cmd_ok(IDEChannel *ch);    /* ready, interrupt */
/* Starts a PIO data phase of len bytes in ch->buf. */
void ide_pio_start(IDEChannel *ch, uint32_t len, IDEStep done, bool irq);
/* Runs step now if the bus master is started, else when it is. */
void ide_dma_start(IDEChannel *ch, IDEStep step);
void ide_set_signature(IDEChannel *ch, IDEDrive *d);
void ide_strcpy_swapped(uint16_t *words, const char *s, int nchars);

/* ata.c */
void ata_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd);
void ata_identify(IDEDrive *d, uint16_t id[256]);
void ata_init_geometry(IDEDrive *d);
/* Commands disks and CD-ROMs share; false if cmd is not one of them. */
bool ide_common_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd);

/* atapi.c */
void atapi_command(IDEChannel *ch, IDEDrive *d, uint8_t cmd);
void atapi_identify(IDEDrive *d, uint16_t id[256]);
/* Replaces the disc (NULL: eject); the guest sees a unit attention. */
void atapi_change_media(IDEDrive *d, BlockBackend *blk);

/* piix_ide.c */
struct Device;
extern const struct DeviceClass piix3_ide_class;
IDEChannel *piix_ide_channel(struct Device *dev, int bus);

#endif
