/* The PIIX3 IDE controller driven through the port space with no CPU:
 * IDENTIFY, PIO reads and writes checked against the image, CHS, LBA48,
 * READ/WRITE MULTIPLE, bus-master DMA with a PRD table in guest RAM, flush,
 * SRST and nIEN, and the ATAPI CD-ROM (signature, READ(10) with the byte
 * count limit, READ TOC, READ CAPACITY, sense, media events, DMA). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/ide/ide.h"
#include "yl/machine.h"
#include "yl/pci.h"

#define HD_SECTORS 4096
#define CD_SECTORS 64
#define BM_BASE 0xc000
#define DEVFN PCI_DEVFN(1, 1)

typedef struct Fixture {
    Machine m;
    Device *ide;
    int irq14, irq15, raises14;
    char hd[64], cd[64];
} Fixture;

static void irq_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (n == 14) {
        f->raises14 += level && !f->irq14;
        f->irq14 = level;
    } else {
        f->irq15 = level;
    }
}

/* Disk sector n is filled with (n * 13 + i) bytes; CD sector n with n ^ i. */
static uint8_t hd_byte(uint64_t lba, unsigned i) { return (uint8_t)(lba * 13 + i); }
static uint8_t cd_byte(uint64_t lba, unsigned i) { return (uint8_t)(lba ^ i ^ (i >> 8)); }

static void make_file(const char *path, unsigned nsec, unsigned secsize,
                      uint8_t (*fn)(uint64_t, unsigned))
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    uint8_t buf[2048];
    for (unsigned s = 0; s < nsec; s++) {
        for (unsigned i = 0; i < secsize; i++)
            buf[i] = fn(s, i);
        ck_assert_int_eq(write(fd, buf, secsize), (ssize_t)secsize);
    }
    close(fd);
}

static BlockBackend *open_blk(const char *path, bool ro)
{
    char err[200];
    BlockOptions o = { .filename = path, .read_only = ro };
    BlockBackend *b = blk_open(&o, err, sizeof(err));
    ck_assert_msg(b != NULL, "%s", err);
    return b;
}

static Fixture *setup_with(bool cd_medium)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[200];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, 1 << 20), 0);
    mem_add_ram(&f->m.as, "ram", 0, 1 << 20, f->m.as.ram, 0);
    irq_init(&f->m.isa_irq[14], irq_cb, f, 14);
    irq_init(&f->m.isa_irq[15], irq_cb, f, 15);
    ck_assert_ptr_nonnull(pci_bus_new(&f->m, err, sizeof(err)));
    f->ide = machine_create_device(&f->m, "piix3-ide", "addr=1.1", err, sizeof(err));
    ck_assert_msg(f->ide != NULL, "%s", err);
    snprintf(f->hd, sizeof(f->hd), "yl-test-ide-hd-%d.img", (int)getpid());
    snprintf(f->cd, sizeof(f->cd), "yl-test-ide-cd-%d.iso", (int)getpid());
    make_file(f->hd, HD_SECTORS, 512, hd_byte);
    make_file(f->cd, CD_SECTORS, 2048, cd_byte);
    ck_assert_int_eq(ide_attach(piix_ide_channel(f->ide, 0), 0, IDE_HD, open_blk(f->hd, false),
                                0, err, sizeof(err)), 0);
    ck_assert_int_eq(ide_attach(piix_ide_channel(f->ide, 1), 0, IDE_CD,
                                cd_medium ? open_blk(f->cd, true) : NULL, 2, err,
                                sizeof(err)), 0);
    f->ide->cls->reset(f->ide);
    /* BAR4 at BM_BASE, I/O decoding and bus mastering on */
    pci_config_write(f->m.pci, DEVFN, 0x20, BM_BASE | 1, 4);
    pci_config_write(f->m.pci, DEVFN, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MASTER, 2);
    return f;
}

static Fixture *setup(void) { return setup_with(true); }

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    pci_bus_free(f->m.pci);
    unlink(f->hd);
    unlink(f->cd);
    free(f);
}

static uint8_t inb(Fixture *f, uint16_t port) { return ioport_read(&f->m.io, port, 1); }
static uint16_t inw(Fixture *f, uint16_t port) { return ioport_read(&f->m.io, port, 2); }
static void outb(Fixture *f, uint16_t port, uint8_t v) { ioport_write(&f->m.io, port, v, 1); }
static void outw(Fixture *f, uint16_t port, uint16_t v) { ioport_write(&f->m.io, port, v, 2); }
static void outl(Fixture *f, uint16_t port, uint32_t v) { ioport_write(&f->m.io, port, v, 4); }

/* Task file write for an LBA28 command on the primary channel. */
static void ata_cmd28(Fixture *f, uint8_t cmd, uint32_t lba, uint8_t count)
{
    outb(f, 0x1f6, 0xe0 | ((lba >> 24) & 0x0f));
    outb(f, 0x1f2, count);
    outb(f, 0x1f3, lba);
    outb(f, 0x1f4, lba >> 8);
    outb(f, 0x1f5, lba >> 16);
    outb(f, 0x1f7, cmd);
}

static void ata_cmd48(Fixture *f, uint8_t cmd, uint64_t lba, uint16_t count)
{
    outb(f, 0x1f6, 0x40);
    outb(f, 0x1f2, count >> 8);
    outb(f, 0x1f3, lba >> 24);
    outb(f, 0x1f4, lba >> 32);
    outb(f, 0x1f5, lba >> 40);
    outb(f, 0x1f2, count);
    outb(f, 0x1f3, lba);
    outb(f, 0x1f4, lba >> 8);
    outb(f, 0x1f5, lba >> 16);
    outb(f, 0x1f7, cmd);
}

static void read_words(Fixture *f, uint16_t port, uint16_t *w, int n)
{
    for (int i = 0; i < n; i++)
        w[i] = inw(f, port);
}

static void check_hd_sector(const uint8_t *buf, uint64_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        ck_assert_msg(buf[i] == hd_byte(lba, i), "LBA %llu byte %u: %02x", (unsigned long long)lba,
                      i, buf[i]);
}

START_TEST(test_identify)
{
    Fixture *f = setup();
    outb(f, 0x1f6, 0xa0);
    outb(f, 0x1f7, 0xec);
    ck_assert(f->irq14);
    ck_assert_uint_eq(inb(f, 0x3f6) & 0x89, 0x08);     /* alt status: DRQ */
    ck_assert(f->irq14);                                /* alt status keeps the IRQ */
    ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
    ck_assert(!f->irq14);
    uint16_t id[256];
    read_words(f, 0x1f0, id, 256);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    ck_assert_uint_eq(id[0], 0x0040);
    ck_assert_uint_eq(id[1], HD_SECTORS / (16 * 63));
    ck_assert_uint_eq(id[3], 16);
    ck_assert_uint_eq(id[6], 63);
    ck_assert_uint_eq(id[60] | id[61] << 16, HD_SECTORS);
    ck_assert_uint_eq(id[100], HD_SECTORS);
    ck_assert_uint_eq(id[83] & 0x0400, 0x0400);         /* LBA48 */
    ck_assert_uint_eq(id[49] & 0x0300, 0x0300);
    char model[41];
    for (int i = 0; i < 20; i++) {
        model[2 * i] = id[27 + i] >> 8;
        model[2 * i + 1] = id[27 + i];
    }
    model[40] = 0;
    ck_assert_int_eq(strncmp(model, "YINGLONG HARDDISK   ", 20), 0);
    /* the absent slave: status 0, but the task file still echoes */
    outb(f, 0x1f6, 0xb0);
    ck_assert_uint_eq(inb(f, 0x1f7), 0);
    outb(f, 0x1f2, 0x55);
    ck_assert_uint_eq(inb(f, 0x1f2), 0x55);
    ck_assert_uint_eq(inb(f, 0x1f6), 0xb0);
    teardown(f);
}
END_TEST

START_TEST(test_pio_read_write)
{
    Fixture *f = setup();
    uint8_t buf[512 * 3];
    ata_cmd28(f, 0x20, 100, 3);
    for (int s = 0; s < 3; s++) {
        ck_assert(f->irq14);
        ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
        read_words(f, 0x1f0, (uint16_t *)(buf + 512 * s), 256);
    }
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    for (int s = 0; s < 3; s++)
        check_hd_sector(buf + 512 * s, 100 + s);
    ck_assert_uint_eq(f->raises14, 3);
    /* write 2 sectors with 32-bit accesses, then read them back from the file */
    ata_cmd28(f, 0x30, 7, 2);
    ck_assert(!f->irq14);                       /* first block: DRQ without interrupt */
    ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 128; i++)
            outl(f, 0x1f0, 0xdead0000u + s * 256 + i);
        ck_assert(f->irq14);
        ck_assert_uint_eq(inb(f, 0x1f7), s == 0 ? 0x58 : 0x50);
    }
    outb(f, 0x1f7, 0xe7);                       /* FLUSH CACHE */
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    int fd = open(f->hd, O_RDONLY);
    uint32_t w[128];
    ck_assert_int_eq(pread(fd, w, 512, 8 * 512), 512);
    close(fd);
    ck_assert_uint_eq(w[0], 0xdead0100u);
    ck_assert_uint_eq(w[127], 0xdead017fu);
    /* out of range: IDNF */
    ata_cmd28(f, 0x20, HD_SECTORS - 1, 2);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x41);
    ck_assert_uint_eq(inb(f, 0x1f1), 0x10);
    teardown(f);
}
END_TEST

START_TEST(test_chs_and_multiple)
{
    Fixture *f = setup();
    uint8_t buf[512 * 8];
    /* cylinder 1, head 2, sector 5 = (1 * 16 + 2) * 63 + 4 */
    outb(f, 0x1f6, 0xa2);
    outb(f, 0x1f2, 1);
    outb(f, 0x1f3, 5);
    outb(f, 0x1f4, 1);
    outb(f, 0x1f5, 0);
    outb(f, 0x1f7, 0x20);
    read_words(f, 0x1f0, (uint16_t *)buf, 256);
    check_hd_sector(buf, (1 * 16 + 2) * 63 + 4);
    /* READ MULTIPLE without SET MULTIPLE MODE aborts */
    ata_cmd28(f, 0xc4, 0, 8);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x41);
    ck_assert_uint_eq(inb(f, 0x1f1), 0x04);
    outb(f, 0x1f2, 3);                          /* not a power of two */
    outb(f, 0x1f7, 0xc6);
    ck_assert_uint_eq(inb(f, 0x1f7) & 1, 1);
    outb(f, 0x1f2, 4);
    outb(f, 0x1f7, 0xc6);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    f->raises14 = 0;
    ata_cmd28(f, 0xc4, 20, 8);
    for (int b = 0; b < 2; b++) {
        ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
        read_words(f, 0x1f0, (uint16_t *)(buf + 2048 * b), 1024);
    }
    ck_assert_uint_eq(f->raises14, 2);          /* one interrupt per block of 4 */
    for (int s = 0; s < 8; s++)
        check_hd_sector(buf + 512 * s, 20 + s);
    teardown(f);
}
END_TEST

START_TEST(test_lba48)
{
    Fixture *f = setup();
    /* a sparse disk larger than LBA28 can address, attached afresh */
    uint64_t big = 0x10000100ull;
    ck_assert_int_eq(truncate(f->hd, big * 512), 0);
    IDEChannel *ch = piix_ide_channel(f->ide, 0);
    blk_close(ch->drive[0].blk);
    ch->drive[0].kind = IDE_NONE;
    char err[200];
    ck_assert_int_eq(ide_attach(ch, 0, IDE_HD, open_blk(f->hd, false), 0, err, sizeof(err)), 0);
    outb(f, 0x1f6, 0xa0);
    outb(f, 0x1f7, 0xec);
    uint16_t id[256];
    read_words(f, 0x1f0, id, 256);
    ck_assert_uint_eq(id[60] | id[61] << 16, 0x0fffffff);
    ck_assert_uint_eq(id[100] | (uint32_t)id[101] << 16, (uint32_t)big);
    ck_assert_uint_eq(id[102], big >> 32);
    uint64_t lba = 0x10000042ull;
    ata_cmd48(f, 0x34, lba, 1);                 /* WRITE SECTORS EXT */
    ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
    for (int i = 0; i < 256; i++)
        outw(f, 0x1f0, 0x4800 + i);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    outb(f, 0x3f6, 0x80);                       /* HOB: the high address bytes */
    ck_assert_uint_eq(inb(f, 0x1f3), (lba >> 24) & 0xff);
    outb(f, 0x3f6, 0x00);
    ata_cmd48(f, 0x24, lba, 1);                 /* READ SECTORS EXT */
    ck_assert_uint_eq(inb(f, 0x1f7), 0x58);
    for (int i = 0; i < 256; i++)
        ck_assert_uint_eq(inw(f, 0x1f0), 0x4800 + i);
    int fd = open(f->hd, O_RDONLY);
    uint16_t w;
    ck_assert_int_eq(pread(fd, &w, 2, lba * 512 + 2), 2);
    close(fd);
    ck_assert_uint_eq(w, 0x4801);
    teardown(f);
}
END_TEST

static void prd(Fixture *f, uint32_t at, uint32_t addr, uint32_t len, bool last)
{
    phys_write(&f->m.as, at, addr, 4);
    phys_write(&f->m.as, at + 4, (len & 0xffff) | (last ? 0x80000000u : 0), 4);
}

START_TEST(test_dma)
{
    Fixture *f = setup();
    /* two regions: 512 bytes at 0x20000, 1024 at 0x30000 */
    prd(f, 0x1000, 0x20000, 512, false);
    prd(f, 0x1008, 0x30000, 1024, true);
    outl(f, BM_BASE + 4, 0x1000);
    ata_cmd28(f, 0xc8, 300, 3);                 /* READ DMA */
    ck_assert(!f->irq14);                       /* waits for the start bit */
    outb(f, BM_BASE, 0x09);                     /* start, to memory */
    ck_assert(f->irq14);
    ck_assert_uint_eq(inb(f, BM_BASE + 2) & 0x07, 0x04);    /* irq, not active */
    check_hd_sector(phys_host_ptr(&f->m.as, 0x20000, 512), 300);
    check_hd_sector(phys_host_ptr(&f->m.as, 0x30000, 512), 301);
    check_hd_sector(phys_host_ptr(&f->m.as, 0x30200, 512), 302);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    outb(f, BM_BASE, 0x00);
    outb(f, BM_BASE + 2, 0x04);                 /* write 1 to clear */
    ck_assert_uint_eq(inb(f, BM_BASE + 2) & 0x04, 0);
    /* WRITE DMA: start bit first, then the command */
    memset(phys_host_ptr(&f->m.as, 0x20000, 512), 0x77, 512);
    prd(f, 0x1000, 0x20000, 512, true);
    outb(f, BM_BASE, 0x01);
    ata_cmd28(f, 0xca, 9, 1);
    ck_assert(f->irq14);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    outb(f, BM_BASE, 0x00);
    int fd = open(f->hd, O_RDONLY);
    uint8_t b[512];
    ck_assert_int_eq(pread(fd, b, 512, 9 * 512), 512);
    close(fd);
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(b[i], 0x77);
    /* a table shorter than the transfer: error */
    outb(f, BM_BASE + 2, 0x06);
    prd(f, 0x1000, 0x20000, 512, true);
    outb(f, BM_BASE, 0x09);
    ata_cmd28(f, 0xc8, 0, 2);
    ck_assert_uint_eq(inb(f, 0x1f7) & 0x01, 0x01);
    ck_assert_uint_eq(inb(f, BM_BASE + 2) & 0x01, 0);
    teardown(f);
}
END_TEST

START_TEST(test_srst_nien)
{
    Fixture *f = setup();
    outb(f, 0x3f6, 0x02);                       /* nIEN */
    outb(f, 0x1f6, 0xa0);
    outb(f, 0x1f7, 0xec);
    ck_assert(!f->irq14);
    outb(f, 0x3f6, 0x00);                       /* pending interrupt shows now */
    ck_assert(f->irq14);
    outb(f, 0x3f6, 0x04);                       /* SRST */
    ck_assert_uint_eq(inb(f, 0x3f6) & 0x80, 0x80);
    ck_assert(!f->irq14);
    outb(f, 0x3f6, 0x00);
    ck_assert_uint_eq(inb(f, 0x1f7), 0x50);
    ck_assert_uint_eq(inb(f, 0x1f2), 1);
    ck_assert_uint_eq(inb(f, 0x1f3), 1);
    ck_assert_uint_eq(inb(f, 0x1f4), 0);
    ck_assert_uint_eq(inb(f, 0x1f5), 0);
    ck_assert_uint_eq(inb(f, 0x1f1), 1);
    /* the CD-ROM's signature after SRST; DRDY clear */
    outb(f, 0x376, 0x04);
    outb(f, 0x376, 0x00);
    ck_assert_uint_eq(inb(f, 0x174), 0x14);
    ck_assert_uint_eq(inb(f, 0x175), 0xeb);
    ck_assert_uint_eq(inb(f, 0x177), 0x00);
    teardown(f);
}
END_TEST

/* Sends a 12-byte packet with the given byte count limit. */
static void packet(Fixture *f, const uint8_t cdb[12], uint16_t limit, bool dma)
{
    outb(f, 0x176, 0xa0);
    outb(f, 0x171, dma);
    outb(f, 0x174, limit);
    outb(f, 0x175, limit >> 8);
    outb(f, 0x177, 0xa0);
    ck_assert_uint_eq(inb(f, 0x177) & 0x88, 0x08);
    ck_assert_uint_eq(inb(f, 0x172) & 3, 1);    /* CoD: wants the packet */
    for (int i = 0; i < 12; i += 2)
        outw(f, 0x170, cdb[i] | cdb[i + 1] << 8);
}

/* Reads the data-in phase into buf; returns the byte count. */
static uint32_t packet_data(Fixture *f, uint8_t *buf, uint32_t max, int *blocks)
{
    uint32_t n = 0;
    *blocks = 0;
    while ((inb(f, 0x177) & 0x08) && (inb(f, 0x172) & 3) == 2) {
        uint32_t len = inb(f, 0x174) | inb(f, 0x175) << 8;
        for (uint32_t i = 0; i < len; i += 2) {
            uint16_t w = inw(f, 0x170);
            if (n + i < max)
                buf[n + i] = w;
            if (n + i + 1 < max)
                buf[n + i + 1] = w >> 8;
        }
        n += len;
        (*blocks)++;
    }
    ck_assert_uint_eq(inb(f, 0x172) & 3, 3);    /* status phase */
    return n;
}

START_TEST(test_atapi_identify)
{
    Fixture *f = setup();
    outb(f, 0x176, 0xa0);
    outb(f, 0x177, 0xec);                       /* IDENTIFY DEVICE: abort + signature */
    ck_assert_uint_eq(inb(f, 0x177) & 0x01, 0x01);
    ck_assert_uint_eq(inb(f, 0x174), 0x14);
    ck_assert_uint_eq(inb(f, 0x175), 0xeb);
    outb(f, 0x177, 0xa1);
    ck_assert(f->irq15);
    ck_assert_uint_eq(inb(f, 0x177) & 0x08, 0x08);
    uint16_t id[256];
    read_words(f, 0x170, id, 256);
    ck_assert_uint_eq(id[0], 0x85c0);
    ck_assert_uint_eq(inb(f, 0x177) & 0x08, 0);
    teardown(f);
}
END_TEST

START_TEST(test_atapi_read)
{
    Fixture *f = setup();
    static uint8_t buf[6 * 2048];
    int blocks;
    uint8_t cap[12] = { 0x25 };
    packet(f, cap, 8, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 8);
    ck_assert_uint_eq(buf[3], CD_SECTORS - 1);
    ck_assert_uint_eq(buf[6], 0x08);            /* 2048-byte blocks */
    /* READ(10) of 3 sectors from LBA 10 with a 5000-byte limit */
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 3 };
    packet(f, rd, 5000, false);
    ck_assert(f->irq15);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 3 * 2048);
    ck_assert_int_eq(blocks, 2);                /* 5000 and 1144 bytes */
    for (unsigned i = 0; i < 3 * 2048; i++)
        ck_assert_uint_eq(buf[i], cd_byte(10 + i / 2048, i % 2048));
    ck_assert_uint_eq(inb(f, 0x177) & 0x01, 0);
    /* READ(12) across a buffer refill (96 sectors > 64 per refill is out
     * of range here: the disc has 64; take 40 from 20) */
    uint8_t rd12[12] = { 0xa8, 0, 0, 0, 0, 20, 0, 0, 0, 40 };
    static uint8_t big[40 * 2048];
    packet(f, rd12, 0xfffe, false);
    ck_assert_uint_eq(packet_data(f, big, sizeof(big), &blocks), 40 * 2048);
    for (unsigned i = 0; i < sizeof(big); i++)
        ck_assert_uint_eq(big[i], cd_byte(20 + i / 2048, i % 2048));
    /* past the end: ILLEGAL REQUEST, LBA out of range */
    uint8_t bad[12] = { 0x28, 0, 0, 0, 0, CD_SECTORS - 1, 0, 0, 2 };
    packet(f, bad, 2048, false);
    ck_assert_uint_eq(inb(f, 0x177) & 0x01, 0x01);
    ck_assert_uint_eq(inb(f, 0x171) >> 4, 5);
    uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    packet(f, rs, 18, false);
    packet_data(f, buf, sizeof(buf), &blocks);
    ck_assert_uint_eq(buf[2], 5);
    ck_assert_uint_eq(buf[12], 0x21);
    teardown(f);
}
END_TEST

START_TEST(test_atapi_toc)
{
    Fixture *f = setup();
    uint8_t buf[64];
    int blocks;
    uint8_t toc[12] = { 0x43, 0, 0, 0, 0, 0, 1, 0, 64 };
    packet(f, toc, 64, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 20);
    ck_assert_uint_eq(buf[1], 18);
    ck_assert_uint_eq(buf[2], 1);
    ck_assert_uint_eq(buf[3], 1);
    ck_assert_uint_eq(buf[6], 1);               /* track 1 at LBA 0 */
    ck_assert_uint_eq(buf[5], 0x14);
    ck_assert_uint_eq(buf[14], 0xaa);           /* lead-out at the end */
    ck_assert_uint_eq(buf[19], CD_SECTORS);
    /* MSF: the lead-out at 150 + 64 frames = 00:02:64 */
    uint8_t msf[12] = { 0x43, 2, 0, 0, 0, 0, 1, 0, 64 };
    packet(f, msf, 64, false);
    packet_data(f, buf, sizeof(buf), &blocks);
    ck_assert_uint_eq(buf[17], 0);
    ck_assert_uint_eq(buf[18], 2);
    ck_assert_uint_eq(buf[19], 64);
    /* format 1: sessions */
    uint8_t ses[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 64 };
    packet(f, ses, 64, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 12);
    ck_assert_uint_eq(buf[1], 10);
    /* the allocation length cuts the reply */
    uint8_t cut[12] = { 0x43, 0, 0, 0, 0, 0, 1, 0, 4 };
    packet(f, cut, 64, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 4);
    teardown(f);
}
END_TEST

START_TEST(test_atapi_no_medium_and_change)
{
    Fixture *f = setup_with(false);
    uint8_t buf[32];
    int blocks;
    uint8_t tur[12] = { 0x00 };
    packet(f, tur, 0, false);
    ck_assert_uint_eq(inb(f, 0x177) & 0x01, 0x01);
    ck_assert_uint_eq(inb(f, 0x171) >> 4, 2);   /* NOT READY */
    uint8_t rs[12] = { 0x03, 0, 0, 0, 18 };
    packet(f, rs, 18, false);
    packet_data(f, buf, sizeof(buf), &blocks);
    ck_assert_uint_eq(buf[12], 0x3a);           /* medium not present */
    /* a disc arrives: one UNIT ATTENTION, a media event, then ready */
    atapi_change_media(&piix_ide_channel(f->ide, 1)->drive[0], open_blk(f->cd, true));
    uint8_t gesn[12] = { 0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8 };
    packet(f, gesn, 8, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 8);
    ck_assert_uint_eq(buf[4], 2);               /* new media */
    ck_assert_uint_eq(buf[5], 2);               /* present */
    packet(f, tur, 0, false);
    ck_assert_uint_eq(inb(f, 0x171) >> 4, 6);
    packet(f, tur, 0, false);
    ck_assert_uint_eq(inb(f, 0x177), 0x50);
    packet(f, gesn, 8, false);
    packet_data(f, buf, sizeof(buf), &blocks);
    ck_assert_uint_eq(buf[4], 0);
    /* locked: eject refused */
    uint8_t lock[12] = { 0x1e, 0, 0, 0, 1 };
    packet(f, lock, 0, false);
    uint8_t eject[12] = { 0x1b, 0, 0, 0, 2 };
    packet(f, eject, 0, false);
    ck_assert_uint_eq(inb(f, 0x177) & 0x01, 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_atapi_dma_and_config)
{
    Fixture *f = setup();
    prd(f, 0x1000, 0x40000, 0, true);           /* 64 KiB */
    outl(f, BM_BASE + 8 + 4, 0x1000);
    outb(f, BM_BASE + 8, 0x09);
    uint8_t rd[12] = { 0x28, 0, 0, 0, 0, 5, 0, 0, 2 };
    packet(f, rd, 0, true);
    ck_assert(f->irq15);
    ck_assert_uint_eq(inb(f, 0x172) & 3, 3);
    ck_assert_uint_eq(inb(f, 0x177), 0x50);
    ck_assert_uint_eq(inb(f, BM_BASE + 10) & 0x05, 0x05);   /* irq; table not used up */
    const uint8_t *p = phys_host_ptr(&f->m.as, 0x40000, 4096);
    for (unsigned i = 0; i < 4096; i++)
        ck_assert_uint_eq(p[i], cd_byte(5 + i / 2048, i % 2048));
    outb(f, BM_BASE + 8, 0);
    /* GET CONFIGURATION: CD-ROM profile current */
    uint8_t buf[64];
    int blocks;
    uint8_t gc[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
    packet(f, gc, 64, false);
    uint32_t n = packet_data(f, buf, sizeof(buf), &blocks);
    ck_assert_uint_ge(n, 8 + 12);
    ck_assert_uint_eq(buf[7], 0x08);
    ck_assert_uint_eq(buf[9], 0x00);            /* first feature: profile list */
    /* MODE SENSE(10) page 2A */
    uint8_t ms[12] = { 0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 64 };
    packet(f, ms, 64, false);
    ck_assert_uint_eq(packet_data(f, buf, sizeof(buf), &blocks), 30);
    ck_assert_uint_eq(buf[8], 0x2a);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("piix3-ide");
    tcase_add_test(tc, test_identify);
    tcase_add_test(tc, test_pio_read_write);
    tcase_add_test(tc, test_chs_and_multiple);
    tcase_add_test(tc, test_lba48);
    tcase_add_test(tc, test_dma);
    tcase_add_test(tc, test_srst_nien);
    tcase_add_test(tc, test_atapi_identify);
    tcase_add_test(tc, test_atapi_read);
    tcase_add_test(tc, test_atapi_toc);
    tcase_add_test(tc, test_atapi_no_medium_and_change);
    tcase_add_test(tc, test_atapi_dma_and_config);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
