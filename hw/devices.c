/* The device registry: every class the machine can create by name. */
#include <string.h>

#include "yl/device.h"

extern const DeviceClass i8259_class, i8254_class, isa_serial_class,
    isa_debugcon_class, isa_debug_exit_class, isa_vga_class;
extern const DeviceClass i8042_class;
extern const DeviceClass i440fx_class, piix3_class, piix4_pm_class, fw_cfg_class,
    mc146818rtc_class;
extern const DeviceClass piix3_ide_class, ide_hd_class, ide_cd_class;
extern const DeviceClass apic_class, ioapic_class, hpet_class;

static const DeviceClass *const device_classes[] = {
    &isa_serial_class,
    &isa_debugcon_class,
    &isa_debug_exit_class,
    &i8259_class,
    &i8254_class,
    &i8042_class,
    &i440fx_class,
    &piix3_class,
    &piix4_pm_class,
    &fw_cfg_class,
    &mc146818rtc_class,
    &isa_vga_class,
    &piix3_ide_class,
    &ide_hd_class,
    &ide_cd_class,
    &apic_class,
    &ioapic_class,
    &hpet_class,
};

#define NCLASSES (sizeof(device_classes) / sizeof(device_classes[0]))

const DeviceClass *device_class_find(const char *name)
{
    for (size_t i = 0; i < NCLASSES; i++)
        if (!strcmp(device_classes[i]->name, name))
            return device_classes[i];
    return NULL;
}

void device_list_classes(FILE *f)
{
    fprintf(f, "Devices (-device NAME[,prop=value...]; -device NAME,help lists props):\n");
    for (size_t i = 0; i < NCLASSES; i++)
        if (device_classes[i]->user_creatable)
            fprintf(f, "name \"%s\", desc \"%s\"\n", device_classes[i]->name,
                    device_classes[i]->desc);
}
