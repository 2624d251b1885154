/* The PC: RAM, BIOS ROM, CPU, i8259 pair, i8254, COM ports, port 0x92 and
 * the -device list, assembled in pc_init(). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/acpi/acpi_build.h"
#include "hw/linux_boot.h"
#include "hw/pc.h"
#include "yl/apic.h"
#include "yl/pci.h"
#include "yl/machine.h"

#define DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define BIOS_MAX_SIZE (16u << 20)
#define ISA_BIOS_MAX (128u << 10)
#define VGA_HOLE_START 0xa0000
#define VGA_HOLE_END 0xc0000

typedef struct PCBoard {
    uint8_t *bios;
    size_t bios_size;
    uint8_t port92;
    IRQLine cpu_intr;
    IRQLine pic_irq[16];    /* the 8259's own ISA inputs, behind the fan-out */
} PCBoard;

static const uint16_t com_iobase[MACHINE_MAX_SERIAL] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
static const uint8_t com_irq[MACHINE_MAX_SERIAL] = { 4, 3, 4, 3 };

static int pc_init_ram(Machine *m, char *err, int errlen)
{
    uint64_t size = (m->opt.ram_size + YL_PAGE_SIZE - 1) & YL_PAGE_MASK;
    RamBacking backing = { m->opt.mem_path, m->opt.mem_prealloc, !m->opt.mem_merge_off };
    char why[200];
    if (as_alloc_ram_backed(&m->as, size, &backing, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "cannot set up guest memory 'pc.ram' (%llu MiB): %s",
                 (unsigned long long)(size >> 20), why);
        return -1;
    }
    uint64_t low = pc_lowmem_size(m);
    /* The VGA window 0xa0000-0xbffff is not RAM. */
    uint64_t below_vga = low < VGA_HOLE_START ? low : VGA_HOLE_START;
    mem_add_ram(&m->as, "pc.ram", 0, below_vga, m->as.ram, 0);
    if (low > VGA_HOLE_END)
        mem_add_ram(&m->as, "pc.ram", VGA_HOLE_END, low - VGA_HOLE_END,
                    m->as.ram + VGA_HOLE_END, 0);
    if (size > low)
        mem_add_ram(&m->as, "pc.ram-high", PC_HIGHMEM_BASE, size - low,
                    m->as.ram + low, 0);
    return 0;
}

static int read_bios(PCBoard *b, const char *path, char *err, int errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "could not load BIOS '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size % 65536
        || st.st_size > BIOS_MAX_SIZE) {
        snprintf(err, errlen, "BIOS '%s': size %lld is not a non-zero multiple of "
                 "64 KiB up to 16 MiB", path, (long long)st.st_size);
        close(fd);
        return -1;
    }
    b->bios_size = st.st_size;
    b->bios = mmap(NULL, b->bios_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b->bios == MAP_FAILED) {
        b->bios = NULL;
        snprintf(err, errlen, "BIOS '%s': %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < b->bios_size) {
        ssize_t n = read(fd, b->bios + got, b->bios_size - got);
        if (n <= 0) {
            snprintf(err, errlen, "could not read BIOS '%s': %s", path,
                     n < 0 ? strerror(errno) : "file shrank");
            close(fd);
            return -1;
        }
        got += n;
    }
    close(fd);
    return 0;
}

/* The whole image ends at 4 GiB; its last 128 KiB also end at 1 MiB. */
static int pc_init_bios(Machine *m, PCBoard *b, char *err, int errlen)
{
    const char *path = m->opt.bios;
    if (!path) {
        if (m->opt.kernel && access(DEFAULT_BIOS, R_OK) < 0)
            return 0;   /* the multiboot loader enters the kernel directly */
        path = DEFAULT_BIOS;
    }
    if (read_bios(b, path, err, errlen) < 0)
        return -1;
    size_t low = b->bios_size < ISA_BIOS_MAX ? b->bios_size : ISA_BIOS_MAX;
    if (!mem_add_rom(&m->as, "pc.bios", PC_HIGHMEM_BASE - b->bios_size, b->bios_size,
                     b->bios, 1)
        || !mem_add_rom(&m->as, "isa-bios", 0x100000 - low, low,
                        b->bios + b->bios_size - low, 1)) {
        snprintf(err, errlen, "BIOS '%s': no room in the memory map", path);
        return -1;
    }
    return 0;
}

/* The 8259's INTR reaches every CPU's LINT0 (or INTR without an APIC). */
static void pc_cpu_intr(void *opaque, int n, int level)
{
    Machine *m = opaque;
    for (int i = 0; i < m->ncpus; i++) {
        if (m->lapic[i])
            apic_set_lint(m->lapic[i], 0, level);
        else if (i == 0)
            x86_cpu_set_irq(m->cpus[i], level);
    }
}

/* An ISA IRQ goes to the 8259 and to the I/O APIC alike: IRQ0 (the PIT)
 * is GSI 2, the cascade IRQ2 has no I/O APIC pin, the others are 1:1. */
static void pc_isa_irq(void *opaque, int n, int level)
{
    Machine *m = opaque;
    PCBoard *b = m->board;
    irq_set(&b->pic_irq[n], level);
    if (n != 2)
        irq_set(&m->gsi[n == 0 ? 2 : n], level);
}

/* A local APIC per CPU, the I/O APIC behind the ISA fan-out, and the
 * HPET in front of IRQ0 and IRQ8 (its legacy replacement route). */
static int pc_init_apic(Machine *m, PCBoard *b, char *err, int errlen)
{
    for (int i = 0; i < m->ncpus; i++) {
        char props[16];
        snprintf(props, sizeof(props), "cpu=%d", i);
        if (!machine_create_device(m, "apic", props, err, errlen))
            return -1;
    }
    if (!machine_create_device(m, "ioapic", "", err, errlen))
        return -1;
    for (int i = 0; i < 16; i++) {
        b->pic_irq[i] = m->isa_irq[i];
        irq_init(&m->isa_irq[i], pc_isa_irq, m, i);
    }
    if (!machine_create_device(m, "hpet", "", err, errlen))
        return -1;
    m->has_apic = m->has_ioapic = m->has_hpet = true;
    return 0;
}

/* With an in-kernel interrupt controller (KVM) every ISA IRQ and GSI is a
 * line into the kernel; IRQ2 is the cascade, which no device drives. */
static void pc_kernel_isa_irq(void *opaque, int n, int level)
{
    Machine *m = opaque;
    if (n != 2)
        m->kernel_irq_set(m, n, level);
}

static void pc_kernel_gsi(void *opaque, int n, int level)
{
    Machine *m = opaque;
    m->kernel_irq_set(m, n, level);
}

static int pc_init_kernel_irqchip(Machine *m, char *err, int errlen)
{
    for (int i = 0; i < 16; i++)
        irq_init(&m->isa_irq[i], pc_kernel_isa_irq, m, i);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        irq_init(&m->gsi[i], pc_kernel_gsi, m, i);
    if (!machine_create_device(m, "hpet", "", err, errlen))
        return -1;
    m->has_apic = m->has_ioapic = m->has_hpet = true;
    return 0;
}

/* Port 0x92, "system control port A": bit 1 gates A20, bit 0 resets. */
static uint32_t port92_read(void *opaque, uint16_t off, unsigned size)
{
    Machine *m = opaque;
    PCBoard *b = m->board;
    return b->port92;
}

static void port92_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    Machine *m = opaque;
    PCBoard *b = m->board;
    bool reset = (val & 1) && !(b->port92 & 1);
    b->port92 = val & ~1u;
    machine_set_a20(m, val & 2);
    if (reset)
        machine_request_reset(m);
}

static const IOPortOps port92_ops = { port92_read, port92_write };

/* CPUID counts the logical processors a package can address: the next
 * power of two of its cores times threads. */
static int pc_logical_per_package(const MachineOptions *o)
{
    int n = (o->smp_cores > 0 ? o->smp_cores : 1) * (o->smp_threads > 0 ? o->smp_threads : 1);
    int p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* The CPUs -smp asks for: CPU i has initial APIC ID i; CPU 0 is the BSP,
 * the others wait for a start-up IPI. */
static int pc_init_cpu(Machine *m, PCBoard *b, char *err, int errlen)
{
    int n = m->opt.smp_cpus > 0 ? m->opt.smp_cpus : 1;
    if (x86_cpu_model_setup(m, err, errlen) < 0)
        return -1;
    for (int i = 0; i < n && i < MACHINE_MAX_CPUS; i++) {
        X86CPU *cpu = calloc(1, sizeof(*cpu));
        if (!cpu) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        x86_cpu_init(cpu, m, &m->as, &m->io, &m->log);
        cpu->cpu_index = i;
        cpu->cpuid_logical = pc_logical_per_package(&m->opt);
        cpu->model = &m->cpu_model;
        x86_cpu_reset(cpu);
        m->cpus[m->ncpus++] = cpu;
    }
    irq_init(&b->cpu_intr, pc_cpu_intr, m, 0);
    m->cpu_intr = &b->cpu_intr;
    return 0;
}

/* "chardev:ID" names an existing chardev; anything else makes one. */
static const char *pc_chardev_for(Machine *m, const char *opt, const char *spec,
                                  const char *id, char *err, int errlen)
{
    char msg[256];
    if (!strncmp(spec, "chardev:", 8)) {
        if (!machine_find_chardev(m, spec + 8)) {
            snprintf(err, errlen, "%s %s: no chardev with id '%s'", opt, spec, spec + 8);
            return NULL;
        }
        return spec + 8;
    }
    Chardev *c = chardev_new_spec(spec, id, msg, sizeof(msg));
    if (!c || machine_add_chardev(m, c, msg, sizeof(msg)) < 0) {
        chardev_free(c);
        snprintf(err, errlen, "%s %s: %s", opt, spec, msg);
        return NULL;
    }
    return c->id;
}

static void pc_mux_quit(void *opaque)
{
    machine_request_shutdown(opaque, 0);
}

static int pc_init_serial(Machine *m, char *err, int errlen)
{
    const MachineOptions *o = &m->opt;
    const char *defaults[1] = { "stdio" };
    const char *const *specs = o->serial;
    int n = o->nserial;
    if (n == 0 && !o->nodefaults) {
        specs = defaults;
        n = 1;
    }
    for (int i = 0; i < n; i++) {
        if (!specs[i])
            continue;   /* -serial none */
        char id[24], props[96];
        snprintf(id, sizeof(id), "serial%d", i);
        const char *chr = pc_chardev_for(m, "-serial", specs[i], id, err, errlen);
        if (!chr)
            return -1;
        Chardev *c = machine_find_chardev(m, chr);
        if (o->nographic && c && c->kind == CHARDEV_STDIO) {
            c->mux_quit = pc_mux_quit;
            c->mux_opaque = m;
        }
        snprintf(props, sizeof(props), "iobase=0x%x,irq=%d,chardev=%s",
                 com_iobase[i], com_irq[i], chr);
        if (!machine_create_device(m, "isa-serial", props, err, errlen))
            return -1;
    }
    if (o->debugcon) {
        char props[96];
        const char *chr = pc_chardev_for(m, "-debugcon", o->debugcon, "debugcon", err, errlen);
        if (!chr)
            return -1;
        snprintf(props, sizeof(props), "chardev=%s", chr);
        if (!machine_create_device(m, "isa-debugcon", props, err, errlen))
            return -1;
    }
    return 0;
}

/* The i440FX/PIIX3 chipset: PCI bus, host bridge, ISA bridge, power
 * management, RTC/CMOS and the firmware configuration interface. */
static int pc_init_chipset(Machine *m, char *err, int errlen)
{
    if (!pci_bus_new(m, err, errlen))
        return -1;
    char rtc[160];
    snprintf(rtc, sizeof(rtc), "%s", m->opt.rtc ? m->opt.rtc : "");
    if (!machine_create_device(m, "i440FX-pcihost", "", err, errlen)
        || !machine_create_device(m, "PIIX3", "", err, errlen)
        || !machine_create_device(m, "PIIX4_PM", "", err, errlen)
        || !machine_create_device(m, "mc146818rtc", rtc, err, errlen)
        || !machine_create_device(m, "fw_cfg_io", "", err, errlen))
        return -1;
    return 0;
}

static int pc_init_user_devices(Machine *m, char *err, int errlen)
{
    char msg[256];
    for (int i = 0; i < m->opt.nchardev; i++) {
        Chardev *c = chardev_new_opts(m->opt.chardev[i], msg, sizeof(msg));
        if (!c || machine_add_chardev(m, c, msg, sizeof(msg)) < 0) {
            chardev_free(c);
            snprintf(err, errlen, "-chardev %s: %s", m->opt.chardev[i], msg);
            return -1;
        }
    }
    if (pc_init_serial(m, err, errlen) < 0)
        return -1;
    for (int i = 0; i < m->opt.ndevice; i++) {
        const char *spec = m->opt.device[i];
        size_t len = strcspn(spec, ",");
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)len, spec);
        if (!machine_create_device(m, name, spec[len] ? spec + len + 1 : "",
                                   msg, sizeof(msg))) {
            snprintf(err, errlen, "-device %s: %s", spec, msg);
            return -1;
        }
    }
    return 0;
}

/* After devices and CPU are reset: A20 on, then the -kernel boot. */
static int pc_board_reset(Machine *m, char *err, int errlen)
{
    PCBoard *b = m->board;
    b->port92 = 0x02;
    machine_set_a20(m, true);
    /* One TSC for all CPUs, though they were reset one after the other. */
    for (int i = 1; i < m->ncpus; i++)
        m->cpus[i]->tsc_base = m->cpus[0]->tsc_base;
    if (!m->opt.kernel)
        return 0;
    if (linux_is_bzimage(m->opt.kernel))
        return linux_boot_load(m, m->cpus[0], false, err, errlen);
    return multiboot_load(m, m->cpus[0], err, errlen);
}

static void pc_board_destroy(Machine *m)
{
    PCBoard *b = m->board;
    for (int i = 0; i < m->ncpus; i++)
        free(m->cpus[i]);
    m->ncpus = 0;
    if (b && b->bios)
        munmap(b->bios, b->bios_size);
    pci_bus_free(m->pci);
    free(b);
    m->board = NULL;
}

int pc_init(Machine *m, char *err, int errlen)
{
    PCBoard *b = calloc(1, sizeof(*b));
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    m->board = b;
    m->board_reset = pc_board_reset;
    m->board_destroy = pc_board_destroy;

    if (pc_init_ram(m, err, errlen) < 0 || pc_init_bios(m, b, err, errlen) < 0
        || pc_init_cpu(m, b, err, errlen) < 0)
        return -1;
    if (m->kernel_irqchip) {
        if (pc_init_kernel_irqchip(m, err, errlen) < 0)
            return -1;
    } else {
        if (!machine_create_device(m, "i8259", "", err, errlen))
            return -1;
        m->cpus[0]->irq_ack = m->pic_ack;
        m->cpus[0]->irq_ack_opaque = m->pic;
        if (pc_init_apic(m, b, err, errlen) < 0)
            return -1;
    }
    if (!machine_create_device(m, "i8254", "iobase=0x40,irq=0", err, errlen))
        return -1;
    if (!machine_create_device(m, "i8042", "kbd-irq=1,aux-irq=12", err, errlen))
        return -1;
    if (ioport_register(&m->io, 0x92, 1, &port92_ops, m) < 0) {
        snprintf(err, errlen, "port 0x92 already in use");
        return -1;
    }
    if (pc_init_chipset(m, err, errlen) < 0 || pc_ide_init(m, err, errlen) < 0
        || pc_boot_init(m, err, errlen) < 0)
        return -1;
    /* After fw_cfg, which carries the VGA BIOS to the firmware. */
    if ((m->opt.vga ? strcmp(m->opt.vga, "none") != 0 : !m->opt.nodefaults)
        && !machine_create_device(m, "isa-vga", "", err, errlen))
        return -1;
    if (pc_init_user_devices(m, err, errlen) < 0)
        return -1;
    /* After every device exists: the tables describe what is there. */
    if (acpi_setup_fw_cfg(m, err, errlen) < 0)
        return -1;
    return machine_reset(m, err, errlen);
}
