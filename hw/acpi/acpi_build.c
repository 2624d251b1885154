/* The PC's ACPI tables (ACPI 6.x chapter 5) and the BIOS linker/loader
 * script that places them, as fw_cfg hands them to SeaBIOS. */
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi_build.h"
#include "hw/acpi/aml.h"
#include "hw/acpi/dsdt.h"
#include "hw/pc.h"
#include "yl/apic.h"
#include "yl/fw_cfg.h"

#define HDR_LEN 36
#define HDR_LENGTH_OFF 4
#define HDR_CHECKSUM_OFF 9
#define FACS_LEN 64
#define FADT_LEN 244
#define HPET_LEN 56
#define RSDP_V1_LEN 20
#define RSDP_LEN 36

enum { GAS_MEMORY = 0, GAS_IO = 1 };

typedef struct Builder {
    Aml t;                      /* etc/acpi/tables */
    Aml l;                      /* etc/table-loader */
    uint8_t *rsdp;
} Builder;

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = v >> (8 * i);
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void le(Aml *a, uint64_t v, int n)
{
    uint8_t b[8];
    put_le(b, v, n);
    aml_bytes(a, b, n);
}

static void zeros(Aml *a, size_t n)
{
    while (n--)
        aml_byte(a, 0);
}

/* --- linker/loader commands ----------------------------------------- */

static void cmd_allocate(Builder *b, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t e[ACPI_LOADER_ENTRY] = { 0 };
    put_le(e, ACPI_LOADER_ALLOCATE, 4);
    strncpy((char *)e + 4, file, ACPI_LOADER_FILESZ - 1);
    put_le(e + 4 + ACPI_LOADER_FILESZ, align, 4);
    e[8 + ACPI_LOADER_FILESZ] = zone;
    aml_bytes(&b->l, e, sizeof(e));
}

static void cmd_pointer(Builder *b, const char *dest, const char *src, uint32_t off,
                        uint8_t size)
{
    uint8_t e[ACPI_LOADER_ENTRY] = { 0 };
    put_le(e, ACPI_LOADER_ADD_POINTER, 4);
    strncpy((char *)e + 4, dest, ACPI_LOADER_FILESZ - 1);
    strncpy((char *)e + 4 + ACPI_LOADER_FILESZ, src, ACPI_LOADER_FILESZ - 1);
    put_le(e + 4 + 2 * ACPI_LOADER_FILESZ, off, 4);
    e[8 + 2 * ACPI_LOADER_FILESZ] = size;
    aml_bytes(&b->l, e, sizeof(e));
}

static void cmd_checksum(Builder *b, const char *file, uint32_t off, uint32_t start,
                         uint32_t len)
{
    uint8_t e[ACPI_LOADER_ENTRY] = { 0 };
    put_le(e, ACPI_LOADER_ADD_CHECKSUM, 4);
    strncpy((char *)e + 4, file, ACPI_LOADER_FILESZ - 1);
    put_le(e + 4 + ACPI_LOADER_FILESZ, off, 4);
    put_le(e + 8 + ACPI_LOADER_FILESZ, start, 4);
    put_le(e + 12 + ACPI_LOADER_FILESZ, len, 4);
    aml_bytes(&b->l, e, sizeof(e));
}

/* A pointer in the tables blob to another table in it: its offset now,
 * the address once the loader has run. */
static void table_pointer(Builder *b, uint32_t at, uint32_t target, int size)
{
    put_le(b->t.data + at, target, size);
    cmd_pointer(b, ACPI_FILE_TABLES, ACPI_FILE_TABLES, at, size);
}

/* --- tables ---------------------------------------------------------- */

static size_t table_begin(Builder *b, const char *sig, uint8_t rev)
{
    size_t at = b->t.len;
    aml_bytes(&b->t, sig, 4);
    le(&b->t, 0, 4);            /* length, patched by table_end */
    aml_byte(&b->t, rev);
    aml_byte(&b->t, 0);         /* checksum, by the loader */
    aml_bytes(&b->t, "YLONG ", 6);
    aml_bytes(&b->t, "YLPC    ", 8);
    le(&b->t, 1, 4);
    aml_bytes(&b->t, "YLNG", 4);
    le(&b->t, 1, 4);
    return at;
}

static void table_end(Builder *b, size_t at)
{
    if (b->t.oom)
        return;
    uint32_t len = b->t.len - at;
    put_le(b->t.data + at + HDR_LENGTH_OFF, len, 4);
    cmd_checksum(b, ACPI_FILE_TABLES, at + HDR_CHECKSUM_OFF, at, len);
}

static size_t build_facs(Builder *b)
{
    size_t at = b->t.len;
    aml_bytes(&b->t, "FACS", 4);
    le(&b->t, FACS_LEN, 4);
    zeros(&b->t, 24);
    aml_byte(&b->t, 1);         /* version */
    zeros(&b->t, FACS_LEN - 33);
    return at;
}

static size_t build_dsdt(Builder *b, const AcpiConfig *c)
{
    size_t at = table_begin(b, "DSDT", 2);     /* 2: 64-bit integers */
    if (dsdt_build(&b->t, c) < 0)
        b->t.oom = true;
    table_end(b, at);
    return at;
}

/* Generic Address Structure: an I/O or memory register block. */
static void gas(Aml *a, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    aml_byte(a, space);
    aml_byte(a, bits);
    aml_byte(a, 0);
    aml_byte(a, access);
    le(a, addr, 8);
}

enum {
    FADT_WBINVD = 1 << 0, FADT_PROC_C1 = 1 << 2, FADT_SLP_BUTTON = 1 << 5,
    FADT_FIX_RTC = 1 << 6, FADT_RESET_REG_SUP = 1 << 10,
};
#define FADT_FACS_OFF 36
#define FADT_DSDT_OFF 40
#define FADT_X_DSDT_OFF 140
#define IAPC_LEGACY_DEVICES 0x1
#define IAPC_8042 0x2
#define PIIX3_RESET_VALUE 0x06      /* system reset | reset CPU */

static void fadt_pm_blocks(Aml *a, const AcpiConfig *c)
{
    le(a, c->pm_base, 4);               /* PM1a_EVT_BLK */
    le(a, 0, 4);
    le(a, c->pm_base + 4, 4);           /* PM1a_CNT_BLK */
    le(a, 0, 4);
    le(a, 0, 4);                        /* PM2_CNT_BLK */
    le(a, c->pm_base + 8, 4);           /* PM_TMR_BLK */
    le(a, 0, 4);                        /* GPE0: none */
    le(a, 0, 4);
    aml_byte(a, 4);                     /* PM1_EVT_LEN */
    aml_byte(a, 2);                     /* PM1_CNT_LEN */
    aml_byte(a, 0);
    aml_byte(a, 4);                     /* PM_TMR_LEN */
    zeros(a, 4);                        /* GPE lengths, GPE1 base, CST_CNT */
}

static size_t build_fadt(Builder *b, const AcpiConfig *c, size_t facs, size_t dsdt)
{
    Aml *a = &b->t;
    size_t at = table_begin(b, "FACP", 3);
    zeros(a, 8);                        /* FIRMWARE_CTRL, DSDT: pointers */
    aml_byte(a, 0);
    aml_byte(a, 0);                     /* preferred PM profile: unspecified */
    le(a, c->sci_irq, 2);
    le(a, 0, 4);                        /* SMI_CMD: none, always in ACPI mode */
    zeros(a, 4);                        /* ACPI_ENABLE .. PSTATE_CNT */
    fadt_pm_blocks(a, c);
    le(a, 0xfff, 2);                    /* no C2 */
    le(a, 0xfff, 2);                    /* no C3 */
    zeros(a, 6);                        /* flush size/stride, duty */
    aml_byte(a, 0);                     /* DAY_ALRM */
    aml_byte(a, 0);                     /* MON_ALRM */
    aml_byte(a, 0x32);                  /* CENTURY: CMOS register */
    le(a, IAPC_LEGACY_DEVICES | IAPC_8042, 2);
    aml_byte(a, 0);
    le(a, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC
       | FADT_RESET_REG_SUP, 4);
    gas(a, GAS_IO, 8, 1, 0xcf9);        /* RESET_REG */
    aml_byte(a, PIIX3_RESET_VALUE);
    zeros(a, 3);
    le(a, 0, 8);                        /* X_FIRMWARE_CTRL: the 32-bit one */
    le(a, 0, 8);                        /* X_DSDT: pointer */
    gas(a, GAS_IO, 32, 0, c->pm_base);
    gas(a, 0, 0, 0, 0);
    gas(a, GAS_IO, 16, 0, c->pm_base + 4);
    gas(a, 0, 0, 0, 0);
    gas(a, 0, 0, 0, 0);
    gas(a, GAS_IO, 32, 0, c->pm_base + 8);
    gas(a, 0, 0, 0, 0);
    gas(a, 0, 0, 0, 0);
    if (a->oom)
        return at;
    table_pointer(b, at + FADT_FACS_OFF, facs, 4);
    table_pointer(b, at + FADT_DSDT_OFF, dsdt, 4);
    table_pointer(b, at + FADT_X_DSDT_OFF, dsdt, 8);
    table_end(b, at);
    return at;
}

/* MADT interrupt source override: ISA irq -> gsi with MPS INTI flags. */
static void madt_iso(Aml *a, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    aml_byte(a, 2);
    aml_byte(a, 10);
    aml_byte(a, 0);             /* ISA */
    aml_byte(a, irq);
    le(a, gsi, 4);
    le(a, flags, 2);
}

#define MPS_ACTIVE_HIGH 0x1
#define MPS_LEVEL 0xc

static size_t build_madt(Builder *b, const AcpiConfig *c)
{
    Aml *a = &b->t;
    size_t at = table_begin(b, "APIC", 3);
    le(a, ACPI_LAPIC_ADDR, 4);
    le(a, 1, 4);                /* PCAT_COMPAT: there are 8259s too */
    for (int i = 0; i < c->ncpus; i++) {
        aml_byte(a, 0);         /* processor local APIC */
        aml_byte(a, 8);
        aml_byte(a, i);         /* processor UID: the CPn device's _UID */
        aml_byte(a, i);         /* APIC ID */
        le(a, 1, 4);            /* enabled */
    }
    if (c->has_ioapic) {
        aml_byte(a, 1);
        aml_byte(a, 12);
        aml_byte(a, IOAPIC_ID);
        aml_byte(a, 0);
        le(a, ACPI_IOAPIC_ADDR, 4);
        le(a, 0, 4);            /* GSI base */
        madt_iso(a, 0, 2, 0);
        madt_iso(a, c->sci_irq, c->sci_irq, MPS_ACTIVE_HIGH | MPS_LEVEL);
    }
    aml_byte(a, 4);             /* local APIC NMI: LINT1 of all CPUs */
    aml_byte(a, 6);
    aml_byte(a, 0xff);
    le(a, 0, 2);
    aml_byte(a, 1);
    table_end(b, at);
    return at;
}

static size_t build_hpet(Builder *b, const AcpiConfig *c)
{
    Aml *a = &b->t;
    size_t at = table_begin(b, "HPET", 1);
    le(a, c->hpet_block_id, 4);
    gas(a, GAS_MEMORY, 64, 0, ACPI_HPET_ADDR);
    aml_byte(a, 0);             /* HPET number */
    le(a, 0x80, 2);             /* minimum periodic tick */
    aml_byte(a, 0);             /* no page protection */
    table_end(b, at);
    return at;
}

static size_t build_sdt(Builder *b, const char *sig, int width, const size_t *tables,
                        int n)
{
    size_t at = table_begin(b, sig, 1);
    zeros(&b->t, (size_t)width * n);
    if (b->t.oom)
        return at;
    for (int i = 0; i < n; i++)
        table_pointer(b, at + HDR_LEN + width * i, tables[i], width);
    table_end(b, at);
    return at;
}

static void build_rsdp(Builder *b, size_t rsdt, size_t xsdt)
{
    uint8_t *r = b->rsdp;
    memset(r, 0, RSDP_LEN);
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, "YLONG ", 6);
    r[15] = 2;
    put_le(r + 16, rsdt, 4);
    put_le(r + 20, RSDP_LEN, 4);
    put_le(r + 24, xsdt, 8);
    cmd_pointer(b, ACPI_FILE_RSDP, ACPI_FILE_TABLES, 16, 4);
    cmd_pointer(b, ACPI_FILE_RSDP, ACPI_FILE_TABLES, 24, 8);
    cmd_checksum(b, ACPI_FILE_RSDP, 8, 0, RSDP_V1_LEN);
    cmd_checksum(b, ACPI_FILE_RSDP, 32, 0, RSDP_LEN);
}

int acpi_build(const AcpiConfig *c, AcpiTables *out)
{
    Builder b;
    aml_init(&b.t);
    aml_init(&b.l);
    memset(out, 0, sizeof(*out));
    b.rsdp = out->rsdp;
    cmd_allocate(&b, ACPI_FILE_RSDP, 16, ACPI_ZONE_FSEG);
    cmd_allocate(&b, ACPI_FILE_TABLES, 64, ACPI_ZONE_HIGH);
    size_t facs = build_facs(&b);       /* first: 64-byte aligned */
    size_t dsdt = build_dsdt(&b, c);
    size_t list[3];
    int n = 0;
    list[n++] = build_fadt(&b, c, facs, dsdt);
    if (c->has_lapic)
        list[n++] = build_madt(&b, c);
    if (c->has_hpet)
        list[n++] = build_hpet(&b, c);
    size_t rsdt = build_sdt(&b, "RSDT", 4, list, n);
    size_t xsdt = build_sdt(&b, "XSDT", 8, list, n);
    build_rsdp(&b, rsdt, xsdt);
    if (b.t.oom || b.l.oom) {
        aml_free(&b.t);
        aml_free(&b.l);
        return -1;
    }
    out->tables = b.t.data;
    out->tables_len = b.t.len;
    out->loader = b.l.data;
    out->loader_len = b.l.len;
    return 0;
}

void acpi_tables_free(AcpiTables *t)
{
    free(t->tables);
    free(t->loader);
    t->tables = t->loader = NULL;
}

/* --- running the script (what the firmware does) -------------------- */

typedef struct LoaderFile {
    const char *name;
    uint8_t *data;
    uint32_t len;
    uint64_t addr;
} LoaderFile;

static LoaderFile *loader_file(LoaderFile *f, const uint8_t *name)
{
    for (int i = 0; i < 2; i++)
        if (!strncmp((const char *)name, f[i].name, ACPI_LOADER_FILESZ))
            return &f[i];
    return NULL;
}

static uint8_t sum8(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static int loader_step(LoaderFile *f, const uint8_t *e)
{
    uint32_t cmd = get_le(e, 4);
    const uint8_t *arg = e + 4;
    if (cmd == ACPI_LOADER_ALLOCATE)
        return loader_file(f, arg) ? 0 : -1;
    if (cmd == ACPI_LOADER_ADD_POINTER) {
        LoaderFile *d = loader_file(f, arg), *s = loader_file(f, arg + ACPI_LOADER_FILESZ);
        uint32_t off = get_le(arg + 2 * ACPI_LOADER_FILESZ, 4);
        uint8_t size = arg[2 * ACPI_LOADER_FILESZ + 4];
        if (!d || !s || (size != 1 && size != 2 && size != 4 && size != 8)
            || off > d->len || size > d->len - off)
            return -1;
        put_le(d->data + off, get_le(d->data + off, size) + s->addr, size);
        return 0;
    }
    if (cmd == ACPI_LOADER_ADD_CHECKSUM) {
        LoaderFile *d = loader_file(f, arg);
        uint32_t off = get_le(arg + ACPI_LOADER_FILESZ, 4);
        uint32_t start = get_le(arg + ACPI_LOADER_FILESZ + 4, 4);
        uint32_t len = get_le(arg + ACPI_LOADER_FILESZ + 8, 4);
        if (!d || off >= d->len || start > d->len || len > d->len - start)
            return -1;
        d->data[off] -= sum8(d->data + start, len);
        return 0;
    }
    return -1;
}

int acpi_loader_run(AcpiTables *t, uint64_t tables_addr, uint64_t rsdp_addr,
                    char *err, int errlen)
{
    LoaderFile f[2] = {
        { ACPI_FILE_TABLES, t->tables, t->tables_len, tables_addr },
        { ACPI_FILE_RSDP, t->rsdp, sizeof(t->rsdp), rsdp_addr },
    };
    for (uint32_t off = 0; off + ACPI_LOADER_ENTRY <= t->loader_len;
         off += ACPI_LOADER_ENTRY) {
        if (loader_step(f, t->loader + off) < 0) {
            snprintf(err, errlen, "ACPI table-loader: bad command %u at entry %u",
                     (unsigned)get_le(t->loader + off, 4), off / ACPI_LOADER_ENTRY);
            return -1;
        }
    }
    return 0;
}

/* --- the machine ----------------------------------------------------- */

/* The board says which interrupt devices it has (yl/apic.h); COM ports
 * are found by their I/O ports. */
void acpi_config_of(Machine *m, AcpiConfig *c)
{
    static const uint16_t com[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    memset(c, 0, sizeof(*c));
    c->ncpus = m->ncpus > 0 ? m->ncpus : 1;
    c->pm_base = ACPI_PM_BASE;
    c->sci_irq = ACPI_SCI_IRQ;
    c->has_lapic = m->has_apic;
    c->has_ioapic = m->has_ioapic;
    c->has_hpet = m->has_hpet;
    c->hpet_block_id = HPET_BLOCK_ID;
    for (int i = 0; i < 4; i++)
        if (m->io.map[com[i]])
            c->com_mask |= 1u << i;
    uint64_t low = pc_lowmem_size(m);
    /* The PCI hole starts at a 256 MiB boundary at or above RAM's end. */
    uint64_t start = (low + 0xfffffff) & ~0xfffffffull;
    c->pci_mem_start = start < 0xe0000000ull ? start : 0xe0000000u;
}

int acpi_setup_fw_cfg(Machine *m, char *err, int errlen)
{
    FWCfg *s = fw_cfg_of(m);
    if (!s)
        return 0;
    AcpiConfig c;
    AcpiTables t;
    acpi_config_of(m, &c);
    if (acpi_build(&c, &t) < 0) {
        snprintf(err, errlen, "ACPI tables: out of memory");
        return -1;
    }
    int r = 0;
    if (fw_cfg_add_file(s, ACPI_FILE_TABLES, t.tables, t.tables_len) < 0
        || fw_cfg_add_file(s, ACPI_FILE_RSDP, t.rsdp, sizeof(t.rsdp)) < 0
        || fw_cfg_add_file(s, ACPI_FILE_LOADER, t.loader, t.loader_len) < 0) {
        snprintf(err, errlen, "ACPI tables: fw_cfg directory full");
        r = -1;
    }
    acpi_tables_free(&t);
    return r;
}
