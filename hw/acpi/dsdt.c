/* The DSDT's AML: processors, the PCI host bridge with its windows and
 * interrupt routing through the PIIX3 PIRQ link devices, the ISA devices
 * and the \_S5 soft-off package. */
#include <stdio.h>

#include "hw/acpi/acpi_build.h"
#include "hw/acpi/aml.h"
#include "hw/acpi/dsdt.h"

#define ISA_PATH "\\_SB.PCI0.ISA"
#define PIIX3_ADR 0x00010000    /* device 1, function 0 */
#define PIRQ_REG 0x60
#define PCI_IO_HOLE 0xcf8

static void name_int(Aml *a, const char *name, uint64_t v)
{
    aml_name_decl(a, name);
    aml_int(a, v);
}

static void name_eisaid(Aml *a, const char *name, const char *id)
{
    aml_name_decl(a, name);
    aml_eisaid(a, id);
}

static void name_crs(Aml *a, Aml *r)
{
    aml_name_decl(a, "_CRS");
    aml_resource_template(a, r);
    aml_free(r);
}

static void processors(Aml *a, int ncpus)
{
    for (int i = 0; i < ncpus; i++) {
        char name[8];
        snprintf(name, sizeof(name), "CP%02X", i & 0xff);
        size_t d = aml_device(a, name);
        aml_name_decl(a, "_HID");
        aml_string(a, "ACPI0007");
        name_int(a, "_UID", i);
        aml_close(a, d);
    }
}

/* One ISA device with fixed resources. */
static void isa_device(Aml *a, const char *name, const char *hid, int uid,
                       const uint16_t *io, const uint8_t *io_len, int nio, int irq)
{
    Aml r;
    aml_init(&r);
    for (int i = 0; i < nio; i++)
        res_io(&r, io[i], io_len[i]);
    if (irq >= 0)
        res_irq_noflags(&r, 1u << irq);
    size_t d = aml_device(a, name);
    name_eisaid(a, "_HID", hid);
    if (uid >= 0)
        name_int(a, "_UID", uid);
    name_crs(a, &r);
    aml_close(a, d);
}

static void isa_devices(Aml *a, const AcpiConfig *c)
{
    static const uint16_t kbd_io[] = { 0x60, 0x64 }, rtc_io[] = { 0x70 },
        pit_io[] = { 0x40 }, pic_io[] = { 0x20, 0xa0 };
    static const uint8_t len1[] = { 1, 1 }, len2[] = { 2, 2 }, len4[] = { 4 };
    static const uint16_t com_io[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
    static const uint8_t com_irq[] = { 4, 3, 4, 3 }, len8[] = { 8 };
    size_t isa = aml_device(a, "ISA");
    name_int(a, "_ADR", PIIX3_ADR);
    aml_op_region(a, "PIRQ", AML_PCI_CONFIG, PIRQ_REG, 4);
    size_t f = aml_field(a, "PIRQ", AML_FIELD_BYTE_ACC);
    aml_field_unit(a, "PRQA", 8);
    aml_field_unit(a, "PRQB", 8);
    aml_field_unit(a, "PRQC", 8);
    aml_field_unit(a, "PRQD", 8);
    aml_close(a, f);
    isa_device(a, "KBD", "PNP0303", -1, kbd_io, len1, 2, 1);
    isa_device(a, "MOU", "PNP0F13", -1, NULL, NULL, 0, 12);
    isa_device(a, "RTC", "PNP0B00", -1, rtc_io, len2, 1, 8);
    isa_device(a, "PIT", "PNP0100", -1, pit_io, len4, 1, 0);
    isa_device(a, "PIC", "PNP0000", -1, pic_io, len2, 2, 2);
    for (int i = 0; i < 4; i++) {
        if (!(c->com_mask & (1u << i)))
            continue;
        char name[8];
        snprintf(name, sizeof(name), "COM%d", i + 1);
        isa_device(a, name, "PNP0501", i + 1, &com_io[i], len8, 1, com_irq[i]);
    }
    if (c->has_hpet) {
        Aml r;
        aml_init(&r);
        res_mem32_fixed(&r, false, ACPI_HPET_ADDR, 0x400);
        size_t d = aml_device(a, "HPET");
        name_eisaid(a, "_HID", "PNP0103");
        name_int(a, "_UID", 0);
        name_crs(a, &r);
        aml_close(a, d);
    }
    aml_close(a, isa);
}

/* The host bridge's windows: buses, I/O around the config ports, the VGA
 * window and the 32-bit hole up to the IOAPIC. */
static void pci_crs(Aml *a, const AcpiConfig *c)
{
    Aml r;
    aml_init(&r);
    res_word_bus(&r, 0, 0xff);
    res_io(&r, PCI_IO_HOLE, 8);
    res_word_io(&r, 0, PCI_IO_HOLE - 1);
    res_word_io(&r, 0xd00, 0xffff);
    res_dword_mem(&r, true, 0xa0000, 0xbffff);
    res_dword_mem(&r, false, c->pci_mem_start, ACPI_IOAPIC_ADDR - 1);
    name_crs(a, &r);
}

/* Pin p (0-3 = INTA-D) of slot s reaches PIRQ (s + p) & 3 (yl/pci.h). */
static void pci_prt(Aml *a)
{
    aml_name_decl(a, "_PRT");
    size_t pkg = aml_package(a, 128);
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            char link[16];
            snprintf(link, sizeof(link), "\\_SB.LNK%c", 'A' + ((slot + pin) & 3));
            size_t e = aml_package(a, 4);
            aml_int(a, (uint32_t)slot << 16 | 0xffff);
            aml_int(a, pin);
            aml_name(a, link);
            aml_int(a, 0);
            aml_close(a, e);
        }
    }
    aml_close(a, pkg);
}

static void pci_host(Aml *a, const AcpiConfig *c)
{
    size_t d = aml_device(a, "PCI0");
    name_eisaid(a, "_HID", "PNP0A03");
    name_int(a, "_ADR", 0);
    name_int(a, "_UID", 0);
    pci_crs(a, c);
    pci_prt(a);
    isa_devices(a, c);
    aml_close(a, d);
}

/* A PCI interrupt link (PNP0C0F) over one PIIX3 PIRQ route register:
 * bit 7 disables the route, bits 0-3 are the ISA IRQ. */
static void link_res(Aml *a, const uint32_t *irqs, int n)
{
    Aml r;
    aml_init(&r);
    res_interrupt(&r, RES_INT_CONSUMER | RES_INT_SHARED, irqs, n);
    aml_resource_template(a, &r);
    aml_free(&r);
}

static void link_device(Aml *a, int i)
{
    static const uint32_t irqs[] = { 5, 10, 11 }, none[] = { 0 };
    char name[8], reg[32];
    snprintf(name, sizeof(name), "LNK%c", 'A' + i);
    snprintf(reg, sizeof(reg), ISA_PATH ".PRQ%c", 'A' + i);
    size_t d = aml_device(a, name);
    name_eisaid(a, "_HID", "PNP0C0F");
    name_int(a, "_UID", i + 1);
    aml_name_decl(a, "_PRS");
    link_res(a, irqs, 3);
    /* _STA: present and enabled, or present and disabled. */
    size_t m = aml_method(a, "_STA", 0, false);
    size_t f = aml_open(a, AML_IF);
    aml_byte(a, AML_AND);
    aml_name(a, reg);
    aml_int(a, 0x80);
    aml_byte(a, 0);
    aml_byte(a, AML_RETURN);
    aml_int(a, 0x09);
    aml_close(a, f);
    aml_byte(a, AML_RETURN);
    aml_int(a, 0x0b);
    aml_close(a, m);
    /* _DIS: set the disable bit. */
    m = aml_method(a, "_DIS", 0, false);
    aml_byte(a, AML_OR);
    aml_name(a, reg);
    aml_int(a, 0x80);
    aml_name(a, reg);
    aml_close(a, m);
    /* _CRS: the routed IRQ in an Interrupt descriptor (dword at 5). */
    m = aml_method(a, "_CRS", 0, true);
    aml_name_decl(a, "RES");
    link_res(a, none, 1);
    aml_byte(a, AML_CREATE_DWORD_FIELD);
    aml_name(a, "RES");
    aml_int(a, 5);
    aml_name(a, "IRQV");
    size_t g = aml_open(a, AML_IF);
    aml_byte(a, AML_LNOT);
    aml_byte(a, AML_AND);
    aml_name(a, reg);
    aml_int(a, 0x80);
    aml_byte(a, 0);
    aml_byte(a, AML_AND);       /* IRQV = PRQx & 0x0f */
    aml_name(a, reg);
    aml_int(a, 0x0f);
    aml_name(a, "IRQV");
    aml_close(a, g);
    aml_byte(a, AML_RETURN);
    aml_name(a, "RES");
    aml_close(a, m);
    /* _SRS: route to the IRQ the OS picked. */
    m = aml_method(a, "_SRS", 1, true);
    aml_byte(a, AML_CREATE_DWORD_FIELD);
    aml_byte(a, AML_ARG0);
    aml_int(a, 5);
    aml_name(a, "IRQW");
    aml_byte(a, AML_STORE);
    aml_name(a, "IRQW");
    aml_name(a, reg);
    aml_close(a, m);
    aml_close(a, d);
}

int dsdt_build(Aml *a, const AcpiConfig *c)
{
    size_t sb = aml_scope(a, "\\_SB");
    processors(a, c->ncpus);
    pci_host(a, c);
    for (int i = 0; i < 4; i++)
        link_device(a, i);
    aml_close(a, sb);
    /* Sleep type 0 with SLP_EN is soft-off on our PIIX4 PM. */
    aml_name_decl(a, "\\_S5");
    size_t p = aml_package(a, 4);
    for (int i = 0; i < 4; i++)
        aml_int(a, 0);
    aml_close(a, p);
    return a->oom ? -1 : 0;
}
