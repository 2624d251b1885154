/* From -drive/-hda/-cdrom/-snapshot to disks on the PIIX3 IDE channels:
 * index N is channel N/2, unit N%2 (so -hda is the primary master and
 * -cdrom the secondary master).  Drives with if=none wait for a
 * -device ide-hd,drive=ID or ide-cd,drive=ID. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hw/ide/ide.h"
#include "hw/pc.h"
#include "yl/machine.h"

#define IDE_MAX_INDEX 4

static IDEChannel *ide_slot(Device *ctl, int index)
{
    return piix_ide_channel(ctl, index / 2);
}

static int ide_open_drive(Machine *m, Device *ctl, const DriveOpts *d, int index,
                          char *err, int errlen)
{
    BlockBackend *blk = NULL;
    if (d->file) {
        BlockOptions bo = {
            .filename = d->file, .format = d->format, .read_only = d->read_only,
            .snapshot = d->snapshot || m->opt.snapshot, .cache = d->cache,
        };
        blk = blk_open(&bo, err, errlen);
        if (!blk)
            return -1;
    }
    IDEKind kind = d->media == DRIVE_MEDIA_CDROM ? IDE_CD : IDE_HD;
    if (ide_attach(ide_slot(ctl, index), index % 2, kind, blk, index, err, errlen) < 0) {
        blk_close(blk);
        return -1;
    }
    return 0;
}

static Device *find_controller(Machine *m)
{
    for (Device *d = m->devices; d; d = d->next)
        if (d->cls == &piix3_ide_class)
            return d;
    return NULL;
}

/* Parses every drive option; -1 with a message naming the option. */
static int parse_drives(Machine *m, DriveOpts *d, char *err, int errlen)
{
    char msg[256];
    for (int i = 0; i < m->opt.ndrive; i++) {
        if (drive_parse_arg(m->opt.drive[i].opt, m->opt.drive[i].arg, &d[i],
                            msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "-%s %s: %s", m->opt.drive[i].opt, m->opt.drive[i].arg, msg);
            for (int j = 0; j < i; j++)
                drive_opts_free(&d[j]);
            return -1;
        }
    }
    return 0;
}

/* Gives every if=ide drive an index; false on a clash. */
static int assign_indexes(Machine *m, DriveOpts *d, int n, char *err, int errlen)
{
    bool used[IDE_MAX_INDEX] = { false };
    for (int i = 0; i < n; i++) {
        if (d[i].iface != DRIVE_IF_IDE || d[i].index < 0)
            continue;
        if (used[d[i].index]) {
            snprintf(err, errlen, "-%s %s: IDE index %d is already in use",
                     m->opt.drive[i].opt, m->opt.drive[i].arg, d[i].index);
            return -1;
        }
        used[d[i].index] = true;
    }
    for (int i = 0; i < n; i++) {
        if (d[i].iface != DRIVE_IF_IDE || d[i].index >= 0)
            continue;
        for (int k = 0; k < IDE_MAX_INDEX && d[i].index < 0; k++)
            if (!used[k])
                d[i].index = k, used[k] = true;
        if (d[i].index < 0) {
            snprintf(err, errlen, "-%s %s: no free IDE slot (at most 4 drives)",
                     m->opt.drive[i].opt, m->opt.drive[i].arg);
            return -1;
        }
    }
    return used[2] ? 1 : 0;     /* tells the caller whether hdc is taken */
}

int pc_ide_init(Machine *m, char *err, int errlen)
{
    DriveOpts d[MACHINE_MAX_DRIVES];
    int n = m->opt.ndrive;
    if (parse_drives(m, d, err, errlen) < 0)
        return -1;
    int r = assign_indexes(m, d, n, err, errlen);
    Device *ctl = NULL;
    if (r >= 0)
        ctl = machine_create_device(m, "piix3-ide", "addr=1.1", err, errlen);
    for (int i = 0; ctl && i < n; i++)
        if (d[i].iface == DRIVE_IF_IDE && ide_open_drive(m, ctl, &d[i], d[i].index,
                                                         err, errlen) < 0)
            ctl = NULL;
    /* Like QEMU's pc machine: an empty CD-ROM drive as hdc by default. */
    if (ctl && r == 0 && !m->opt.nodefaults) {
        DriveOpts cd = { .media = DRIVE_MEDIA_CDROM, .read_only = true, .index = 2 };
        if (ide_open_drive(m, ctl, &cd, 2, err, errlen) < 0)
            ctl = NULL;
    }
    for (int i = 0; i < n; i++)
        drive_opts_free(&d[i]);
    return ctl ? 0 : -1;
}

/* -device ide-hd,drive=ID[,bus=N,unit=N] and ide-cd */
extern const DeviceClass ide_hd_class, ide_cd_class;

typedef struct IDEDriveDev {
    Device dev;
    char *drive;
    uint32_t bus, unit;
} IDEDriveDev;

static int find_drive_opts(Machine *m, const char *id, DriveOpts *out, char *err, int errlen)
{
    for (int i = 0; i < m->opt.ndrive; i++) {
        DriveOpts d;
        if (drive_parse_arg(m->opt.drive[i].opt, m->opt.drive[i].arg, &d, err, errlen) < 0)
            continue;
        if (d.id && !strcmp(d.id, id)) {
            if (d.iface != DRIVE_IF_NONE) {
                snprintf(err, errlen, "drive '%s' is already attached (use if=none)", id);
                drive_opts_free(&d);
                return -1;
            }
            *out = d;
            return 0;
        }
        drive_opts_free(&d);
    }
    snprintf(err, errlen, "no -drive with id=%s", id);
    return -1;
}

static int ide_free_index(Device *ctl, uint32_t bus, uint32_t unit)
{
    for (int k = 0; k < IDE_MAX_INDEX; k++) {
        if ((bus != UINT32_MAX && (uint32_t)k / 2 != bus)
            || (unit != UINT32_MAX && (uint32_t)k % 2 != unit))
            continue;
        if (ide_slot(ctl, k)->drive[k % 2].kind == IDE_NONE)
            return k;
    }
    return -1;
}

static int ide_drive_realize(Device *dev, Machine *m, char *err, int errlen, DriveMedia media)
{
    IDEDriveDev *s = (IDEDriveDev *)dev;
    Device *ctl = find_controller(m);
    DriveOpts d;
    char msg[256];
    if (!ctl) {
        snprintf(err, errlen, "%s: there is no IDE controller", dev->cls->name);
        return -1;
    }
    if (!s->drive && media == DRIVE_MEDIA_DISK) {
        snprintf(err, errlen, "ide-hd: needs drive=ID");
        return -1;
    }
    for (Device *o = m->devices; s->drive && o; o = o->next) {
        const IDEDriveDev *od = (const IDEDriveDev *)o;
        if ((o->cls == &ide_hd_class || o->cls == &ide_cd_class) && od->drive
            && !strcmp(od->drive, s->drive)) {
            snprintf(err, errlen, "%s: drive '%s' is already in use", dev->cls->name, s->drive);
            return -1;
        }
    }
    if (s->drive && find_drive_opts(m, s->drive, &d, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "%s: %s", dev->cls->name, msg);
        return -1;
    }
    if (!s->drive)
        memset(&d, 0, sizeof(d));
    d.media = media;
    if (media == DRIVE_MEDIA_CDROM)
        d.read_only = true;
    int index = ide_free_index(ctl, s->bus, s->unit);
    int r = -1;
    if (index < 0)
        snprintf(err, errlen, "%s: no free IDE slot there", dev->cls->name);
    else
        r = ide_open_drive(m, ctl, &d, index, err, errlen);
    drive_opts_free(&d);
    return r;
}

static int ide_hd_realize(Device *dev, Machine *m, char *err, int errlen)
{
    return ide_drive_realize(dev, m, err, errlen, DRIVE_MEDIA_DISK);
}

static int ide_cd_realize(Device *dev, Machine *m, char *err, int errlen)
{
    return ide_drive_realize(dev, m, err, errlen, DRIVE_MEDIA_CDROM);
}

static const PropDesc ide_drive_props[] = {
    { "drive", PROP_STR, offsetof(IDEDriveDev, drive), NULL },
    { "bus", PROP_U32, offsetof(IDEDriveDev, bus), "0xffffffff" },
    { "unit", PROP_U32, offsetof(IDEDriveDev, unit), "0xffffffff" },
    { NULL },
};

const DeviceClass ide_hd_class = {
    .name = "ide-hd",
    .desc = "IDE hard disk (drive=ID of a -drive if=none)",
    .instance_size = sizeof(IDEDriveDev),
    .props = ide_drive_props,
    .realize = ide_hd_realize,
    .user_creatable = 1,
};

const DeviceClass ide_cd_class = {
    .name = "ide-cd",
    .desc = "IDE CD-ROM drive (drive=ID of a -drive if=none, or empty)",
    .instance_size = sizeof(IDEDriveDev),
    .props = ide_drive_props,
    .realize = ide_cd_realize,
    .user_creatable = 1,
};
