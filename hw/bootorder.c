/* -boot: the boot order reaches SeaBIOS through the CMOS boot-order bytes
 * (the convention QEMU's PC uses and SeaBIOS reads when no "bootorder"
 * file names devices): 0x3d low nibble is the first device, its high
 * nibble the second, 0x38 high nibble the third; 1 floppy, 2 hard disk,
 * 3 CD-ROM, 4 network.  Bit 0 of 0x38 skips the floppy signature check.
 * The menu switch goes to fw_cfg's FW_CFG_BOOT_MENU. */
#include <string.h>

#include "core/options.h"
#include "hw/pc.h"
#include "yl/fw_cfg.h"

static uint8_t boot_code(char c)
{
    switch (c) {
    case 'a': return 1;
    case 'c': return 2;
    case 'd': return 3;
    case 'n': return 4;
    default: return 0;
    }
}

int pc_boot_init(Machine *m, char *err, int errlen)
{
    char order[16] = "cad";     /* QEMU's default: disk, floppy, CD-ROM */
    bool menu = false;
    if (m->opt.boot && options_parse_boot(m->opt.boot, order, sizeof(order), &menu,
                                          err, errlen) < 0)
        return -1;
    if (!order[0])
        snprintf(order, sizeof(order), "cad");
    uint8_t code[3] = { 0 };
    for (int i = 0; i < 3 && order[i]; i++)
        code[i] = boot_code(order[i]);
    if (rtc_cmos_set(m, 0x3d, code[1] << 4 | code[0]) < 0
        || rtc_cmos_set(m, 0x38, code[2] << 4 | 1) < 0) {
        snprintf(err, errlen, "-boot: this machine has no CMOS to hold the boot order");
        return -1;
    }
    FWCfg *fw = fw_cfg_of(m);
    if (fw)
        fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, menu);
    return 0;
}
