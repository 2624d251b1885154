/* Multiboot v1 (-kernel): load an ELF32 or a.out-kludge kernel and its
 * modules, build the information structure, enter the kernel in flat 32-bit
 * protected mode as the specification says. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/pc.h"
#include "hw/loader.h"

#define MB_MAGIC 0x1badb002u
#define MB_BOOT_MAGIC 0x2badb002u
#define MB_SEARCH 8192
#define MB_FLAG_PAGE_ALIGN (1u << 0)
#define MB_FLAG_MEMINFO (1u << 1)
#define MB_FLAG_VIDEO (1u << 2)
#define MB_FLAG_AOUT (1u << 16)
#define MB_KNOWN_REQS (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO)

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER (1u << 9)
#define MBI_SIZE 120
#define MBI_MOD_SIZE 16
#define MBI_MMAP_ENTRY 24
#define MAX_MODULES 64

typedef struct MBLoad {
    Machine *m;
    const char *kernel;
    char *err;
    int errlen;
    uint64_t end;           /* first byte after everything loaded so far */
} MBLoad;

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return p[0] | p[1] << 8;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static uint64_t page_align(uint64_t a)
{
    return (a + YL_PAGE_SIZE - 1) & YL_PAGE_MASK;
}

/* Is [addr, addr+len) RAM below 4 GiB, outside the legacy hole? */
static int check_ram(MBLoad *l, const char *what, uint64_t addr, uint64_t len)
{
    uint64_t low = pc_lowmem_size(l->m), end = addr + len;
    bool ok = end >= addr && end <= low && (end <= 0xa0000 || addr >= 0x100000);
    if (!ok) {
        snprintf(l->err, l->errlen, "kernel '%s': %s at 0x%llx-0x%llx lies outside "
                 "RAM (%llu MiB below 4 GiB)", l->kernel, what, (unsigned long long)addr,
                 (unsigned long long)end, (unsigned long long)(low >> 20));
        return -1;
    }
    if (end > l->end)
        l->end = end;
    return 0;
}

static int load_segment(MBLoad *l, uint64_t addr, const uint8_t *src,
                        uint64_t filesz, uint64_t memsz)
{
    if (check_ram(l, "a segment", addr, memsz) < 0)
        return -1;
    phys_load(&l->m->as, addr, src, filesz);
    uint8_t *host = phys_host_ptr(&l->m->as, addr + filesz, memsz - filesz);
    if (memsz > filesz && host)
        memset(host, 0, memsz - filesz);
    return 0;
}

/* Returns the header's offset, or -1 with a message. */
static long find_header(MBLoad *l, const Blob *k)
{
    bool saw_magic = false;
    size_t limit = k->len < MB_SEARCH ? k->len : MB_SEARCH;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        if (le32(k->data + off) != MB_MAGIC)
            continue;
        saw_magic = true;
        if (le32(k->data + off) + le32(k->data + off + 4) + le32(k->data + off + 8) == 0)
            return off;
    }
    if (saw_magic)
        snprintf(l->err, l->errlen, "kernel '%s': bad multiboot header checksum", l->kernel);
    else
        snprintf(l->err, l->errlen, "kernel '%s': not a multiboot kernel or Linux "
                 "bzImage", l->kernel);
    return -1;
}

static int load_aout(MBLoad *l, const Blob *k, size_t hoff, uint32_t *entry)
{
    if (hoff + 32 > k->len) {
        snprintf(l->err, l->errlen, "kernel '%s': truncated multiboot header", l->kernel);
        return -1;
    }
    const uint8_t *h = k->data + hoff;
    uint32_t header_addr = le32(h + 12), load_addr = le32(h + 16);
    uint32_t load_end = le32(h + 20), bss_end = le32(h + 24);
    *entry = le32(h + 28);
    if (load_addr > header_addr || header_addr - load_addr > hoff) {
        snprintf(l->err, l->errlen, "kernel '%s': bad a.out kludge addresses", l->kernel);
        return -1;
    }
    size_t foff = hoff - (header_addr - load_addr);
    uint64_t size = load_end ? (uint64_t)load_end - load_addr : k->len - foff;
    if (load_end && (load_end < load_addr || size > k->len - foff)) {
        snprintf(l->err, l->errlen, "kernel '%s': load_end_addr beyond the file", l->kernel);
        return -1;
    }
    uint64_t memsz = bss_end > load_addr + size ? bss_end - load_addr : size;
    return load_segment(l, load_addr, k->data + foff, size, memsz);
}

static int load_elf(MBLoad *l, const Blob *k, uint32_t *entry)
{
    const uint8_t *e = k->data;
    if (k->len < 52 || memcmp(e, "\177ELF", 4)) {
        snprintf(l->err, l->errlen, "kernel '%s': multiboot header without the a.out "
                 "kludge, but not an ELF file", l->kernel);
        return -1;
    }
    if (e[4] != 1 || e[5] != 1 || le16(e + 18) != 3) {
        snprintf(l->err, l->errlen, "kernel '%s': not a 32-bit x86 ELF (64-bit multiboot "
                 "kernels need the a.out kludge)", l->kernel);
        return -1;
    }
    uint32_t phoff = le32(e + 28), phentsize = le16(e + 42), phnum = le16(e + 44);
    *entry = le32(e + 24);
    if (phentsize < 32 || phoff > k->len || (uint64_t)phnum * phentsize > k->len - phoff) {
        snprintf(l->err, l->errlen, "kernel '%s': bad ELF program headers", l->kernel);
        return -1;
    }
    uint32_t phys_entry = *entry;
    int loaded = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
        uint32_t off = le32(ph + 4), vaddr = le32(ph + 8), paddr = le32(ph + 12);
        uint32_t filesz = le32(ph + 16), memsz = le32(ph + 20);
        if (le32(ph) != 1 || memsz == 0)  /* PT_LOAD */
            continue;
        if (filesz > memsz || off > k->len || filesz > k->len - off) {
            snprintf(l->err, l->errlen, "kernel '%s': ELF segment %u beyond the file",
                     l->kernel, i);
            return -1;
        }
        if (load_segment(l, paddr, e + off, filesz, memsz) < 0)
            return -1;
        /* A higher-half kernel's entry is virtual: find it physically. */
        if (*entry >= vaddr && *entry - vaddr < memsz)
            phys_entry = *entry - vaddr + paddr;
        loaded++;
    }
    if (!loaded) {
        snprintf(l->err, l->errlen, "kernel '%s': no loadable ELF segment", l->kernel);
        return -1;
    }
    *entry = phys_entry;
    return 0;
}

typedef struct Module {
    char *string;           /* "path args" */
    uint32_t start, end;
} Module;

/* -initrd "a args,b": ",," is a literal comma. */
static int split_modules(const char *s, Module *mods, int *n, char *err, int errlen)
{
    *n = 0;
    while (s && *s) {
        if (*n == MAX_MODULES) {
            snprintf(err, errlen, "-initrd: at most %d modules", MAX_MODULES);
            return -1;
        }
        char *str = malloc(strlen(s) + 1), *o = str;
        if (!str)
            return -1;
        while (*s && !(*s == ',' && s[1] != ',')) {
            if (*s == ',')
                s++;
            *o++ = *s++;
        }
        *o = 0;
        if (*s == ',')
            s++;
        mods[(*n)++].string = str;
    }
    return 0;
}

static int load_modules(MBLoad *l, Module *mods, int n)
{
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%.*s", (int)strcspn(mods[i].string, " "),
                 mods[i].string);
        Blob b;
        if (loader_read_file("module", path, &b, l->err, l->errlen) < 0)
            return -1;
        uint64_t at = page_align(l->end);
        int r = check_ram(l, "a module", at, b.len);
        if (r == 0) {
            phys_load(&l->m->as, at, b.data, b.len);
            mods[i].start = at;
            mods[i].end = at + b.len;
        }
        free(b.data);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int build_mmap(const Machine *m, uint8_t *p)
{
    uint64_t low = pc_lowmem_size(m), high = m->as.ram_size - low;
    const struct { uint64_t base, len; uint32_t type; } map[] = {
        { 0, 0x9fc00, 1 },
        { 0x9fc00, 0x400, 2 },
        { 0xf0000, 0x10000, 2 },
        { 0x100000, low - 0x100000, 1 },
        { PC_HIGHMEM_BASE, high, 1 },
    };
    int n = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (!map[i].len)
            continue;
        uint8_t *e = p + n++ * MBI_MMAP_ENTRY;
        put32(e, MBI_MMAP_ENTRY - 4);
        put64(e + 4, map[i].base);
        put64(e + 12, map[i].len);
        put32(e + 20, map[i].type);
    }
    return n * MBI_MMAP_ENTRY;
}

/* Layout after the modules: info, module list, memory map, strings. */
static int build_info(MBLoad *l, const Module *mods, int nmods, uint32_t *info_addr)
{
    const MachineOptions *o = &l->m->opt;
    const char *append = o->append ? o->append : "";
    size_t cmdlen = strlen(o->kernel) + 1 + strlen(append) + 1;
    size_t size = MBI_SIZE + nmods * MBI_MOD_SIZE + 5 * MBI_MMAP_ENTRY + cmdlen + 16;
    for (int i = 0; i < nmods; i++)
        size += strlen(mods[i].string) + 1;
    uint64_t base = page_align(l->end);
    if (check_ram(l, "the multiboot information", base, size) < 0)
        return -1;
    uint8_t *buf = calloc(1, size);
    if (!buf)
        return -1;
    uint32_t mods_at = base + MBI_SIZE, mmap_at = mods_at + nmods * MBI_MOD_SIZE;
    int mmap_len = build_mmap(l->m, buf + (mmap_at - base));
    uint32_t str = mmap_at + mmap_len;
    uint32_t cmd_at = str;
    snprintf((char *)buf + (str - base), cmdlen, "%s %s", o->kernel, append);
    str += cmdlen;
    uint32_t name_at = str;
    strcpy((char *)buf + (str - base), "yinglong");
    str += 9;
    for (int i = 0; i < nmods; i++) {
        uint8_t *md = buf + MBI_SIZE + i * MBI_MOD_SIZE;
        put32(md, mods[i].start);
        put32(md + 4, mods[i].end);
        put32(md + 8, str);
        strcpy((char *)buf + (str - base), mods[i].string);
        str += strlen(mods[i].string) + 1;
    }
    put32(buf, MBI_MEM | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER);
    put32(buf + 4, 0x9fc00 / 1024);
    put32(buf + 8, (pc_lowmem_size(l->m) - 0x100000) / 1024);
    put32(buf + 16, cmd_at);
    put32(buf + 20, nmods);
    put32(buf + 24, mods_at);
    put32(buf + 44, mmap_len);
    put32(buf + 48, mmap_at);
    put32(buf + 64, name_at);
    phys_load(&l->m->as, base, buf, size);
    free(buf);
    *info_addr = base;
    return 0;
}

/* The machine state the specification promises on entry. */
static void enter_kernel(X86CPU *cpu, uint32_t entry, uint32_t info)
{
    const uint32_t code = DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK
        | DESC_A_MASK | DESC_B_MASK | DESC_G_MASK;
    const uint32_t data = DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK
        | DESC_B_MASK | DESC_G_MASK;
    static const int data_segs[] = { R_DS, R_ES, R_FS, R_GS, R_SS };
    cpu->cr[0] = (cpu->cr[0] | CR0_PE) & ~(uint64_t)CR0_PG;
    cpu->cpl = 0;
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff, code);
    for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
        x86_load_seg_raw(cpu, data_segs[i], 0x10, 0, 0xffffffff, data);
    x86_set_eflags(cpu, 0x2, ~0u);
    x86_cpu_set_a20(cpu, true);
    cpu->regs[R_EAX] = MB_BOOT_MAGIC;
    cpu->regs[R_EBX] = info;
    cpu->rip = entry;
}

int multiboot_load(Machine *m, X86CPU *cpu, char *err, int errlen)
{
    MBLoad l = { m, m->opt.kernel, err, errlen, 0 };
    Blob k;
    Module mods[MAX_MODULES];
    int nmods = 0, r = -1;
    uint32_t entry, info;
    if (pc_lowmem_size(m) <= 0x100000) {
        snprintf(err, errlen, "-kernel needs more than 1 MiB of RAM");
        return -1;
    }
    if (loader_read_file("kernel", l.kernel, &k, err, errlen) < 0)
        return -1;
    long hoff = find_header(&l, &k);
    if (hoff < 0)
        goto out;
    uint32_t flags = le32(k.data + hoff + 4);
    if (flags & 0xffff & ~MB_KNOWN_REQS) {
        snprintf(err, errlen, "kernel '%s': requires unsupported multiboot features "
                 "(flags 0x%x)", l.kernel, flags);
        goto out;
    }
    if ((flags & MB_FLAG_AOUT) ? load_aout(&l, &k, hoff, &entry) < 0
                               : load_elf(&l, &k, &entry) < 0)
        goto out;
    if (split_modules(m->opt.initrd, mods, &nmods, err, errlen) < 0
        || load_modules(&l, mods, nmods) < 0
        || build_info(&l, mods, nmods, &info) < 0)
        goto out;
    enter_kernel(cpu, entry, info);
    r = 0;
out:
    for (int i = 0; i < nmods; i++)
        free(mods[i].string);
    free(k.data);
    return r;
}
