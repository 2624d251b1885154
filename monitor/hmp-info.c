/* `info registers`, `info pci`, `info mtree`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_int.h"
#include "yl/accel.h"
#include "yl/pci.h"

static int info_registers(Monitor *mon)
{
    Machine *m = mon->m;
    if (m->ncpus == 0) {
        monitor_printf(mon, "info registers: the machine has no CPU\n");
        return -1;
    }
    X86CPU *cpu = m->cpus[0];
    if (m->accel && m->accel->sync_state)
        m->accel->sync_state(cpu);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        monitor_printf(mon, "info registers: out of memory\n");
        return -1;
    }
    x86_cpu_dump(cpu, f);
    fclose(f);
    monitor_printf(mon, "%s", buf);
    free(buf);
    return 0;
}

static const char *const kind_names[] = { "ram", "rom", "i/o" };

/* Regions in address order; a region hidden by one of higher priority is
 * still listed, with its priority, as QEMU shows overlapping subregions. */
static int info_mtree(Monitor *mon)
{
    const AddressSpace *as = &mon->m->as;
    int order[MEM_MAX_REGIONS], n = 0;
    for (int i = 0; i < as->nregions; i++) {
        if (!as->regions[i].size)
            continue;
        int j = n++;
        for (; j > 0 && as->regions[order[j - 1]].base > as->regions[i].base; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    monitor_printf(mon, "address-space: memory\n");
    monitor_printf(mon, "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n");
    for (int k = 0; k < n; k++) {
        const MemRegion *r = &as->regions[order[k]];
        monitor_printf(mon, "    %016llx-%016llx (prio %d, %s): %s\n",
                       (unsigned long long)r->base,
                       (unsigned long long)(r->base + r->size - 1), r->priority,
                       kind_names[r->kind], r->name ? r->name : "");
    }
    return 0;
}

static void info_pci_bars(Monitor *mon, PCIDevice *d)
{
    for (int b = 0; b <= PCI_NUM_BARS; b++) {
        const PCIBar *bar = &d->bars[b];
        if (bar->type == PCI_BAR_NONE)
            continue;
        const char *what = b == PCI_ROM_SLOT ? "ROM" : bar->type == PCI_BAR_IO
            ? "I/O" : "Memory";
        if (bar->addr == PCI_BAR_UNMAPPED)
            monitor_printf(mon, "      %s at [unmapped], size %u.\n", what, bar->size);
        else if (b == PCI_ROM_SLOT)
            monitor_printf(mon, "      ROM at 0x%08llx [0x%08llx].\n",
                           (unsigned long long)bar->addr,
                           (unsigned long long)(bar->addr + bar->size - 1));
        else
            monitor_printf(mon, "      BAR%d: %s at 0x%04llx [0x%04llx].\n", b, what,
                           (unsigned long long)bar->addr,
                           (unsigned long long)(bar->addr + bar->size - 1));
    }
}

static int info_pci(Monitor *mon)
{
    PCIBus *bus = mon->m->pci;
    if (!bus) {
        monitor_printf(mon, "info pci: the machine has no PCI bus\n");
        return -1;
    }
    for (int devfn = 0; devfn < 256; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (!d)
            continue;
        const uint8_t *c = d->config;
        monitor_printf(mon, "  Bus  0, device %3d, function %d:\n", devfn >> 3, devfn & 7);
        monitor_printf(mon, "    Class %04x: PCI device %04x:%04x\n",
                       pci_get_word(c + PCI_CLASS_DEVICE), pci_get_word(c + PCI_VENDOR_ID),
                       pci_get_word(c + PCI_DEVICE_ID));
        if (c[PCI_INTERRUPT_PIN])
            monitor_printf(mon, "      IRQ %d, pin %c\n", c[PCI_INTERRUPT_LINE],
                           'A' + c[PCI_INTERRUPT_PIN] - 1);
        info_pci_bars(mon, d);
        monitor_printf(mon, "      id \"%s\"\n", d->dev.id ? d->dev.id : "");
    }
    return 0;
}

int hmp_info(Monitor *mon, const char *name, const char *args)
{
    if (!strcmp(args, "registers"))
        return info_registers(mon);
    if (!strcmp(args, "mtree"))
        return info_mtree(mon);
    if (!strcmp(args, "pci"))
        return info_pci(mon);
    if (!*args) {
        monitor_printf(mon, "info registers -- the CPU registers\n"
                            "info pci -- the PCI devices\n"
                            "info mtree -- the memory map\n");
        return 0;
    }
    monitor_printf(mon, "info: unknown item '%s' (registers, pci, mtree)\n", args);
    return -1;
}
