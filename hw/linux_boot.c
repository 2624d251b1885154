/* Direct Linux boot: load a bzImage's protected-mode kernel at 1 MiB, fill
 * the zero page (boot_params) from its setup header, the command line, the
 * initrd, an e820 map and the ACPI tables, then enter the kernel without
 * firmware through the 32-bit (or 64-bit) boot protocol. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/acpi/acpi_build.h"
#include "hw/linux_boot.h"
#include "hw/pc.h"
#include "yl/pci.h"
#include "hw/loader.h"

#ifndef EFER_LME
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#endif

#define PM_PMBA 0x40
#define PM_PMREGMISC 0x80
#define PM_SCI_EN 0x0001

typedef struct E820 {
    uint8_t n;
    struct { uint64_t base, len; uint32_t type; } e[BP_E820_MAX];
} E820;

typedef struct LinuxLoad {
    Machine *m;
    const char *kernel;
    char *err;
    int errlen;
    Blob k;
    uint8_t bp[4096];           /* the zero page, built here, then copied */
    uint16_t version;
    uint64_t kernel_end;        /* first byte the kernel may not touch */
    uint64_t acpi_base;         /* ACPI tables: acpi_base .. low RAM top */
} LinuxLoad;

static uint16_t rd16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v); wr16(p + 2, v >> 16); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, v); wr32(p + 4, v >> 32); }

bool linux_is_bzimage(const char *path)
{
    uint8_t hdr[HDR_MAGIC + 4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
    close(fd);
    return n == (ssize_t)sizeof(hdr) && !memcmp(hdr + HDR_MAGIC, "HdrS", 4);
}

/* The e820 map: RAM around the legacy holes, the ACPI tables at the top
 * of low RAM, the BIOS ROM below 4 GiB, RAM above 4 GiB. */
static void e820_add(E820 *t, uint64_t base, uint64_t len, uint32_t type)
{
    if (len && t->n < BP_E820_MAX) {
        t->e[t->n].base = base;
        t->e[t->n].len = len;
        t->e[t->n].type = type;
        t->n++;
    }
}

static void build_e820(LinuxLoad *l, E820 *t)
{
    Machine *m = l->m;
    uint64_t low = pc_lowmem_size(m);
    t->n = 0;
    e820_add(t, 0, 0x9fc00, E820_RAM);
    e820_add(t, 0x9fc00, 0x400, E820_RESERVED);
    e820_add(t, 0xf0000, 0x10000, E820_RESERVED);
    e820_add(t, 0x100000, l->acpi_base - 0x100000, E820_RAM);
    e820_add(t, l->acpi_base, low - l->acpi_base, E820_ACPI);
    for (int i = 0; i < m->as.nregions; i++) {
        const MemRegion *r = &m->as.regions[i];
        if (r->kind == MEM_ROM && r->base + r->size == PC_HIGHMEM_BASE)
            e820_add(t, r->base, r->size, E820_RESERVED);
    }
    if (m->as.ram_size > low)
        e820_add(t, PC_HIGHMEM_BASE, m->as.ram_size - low, E820_RAM);
}

static void put_e820(LinuxLoad *l)
{
    E820 t;
    build_e820(l, &t);
    for (int i = 0; i < t.n; i++) {
        uint8_t *e = l->bp + BP_E820_TABLE + 20 * i;
        wr64(e, t.e[i].base);
        wr64(e + 8, t.e[i].len);
        wr32(e + 16, t.e[i].type);
    }
    l->bp[BP_E820_ENTRIES] = t.n;
}

/* Checks the setup header and copies it into the zero page. */
static int parse_header(LinuxLoad *l)
{
    const uint8_t *k = l->k.data;
    if (l->k.len < 0x400 || memcmp(k + HDR_MAGIC, "HdrS", 4)) {
        snprintf(l->err, l->errlen, "kernel '%s': not a Linux bzImage (no \"HdrS\" "
                 "setup header)", l->kernel);
        return -1;
    }
    l->version = rd16(k + HDR_VERSION);
    if (l->version < LINUX_MIN_PROTOCOL) {
        snprintf(l->err, l->errlen, "kernel '%s': boot protocol %u.%02u is too old "
                 "(2.06 or later needed)", l->kernel, l->version >> 8, l->version & 0xff);
        return -1;
    }
    /* The header runs from 0x1f1 to the end the jump at 0x200 skips. */
    size_t hdr_end = HDR_JUMP + 2 + k[HDR_JUMP + 1];
    memset(l->bp, 0, sizeof(l->bp));
    memcpy(l->bp + BP_HDR, k + BP_HDR, hdr_end - BP_HDR);
    return 0;
}

/* The protected-mode part follows the real-mode setup sectors. */
static int load_kernel(LinuxLoad *l)
{
    const uint8_t *k = l->k.data;
    unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4;
    size_t setup = (sects + 1) * 512;
    if (setup >= l->k.len) {
        snprintf(l->err, l->errlen, "kernel '%s': %u setup sectors but only %zu bytes",
                 l->kernel, sects, l->k.len);
        return -1;
    }
    size_t size = l->k.len - setup;
    uint64_t need = size;
    if (l->version >= 0x20a && rd32(k + HDR_INIT_SIZE) > need)
        need = rd32(k + HDR_INIT_SIZE);
    /* A relocatable kernel decompresses at its preferred address if the
     * load address is lower, so it needs the room there. */
    uint64_t at = LINUX_KERNEL_ADDR;
    if (k[HDR_RELOCATABLE] && l->version >= 0x20a && rd64(k + HDR_PREF_ADDRESS) > at)
        at = rd64(k + HDR_PREF_ADDRESS);
    l->kernel_end = at + need;
    if (l->kernel_end > l->acpi_base) {
        snprintf(l->err, l->errlen, "kernel '%s': needs RAM up to 0x%llx, but there is "
                 "%llu MiB below 4 GiB", l->kernel, (unsigned long long)l->kernel_end,
                 (unsigned long long)(pc_lowmem_size(l->m) >> 20));
        return -1;
    }
    phys_load(&l->m->as, LINUX_KERNEL_ADDR, k + setup, size);
    wr32(l->bp + HDR_CODE32_START, LINUX_KERNEL_ADDR);
    return 0;
}

static int load_cmdline(LinuxLoad *l)
{
    const char *s = l->m->opt.append ? l->m->opt.append : "";
    size_t len = strlen(s), max = rd32(l->bp + HDR_CMDLINE_SIZE);
    if (len > max) {
        snprintf(l->err, l->errlen, "-append: the command line is %zu bytes, kernel '%s' "
                 "takes at most %zu", len, l->kernel, max);
        return -1;
    }
    phys_load(&l->m->as, LINUX_CMDLINE_ADDR, s, len + 1);
    wr32(l->bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    return 0;
}

/* As high as the kernel allows, page-aligned, below the ACPI tables. */
static int load_initrd(LinuxLoad *l)
{
    const char *path = l->m->opt.initrd;
    if (!path)
        return 0;
    Blob b;
    if (loader_read_file("initrd", path, &b, l->err, l->errlen) < 0)
        return -1;
    uint64_t top = (uint64_t)rd32(l->bp + HDR_INITRD_ADDR_MAX) + 1;
    if (top > l->acpi_base)
        top = l->acpi_base;
    uint64_t at = b.len <= top ? (top - b.len) & YL_PAGE_MASK : 0;
    if (b.len > top || at < l->kernel_end) {
        snprintf(l->err, l->errlen, "initrd '%s' (%zu bytes) does not fit between the "
                 "kernel's end 0x%llx and 0x%llx", path, b.len,
                 (unsigned long long)l->kernel_end, (unsigned long long)top);
        free(b.data);
        return -1;
    }
    phys_load(&l->m->as, at, b.data, b.len);
    free(b.data);
    wr32(l->bp + HDR_RAMDISK_IMAGE, at);
    wr32(l->bp + HDR_RAMDISK_SIZE, b.len);
    return 0;
}

/* The tables at acpi_base, the RSDP after them, as firmware would. */
static int load_acpi(LinuxLoad *l)
{
    AcpiConfig c;
    AcpiTables t;
    acpi_config_of(l->m, &c);
    if (acpi_build(&c, &t) < 0) {
        snprintf(l->err, l->errlen, "ACPI tables: out of memory");
        return -1;
    }
    uint64_t rsdp = (l->acpi_base + t.tables_len + 15) & ~15ull;
    int r = -1;
    if (rsdp + sizeof(t.rsdp) > pc_lowmem_size(l->m))
        snprintf(l->err, l->errlen, "ACPI tables: %u bytes do not fit in %u",
                 t.tables_len, LINUX_ACPI_SIZE);
    else if (acpi_loader_run(&t, l->acpi_base, rsdp, l->err, l->errlen) == 0) {
        phys_load(&l->m->as, l->acpi_base, t.tables, t.tables_len);
        phys_load(&l->m->as, rsdp, t.rsdp, sizeof(t.rsdp));
        if (l->version >= 0x20e)
            wr64(l->bp + BP_ACPI_RSDP_ADDR, rsdp);
        r = 0;
    }
    acpi_tables_free(&t);
    return r;
}

/* What firmware does before an OS that uses ACPI: the PM block mapped at
 * the address the FADT names, and the machine in ACPI mode. */
static void enable_acpi_hw(Machine *m)
{
    if (!m->pci)
        return;
    uint8_t pm = PCI_DEVFN(1, 3);
    if (pci_config_read(m->pci, pm, PCI_VENDOR_ID, 2) != 0x8086)
        return;
    pci_config_write(m->pci, pm, PM_PMBA, ACPI_PM_BASE | 1, 4);
    pci_config_write(m->pci, pm, PM_PMREGMISC, 1, 1);
    pci_config_write(m->pci, pm, PCI_INTERRUPT_LINE, ACPI_SCI_IRQ, 1);
    ioport_write(&m->io, ACPI_PM_BASE + 4, PM_SCI_EN, 2);
}

static void fill_boot_params(LinuxLoad *l)
{
    uint8_t *bp = l->bp;
    uint64_t low = pc_lowmem_size(l->m);
    uint32_t ext_k = (low - 0x100000) >> 10;
    wr16(bp + BP_EXT_MEM_K, ext_k > 0xffff ? 0xffff : ext_k);
    wr32(bp + BP_ALT_MEM_K, ext_k);
    bp[HDR_TYPE_OF_LOADER] = 0xff;
    bp[HDR_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
    /* As if the setup code sat at 0x90000 with its heap up to 0x9fe00. */
    wr16(bp + HDR_HEAP_END_PTR, 0xfe00 - 0x200);
    put_e820(l);
}

/* Memory types and MTRRdefType's enables (SDM vol. 3, 12.11). */
enum { MT_UC = 0, MT_WP = 5, MT_WB = 6 };
#define MTRR_DEF_FE (1u << 10)
#define MTRR_DEF_E (1u << 11)
#define MTRR_VALID (1u << 11)           /* in a PHYSMASK */
#define MTRR_PHYS_MASK ((1ull << 40) - 1)   /* CPUID 80000008h: 40 bits */
#define MTRR_BYTES(t) (0x0101010101010101ull * (t))

/* Where SeaBIOS lets the 32-bit PCI window start on this machine: a
 * power-of-two-sized range below 4 GiB, so one variable MTRR covers it. */
static uint64_t pci_hole_start(Machine *m)
{
    uint64_t low = pc_lowmem_size(m);
    if (low <= 0x80000000ull)
        return 0x80000000ull;
    if (low <= 0xc0000000ull)
        return 0xc0000000ull;
    return PC_LOWMEM_MAX;
}

/* The MTRRs as firmware leaves them on a PC (SeaBIOS does this on every
 * CPU): RAM below 640 KiB write-back, the VGA window uncacheable, the ROM
 * area 0xc0000-0xfffff write-protected, the PCI hole uncacheable, all
 * else write-back.  Linux turns PAT off if it finds the MTRRs disabled.
 * The APs keep theirs through INIT/SIPI, so they get them now too. */
static void setup_mtrrs(Machine *m)
{
    uint64_t hole = pci_hole_start(m);
    for (int c = 0; c < m->ncpus; c++) {
        MSRState *s = &m->cpus[c]->msr;
        s->mtrr_fixed[0] = MTRR_BYTES(MT_WB);       /* 0x00000-0x7ffff */
        s->mtrr_fixed[1] = MTRR_BYTES(MT_WB);       /* 0x80000-0x9ffff */
        s->mtrr_fixed[2] = MTRR_BYTES(MT_UC);       /* 0xa0000-0xbffff */
        for (int i = 3; i < 11; i++)                /* 0xc0000-0xfffff */
            s->mtrr_fixed[i] = MTRR_BYTES(MT_WP);
        memset(s->mtrr_var, 0, sizeof(s->mtrr_var));
        s->mtrr_var[0] = hole | MT_UC;
        s->mtrr_var[1] = (~((1ull << 32) - hole - 1) & MTRR_PHYS_MASK) | MTRR_VALID;
        s->mtrr_deftype = MTRR_DEF_E | MTRR_DEF_FE | MT_WB;
    }
}

static const uint32_t seg_code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK
    | DESC_A_MASK | DESC_G_MASK;
static const uint32_t seg_data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK
    | DESC_B_MASK | DESC_G_MASK;

/* GDT: null, null, __BOOT_CS (0x10), __BOOT_DS (0x18). */
static void put_gdt(Machine *m, X86CPU *cpu, bool code64)
{
    uint8_t gdt[32] = { 0 };
    wr64(gdt + LINUX_BOOT_CS, code64 ? 0x00af9b000000ffffull : 0x00cf9b000000ffffull);
    wr64(gdt + LINUX_BOOT_DS, 0x00cf93000000ffffull);
    phys_load(&m->as, LINUX_GDT_ADDR, gdt, sizeof(gdt));
    cpu->gdt.base = LINUX_GDT_ADDR;
    cpu->gdt.limit = sizeof(gdt) - 1;
    cpu->idt.base = 0;
    cpu->idt.limit = 0;
}

static void load_segments(X86CPU *cpu, bool code64)
{
    static const int data_segs[] = { R_DS, R_ES, R_FS, R_GS, R_SS };
    x86_load_seg_raw(cpu, R_CS, LINUX_BOOT_CS, 0, 0xffffffff,
                     seg_code | (code64 ? DESC_L_MASK : DESC_B_MASK));
    for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
        x86_load_seg_raw(cpu, data_segs[i], LINUX_BOOT_DS, 0, 0xffffffff, seg_data);
}

/* Identity map of 0-4 GiB with 2 MiB pages: PML4, PDPT, four PDs. */
static void put_page_tables(Machine *m)
{
    uint8_t *t = calloc(6, 4096);
    if (!t)
        return;
    wr64(t, (LINUX_PML4_ADDR + 0x1000) | 3);
    for (int i = 0; i < 4; i++)
        wr64(t + 0x1000 + 8 * i, (LINUX_PML4_ADDR + 0x2000 + 0x1000 * i) | 3);
    for (int i = 0; i < 4 * 512; i++)
        wr64(t + 0x2000 + 8 * i, ((uint64_t)i << 21) | 0x83);
    phys_load(&m->as, LINUX_PML4_ADDR, t, 6 * 4096);
    free(t);
}

static void enter_kernel(Machine *m, X86CPU *cpu, bool entry64)
{
    cpu->cpl = 0;
    cpu->cr[0] = (cpu->cr[0] | CR0_PE) & ~(uint64_t)CR0_PG;
    put_gdt(m, cpu, entry64);
    if (entry64) {
        put_page_tables(m);
        cpu->cr[3] = LINUX_PML4_ADDR;
        cpu->cr[4] |= CR4_PAE;
        cpu->msr.efer |= EFER_LME | EFER_LMA;
        cpu->cr[0] |= CR0_PG;
    }
    load_segments(cpu, entry64);
    x86_set_eflags(cpu, 0x2, ~0u);
    x86_cpu_set_a20(cpu, true);
    for (int i = 0; i < 16; i++)
        cpu->regs[i] = 0;
    cpu->regs[R_ESI] = LINUX_ZERO_PAGE;
    cpu->regs[R_ESP] = LINUX_STACK_TOP;
    /* startup_64 sits 0x200 into the protected-mode kernel. */
    cpu->rip = LINUX_KERNEL_ADDR + (entry64 ? 0x200 : 0);
}

int linux_boot_load(Machine *m, X86CPU *cpu, bool entry64, char *err, int errlen)
{
    LinuxLoad *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->m = m;
    l->kernel = m->opt.kernel;
    l->err = err;
    l->errlen = errlen;
    uint64_t low = pc_lowmem_size(m);
    int r = -1;
    if (low < LINUX_KERNEL_ADDR + 2 * LINUX_ACPI_SIZE) {
        snprintf(err, errlen, "-kernel needs more than 1 MiB of RAM");
        goto out;
    }
    l->acpi_base = low - LINUX_ACPI_SIZE;
    if (loader_read_file("kernel", l->kernel, &l->k, err, errlen) < 0)
        goto out;
    if (parse_header(l) < 0 || load_kernel(l) < 0 || load_cmdline(l) < 0
        || load_initrd(l) < 0 || load_acpi(l) < 0)
        goto out;
    fill_boot_params(l);
    phys_load(&m->as, LINUX_ZERO_PAGE, l->bp, sizeof(l->bp));
    enable_acpi_hw(m);
    setup_mtrrs(m);
    enter_kernel(m, cpu, entry64);
    r = 0;
out:
    free(l->k.data);
    free(l);
    return r;
}
