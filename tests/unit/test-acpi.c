/* ACPI tables: the linker/loader script, checksums and lengths after it
 * ran, the MADT/HPET only for devices that exist, the DSDT's AML walked
 * by a small decoder of its own, and the fw_cfg files firmware reads. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/acpi_build.h"
#include "hw/acpi/aml.h"
#include "yl/fw_cfg.h"
#include "yl/machine.h"

#define TABLES_AT 0x7fe0000u
#define RSDP_AT 0xf5000u
#define MAX_NAMES 1024

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return s;
}

static AcpiConfig full_config(void)
{
    AcpiConfig c = {
        .ncpus = 1, .pm_base = ACPI_PM_BASE, .sci_irq = 9, .has_lapic = true,
        .has_ioapic = true, .has_hpet = true, .hpet_block_id = 0x8086a201,
        .com_mask = 1, .pci_mem_start = 0x10000000,
    };
    return c;
}

static void build_and_run(const AcpiConfig *c, AcpiTables *t)
{
    char err[128];
    ck_assert_int_eq(acpi_build(c, t), 0);
    ck_assert_msg(acpi_loader_run(t, TABLES_AT, RSDP_AT, err, sizeof(err)) == 0, "%s", err);
}

/* A table in the blob by its (relocated) address. */
static const uint8_t *table_at(const AcpiTables *t, uint64_t addr)
{
    ck_assert_uint_ge(addr, TABLES_AT);
    ck_assert_uint_lt(addr - TABLES_AT + 36, t->tables_len + 1);
    const uint8_t *p = t->tables + (addr - TABLES_AT);
    ck_assert_uint_le(addr - TABLES_AT + le(p + 4, 4), t->tables_len);
    ck_assert_msg(sum(p, le(p + 4, 4)) == 0, "%.4s checksum", (const char *)p);
    return p;
}

/* The tables the XSDT lists (and the RSDT the same ones). */
static int sdt_tables(const AcpiTables *t, const uint8_t **out)
{
    const uint8_t *r = t->rsdp;
    ck_assert(!memcmp(r, "RSD PTR ", 8));
    ck_assert_uint_eq(sum(r, 20), 0);
    ck_assert_uint_eq(sum(r, 36), 0);
    ck_assert_uint_eq(r[15], 2);
    const uint8_t *rsdt = table_at(t, le(r + 16, 4));
    const uint8_t *xsdt = table_at(t, le(r + 24, 8));
    ck_assert(!memcmp(rsdt, "RSDT", 4) && !memcmp(xsdt, "XSDT", 4));
    int n = (le(xsdt + 4, 4) - 36) / 8;
    ck_assert_int_eq((le(rsdt + 4, 4) - 36) / 4, n);
    for (int i = 0; i < n; i++) {
        ck_assert_uint_eq(le(rsdt + 36 + 4 * i, 4), le(xsdt + 36 + 8 * i, 8));
        out[i] = table_at(t, le(xsdt + 36 + 8 * i, 8));
    }
    return n;
}

static const uint8_t *find_table(const uint8_t **list, int n, const char *sig)
{
    for (int i = 0; i < n; i++)
        if (!memcmp(list[i], sig, 4))
            return list[i];
    return NULL;
}

START_TEST(test_tables_after_loader)
{
    AcpiConfig c = full_config();
    AcpiTables t;
    build_and_run(&c, &t);
    const uint8_t *list[8];
    int n = sdt_tables(&t, list);
    ck_assert_int_eq(n, 3);
    const uint8_t *fadt = find_table(list, n, "FACP");
    ck_assert_ptr_nonnull(fadt);
    ck_assert_uint_eq(le(fadt + 4, 4), 244);
    ck_assert_uint_eq(le(fadt + 46, 2), 9);                 /* SCI */
    ck_assert_uint_eq(le(fadt + 56, 4), ACPI_PM_BASE);     /* PM1a_EVT */
    ck_assert_uint_eq(le(fadt + 64, 4), ACPI_PM_BASE + 4); /* PM1a_CNT */
    ck_assert_uint_eq(le(fadt + 76, 4), ACPI_PM_BASE + 8); /* PM_TMR */
    ck_assert_uint_eq(fadt[91], 4);
    ck_assert_uint_eq(le(fadt + 120, 8), 0xcf9);            /* RESET_REG */
    ck_assert_uint_eq(fadt[116], 1);                        /* in I/O space */
    ck_assert_uint_eq(fadt[128], 0x06);
    ck_assert(le(fadt + 112, 4) & (1 << 10));               /* RESET_REG_SUP */
    /* FACS at the (64-byte aligned) start, DSDT by both pointers. */
    uint32_t facs = le(fadt + 36, 4);
    ck_assert_uint_eq(facs, TABLES_AT);
    ck_assert(!memcmp(t.tables, "FACS", 4));
    ck_assert_uint_eq(le(t.tables + 4, 4), 64);
    uint64_t dsdt = le(fadt + 40, 4);
    ck_assert_uint_eq(le(fadt + 140, 8), dsdt);
    const uint8_t *d = table_at(&t, dsdt);
    ck_assert(!memcmp(d, "DSDT", 4));
    ck_assert_uint_eq(d[8], 2);
    /* MADT: the CPU's local APIC, the IOAPIC, IRQ0->GSI2, SCI level high. */
    const uint8_t *madt = find_table(list, n, "APIC");
    ck_assert_ptr_nonnull(madt);
    ck_assert_uint_eq(le(madt + 36, 4), 0xfee00000);
    const uint8_t *e = madt + 44, *end = madt + le(madt + 4, 4);
    int lapic = 0, ioapic = 0, iso0 = 0, iso9 = 0;
    for (; e < end; e += e[1]) {
        ck_assert_uint_ge(e[1], 2);
        if (e[0] == 0 && le(e + 4, 4) == 1)
            lapic++;
        if (e[0] == 1 && le(e + 4, 4) == 0xfec00000 && le(e + 8, 4) == 0)
            ioapic++;
        if (e[0] == 2 && e[3] == 0 && le(e + 4, 4) == 2)
            iso0++;
        if (e[0] == 2 && e[3] == 9 && le(e + 4, 4) == 9 && le(e + 8, 2) == 0xd)
            iso9++;
    }
    ck_assert(e == end);
    ck_assert(lapic == 1 && ioapic == 1 && iso0 == 1 && iso9 == 1);
    const uint8_t *hpet = find_table(list, n, "HPET");
    ck_assert_ptr_nonnull(hpet);
    ck_assert_uint_eq(le(hpet + 4, 4), 56);
    ck_assert_uint_eq(le(hpet + 36, 4), 0x8086a201);
    ck_assert_uint_eq(le(hpet + 44, 8), 0xfed00000);
    acpi_tables_free(&t);
}
END_TEST

START_TEST(test_only_existing_devices)
{
    AcpiConfig c = full_config();
    c.has_lapic = c.has_ioapic = c.has_hpet = false;
    AcpiTables t;
    build_and_run(&c, &t);
    const uint8_t *list[8];
    int n = sdt_tables(&t, list);
    ck_assert_int_eq(n, 1);
    ck_assert(!memcmp(list[0], "FACP", 4));
    ck_assert_ptr_null(memmem(t.tables, t.tables_len, "APIC", 4));
    ck_assert_ptr_null(memmem(t.tables, t.tables_len, "HPET", 4));
    acpi_tables_free(&t);
    /* An APIC without an IOAPIC: MADT with no IOAPIC entry. */
    c.has_lapic = true;
    build_and_run(&c, &t);
    n = sdt_tables(&t, list);
    ck_assert_int_eq(n, 2);
    const uint8_t *madt = find_table(list, n, "APIC");
    ck_assert_ptr_nonnull(madt);
    for (const uint8_t *e = madt + 44; e < madt + le(madt + 4, 4); e += e[1])
        ck_assert_uint_ne(e[0], 1);
    acpi_tables_free(&t);
}
END_TEST

/* The script: two allocations first, then pointers and checksums that
 * stay inside their files; every table gets its checksum command. */
START_TEST(test_loader_script)
{
    AcpiConfig c = full_config();
    AcpiTables t;
    ck_assert_int_eq(acpi_build(&c, &t), 0);
    ck_assert_uint_eq(t.loader_len % ACPI_LOADER_ENTRY, 0);
    const uint8_t *e = t.loader;
    ck_assert_uint_eq(le(e, 4), ACPI_LOADER_ALLOCATE);
    ck_assert_str_eq((const char *)e + 4, ACPI_FILE_RSDP);
    ck_assert_uint_eq(le(e + 60, 4), 16);
    ck_assert_uint_eq(e[64], ACPI_ZONE_FSEG);
    e += ACPI_LOADER_ENTRY;
    ck_assert_uint_eq(le(e, 4), ACPI_LOADER_ALLOCATE);
    ck_assert_str_eq((const char *)e + 4, ACPI_FILE_TABLES);
    ck_assert_uint_eq(le(e + 60, 4), 64);
    ck_assert_uint_eq(e[64], ACPI_ZONE_HIGH);
    int pointers = 0, checksums = 0;
    for (uint32_t off = 2 * ACPI_LOADER_ENTRY; off < t.loader_len; off += ACPI_LOADER_ENTRY) {
        e = t.loader + off;
        const char *file = (const char *)e + 4;
        uint32_t flen = !strcmp(file, ACPI_FILE_RSDP) ? 36 : t.tables_len;
        ck_assert(!strcmp(file, ACPI_FILE_RSDP) || !strcmp(file, ACPI_FILE_TABLES));
        if (le(e, 4) == ACPI_LOADER_ADD_POINTER) {
            ck_assert_str_eq((const char *)e + 60, ACPI_FILE_TABLES);
            uint32_t at = le(e + 116, 4);
            ck_assert(e[120] == 4 || e[120] == 8);
            ck_assert_uint_le(at + e[120], flen);
            pointers++;
        } else {
            ck_assert_uint_eq(le(e, 4), ACPI_LOADER_ADD_CHECKSUM);
            uint32_t at = le(e + 60, 4), start = le(e + 64, 4), len = le(e + 68, 4);
            ck_assert_uint_le(start + len, flen);
            ck_assert(at >= start && at < start + len);
            checksums++;
        }
    }
    /* FADT 3, RSDT 3, XSDT 3, RSDP 2; DSDT FADT MADT HPET RSDT XSDT + RSDP 2. */
    ck_assert_int_eq(pointers, 11);
    ck_assert_int_eq(checksums, 8);
    /* A command the firmware would not know, and a pointer off the end. */
    char err[128];
    uint8_t *bad = t.loader + 3 * ACPI_LOADER_ENTRY;
    uint32_t saved = le(bad, 4);
    bad[0] = 9;
    ck_assert_int_eq(acpi_loader_run(&t, TABLES_AT, RSDP_AT, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "table-loader"), "%s", err);
    bad[0] = saved;
    for (uint32_t off = 0; off < t.loader_len; off += ACPI_LOADER_ENTRY)
        if (le(t.loader + off, 4) == ACPI_LOADER_ADD_POINTER) {
            t.loader[off + 116] = 0xff;
            t.loader[off + 117] = 0xff;
            break;
        }
    ck_assert_int_eq(acpi_loader_run(&t, TABLES_AT, RSDP_AT, err, sizeof(err)), -1);
    acpi_tables_free(&t);
}
END_TEST

/* --- a small AML decoder: namespace paths and references ------------- */

typedef struct Dec {
    const uint8_t *p;
    size_t pos, len;
    bool bad;
    char names[MAX_NAMES][40];  /* declared objects, full paths */
    int nnames;
    char refs[MAX_NAMES][40];   /* name references, in order */
    int nrefs;
    int pkg_prt_count;
} Dec;

static size_t dec_pkglen(Dec *d)
{
    size_t start = d->pos;
    uint8_t b0 = d->p[d->pos++];
    int n = b0 >> 6;
    uint32_t len = n ? b0 & 0xf : b0 & 0x3f;
    for (int i = 0; i < n; i++)
        len |= (uint32_t)d->p[d->pos++] << (4 + 8 * i);
    if (start + len > d->len)
        d->bad = true;
    return start + len;
}

static void dec_name(Dec *d, char *out)
{
    int o = 0, nseg = 1;
    while (d->p[d->pos] == '\\' || d->p[d->pos] == '^')
        out[o++] = d->p[d->pos++];
    if (d->p[d->pos] == 0) {
        d->pos++;
        nseg = 0;
    } else if (d->p[d->pos] == 0x2e) {
        d->pos++;
        nseg = 2;
    } else if (d->p[d->pos] == 0x2f) {
        d->pos++;
        nseg = d->p[d->pos++];
    }
    for (int i = 0; i < nseg && o < 34; i++) {
        if (i)
            out[o++] = '.';
        memcpy(out + o, d->p + d->pos, 4);
        o += 4;
        d->pos += 4;
    }
    out[o] = 0;
}

static void dec_join(const char *scope, const char *name, char *out)
{
    if (name[0] == '\\')
        snprintf(out, 40, "%s", name);
    else if (!strcmp(scope, "\\"))
        snprintf(out, 40, "\\%s", name);
    else
        snprintf(out, 40, "%s.%s", scope, name);
}

static void dec_declare(Dec *d, const char *scope, const char *name, char *path)
{
    dec_join(scope, name, path);
    if (d->nnames < MAX_NAMES)
        snprintf(d->names[d->nnames++], 40, "%s", path);
}

static void dec_term(Dec *d, const char *scope);

static void dec_list(Dec *d, size_t end, const char *scope)
{
    while (!d->bad && d->pos < end)
        dec_term(d, scope);
    if (d->pos != end)
        d->bad = true;
}

static void dec_ext(Dec *d, const char *scope)
{
    char name[40], path[40];
    uint8_t op = d->p[d->pos++];
    size_t end;
    switch (op) {
    case 0x82:  /* Device */
        end = dec_pkglen(d);
        dec_name(d, name);
        dec_declare(d, scope, name, path);
        dec_list(d, end, path);
        break;
    case 0x80:  /* OperationRegion */
        dec_name(d, name);
        dec_declare(d, scope, name, path);
        d->pos++;
        dec_term(d, scope);
        dec_term(d, scope);
        break;
    case 0x81:  /* Field */
        end = dec_pkglen(d);
        dec_name(d, name);
        d->pos++;
        while (!d->bad && d->pos < end) {
            char unit[5] = { 0 };
            memcpy(unit, d->p + d->pos, 4);
            d->pos += 4;
            dec_declare(d, scope, unit, path);
            dec_pkglen(d);
        }
        if (d->pos != end)
            d->bad = true;
        break;
    default:
        d->bad = true;
    }
}

static void dec_package(Dec *d, const char *scope)
{
    size_t end = dec_pkglen(d);
    int want = d->p[d->pos++], got = 0;
    while (!d->bad && d->pos < end) {
        dec_term(d, scope);
        got++;
    }
    if (d->pos != end || got != want)
        d->bad = true;
    if (want == 128)
        d->pkg_prt_count = got;
}

static void dec_term(Dec *d, const char *scope)
{
    static const uint8_t argc[256] = {
        [0x70] = 2, [0x7b] = 3, [0x7d] = 3, [0x92] = 1, [0xa4] = 1,
    };
    char name[40], path[40];
    uint8_t op = d->p[d->pos++];
    size_t end;
    if (op == 0x00 || op == 0x01 || op == 0xff || (op >= 0x60 && op <= 0x6e))
        return;
    if (op == 0x0a || op == 0x0b || op == 0x0c || op == 0x0e) {
        d->pos += op == 0x0a ? 1 : op == 0x0b ? 2 : op == 0x0c ? 4 : 8;
        return;
    }
    if (argc[op]) {
        for (int i = 0; i < argc[op]; i++)
            dec_term(d, scope);
        return;
    }
    switch (op) {
    case 0x0d:
        d->pos += strnlen((const char *)d->p + d->pos, d->len - d->pos) + 1;
        return;
    case 0x10:  /* Scope */
        end = dec_pkglen(d);
        dec_name(d, name);
        dec_join(scope, name, path);
        dec_list(d, end, path);
        return;
    case 0x08:  /* Name */
        dec_name(d, name);
        dec_declare(d, scope, name, path);
        dec_term(d, path);
        return;
    case 0x14:  /* Method */
        end = dec_pkglen(d);
        dec_name(d, name);
        dec_declare(d, scope, name, path);
        d->pos++;
        dec_list(d, end, path);
        return;
    case 0x11:  /* Buffer: size, then raw bytes */
        end = dec_pkglen(d);
        dec_term(d, scope);
        d->pos = end;
        return;
    case 0x12:
        dec_package(d, scope);
        return;
    case 0xa0:  /* If: predicate and body */
    case 0xa1:
        end = dec_pkglen(d);
        dec_list(d, end, scope);
        return;
    case 0x8a:  /* CreateDWordField */
        dec_term(d, scope);
        dec_term(d, scope);
        dec_name(d, name);
        dec_declare(d, scope, name, path);
        return;
    case 0x5b:
        dec_ext(d, scope);
        return;
    }
    if (op == '\\' || op == '^' || op == '_' || (op >= 'A' && op <= 'Z') || op == 0x2e
        || op == 0x2f) {
        d->pos--;
        dec_name(d, name);
        if (d->nrefs < MAX_NAMES)
            snprintf(d->refs[d->nrefs++], 40, "%s", name);
        return;
    }
    d->bad = true;
}

static bool has_name(const Dec *d, const char *path)
{
    for (int i = 0; i < d->nnames; i++)
        if (!strcmp(d->names[i], path))
            return true;
    return false;
}

static Dec *decode_dsdt(const AcpiConfig *c)
{
    AcpiTables t;
    build_and_run(c, &t);
    const uint8_t *list[8];
    int n = sdt_tables(&t, list);
    const uint8_t *fadt = find_table(list, n, "FACP");
    const uint8_t *dsdt = table_at(&t, le(fadt + 40, 4));
    Dec *d = calloc(1, sizeof(*d));
    d->len = le(dsdt + 4, 4) - 36;
    uint8_t *copy = malloc(d->len);
    memcpy(copy, dsdt + 36, d->len);
    d->p = copy;
    dec_list(d, d->len, "\\");
    acpi_tables_free(&t);
    return d;
}

static void free_dec(Dec *d)
{
    free((void *)d->p);
    free(d);
}

START_TEST(test_dsdt_decodes)
{
    AcpiConfig c = full_config();
    Dec *d = decode_dsdt(&c);
    ck_assert_msg(!d->bad, "AML does not decode at byte %zu", d->pos);
    static const char *const want[] = {
        "\\_SB_.CP00._HID", "\\_SB_.CP00._UID", "\\_SB_.PCI0._HID", "\\_SB_.PCI0._CRS",
        "\\_SB_.PCI0._PRT", "\\_SB_.PCI0.ISA_._ADR", "\\_SB_.PCI0.ISA_.PIRQ",
        "\\_SB_.PCI0.ISA_.PRQA", "\\_SB_.PCI0.ISA_.PRQD", "\\_SB_.PCI0.ISA_.KBD_._CRS",
        "\\_SB_.PCI0.ISA_.MOU_._HID", "\\_SB_.PCI0.ISA_.RTC_._CRS",
        "\\_SB_.PCI0.ISA_.PIT_._CRS", "\\_SB_.PCI0.ISA_.PIC_._CRS",
        "\\_SB_.PCI0.ISA_.COM1._CRS", "\\_SB_.PCI0.ISA_.HPET._CRS",
        "\\_SB_.LNKA._PRS", "\\_SB_.LNKA._STA", "\\_SB_.LNKB._CRS", "\\_SB_.LNKC._SRS",
        "\\_SB_.LNKD._DIS", "\\_S5_",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_msg(has_name(d, want[i]), "no %s", want[i]);
    ck_assert(!has_name(d, "\\_SB_.PCI0.ISA_.COM2._CRS"));
    /* _PRT: 128 entries; pin p of slot s goes to link (s + p) & 3. */
    ck_assert_int_eq(d->pkg_prt_count, 128);
    int k = 0;
    for (int i = 0; i < d->nrefs && k < 128; i++) {
        if (strncmp(d->refs[i], "\\_SB_.LNK", 9))
            continue;
        char want_link = 'A' + (((k / 4) + (k % 4)) & 3);
        ck_assert_msg(d->refs[i][9] == want_link, "_PRT entry %d: %s", k, d->refs[i]);
        k++;
    }
    ck_assert_int_eq(k, 128);
    free_dec(d);
    /* Without an HPET, no HPET device either; COM2 when it exists. */
    c.has_hpet = false;
    c.com_mask = 3;
    d = decode_dsdt(&c);
    ck_assert(!d->bad);
    ck_assert(!has_name(d, "\\_SB_.PCI0.ISA_.HPET._CRS"));
    ck_assert(has_name(d, "\\_SB_.PCI0.ISA_.COM2._CRS"));
    free_dec(d);
}
END_TEST

/* \_S5 is Package { 0, 0, 0, 0 }: SLP_TYP 0, what piix4_pm powers off on. */
START_TEST(test_s5_and_encoder)
{
    AcpiConfig c = full_config();
    AcpiTables t;
    build_and_run(&c, &t);
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04,
                                  0, 0, 0, 0 };
    ck_assert_ptr_nonnull(memmem(t.tables, t.tables_len, s5, sizeof(s5)));
    acpi_tables_free(&t);
    /* PkgLength forms: 1 byte up to 63, then 2 bytes low nibble first. */
    Aml a;
    aml_init(&a);
    size_t m = aml_scope(&a, "\\_SB");
    for (int i = 0; i < 100; i++)
        aml_byte(&a, 0xa3);
    aml_close(&a, m);
    ck_assert_uint_eq(a.len, 1 + 2 + 5 + 100);
    uint32_t total = 2 + 5 + 100;
    ck_assert_uint_eq(a.data[1], 0x40 | (total & 0xf));
    ck_assert_uint_eq(a.data[2], total >> 4);
    ck_assert_uint_eq(a.data[3], '\\');
    aml_free(&a);
    ck_assert_uint_eq(aml_eisaid_value("PNP0A03"), 0x030ad041);
    aml_init(&a);
    aml_name(&a, "\\_SB.PCI0.ISA");
    static const uint8_t multi[] = { '\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
                                     'I', 'S', 'A', '_' };
    ck_assert_uint_eq(a.len, sizeof(multi));
    ck_assert(!memcmp(a.data, multi, sizeof(multi)));
    aml_free(&a);
}
END_TEST

/* What SeaBIOS reads: the three files, the same bytes acpi_build gives. */
START_TEST(test_fw_cfg_files)
{
    Machine m;
    char err[160];
    machine_init(&m);
    ck_assert_int_eq(as_alloc_ram(&m.as, 64 << 20), 0);
    mem_add_ram(&m.as, "ram", 0, 64 << 20, m.as.ram, 0);
    ck_assert_msg(machine_create_device(&m, "fw_cfg_io", "", err, sizeof(err)), "%s", err);
    ck_assert_int_eq(acpi_setup_fw_cfg(&m, err, sizeof(err)), 0);
    AcpiConfig c;
    AcpiTables t;
    acpi_config_of(&m, &c);
    ck_assert_int_eq(acpi_build(&c, &t), 0);
    const char *names[] = { ACPI_FILE_TABLES, ACPI_FILE_RSDP, ACPI_FILE_LOADER };
    const uint8_t *want[] = { t.tables, t.rsdp, t.loader };
    uint32_t want_len[] = { t.tables_len, 36, t.loader_len };
    ioport_write(&m.io, 0x510, FW_CFG_FILE_DIR, 2);
    uint32_t count = 0;
    for (int i = 0; i < 4; i++)
        count = count << 8 | ioport_read(&m.io, 0x511, 1);
    int found = 0;
    uint8_t dir[64 * FW_CFG_MAX_ITEMS];
    for (uint32_t i = 0; i < count && i < FW_CFG_MAX_ITEMS; i++)
        for (int j = 0; j < 64; j++)
            dir[64 * i + j] = ioport_read(&m.io, 0x511, 1);
    for (uint32_t i = 0; i < count && i < FW_CFG_MAX_ITEMS; i++) {
        const uint8_t *e = dir + 64 * i;
        for (int f = 0; f < 3; f++) {
            if (strcmp((const char *)e + 8, names[f]))
                continue;
            uint32_t size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
            ck_assert_uint_eq(size, want_len[f]);
            ioport_write(&m.io, 0x510, e[4] << 8 | e[5], 2);
            for (uint32_t b = 0; b < size; b++)
                ck_assert_uint_eq(ioport_read(&m.io, 0x511, 1), want[f][b]);
            found++;
        }
    }
    ck_assert_int_eq(found, 3);
    acpi_tables_free(&t);
    machine_destroy(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("acpi");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_tables_after_loader);
    tcase_add_test(tc, test_only_existing_devices);
    tcase_add_test(tc, test_loader_script);
    tcase_add_test(tc, test_dsdt_decodes);
    tcase_add_test(tc, test_s5_and_encoder);
    tcase_add_test(tc, test_fw_cfg_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
