/* Command line parsing into an Options struct.  Nothing here opens files or
 * touches the host: that happens when the machine is built. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"
#include "yl/block.h"
#include "yl/chardev.h"
#include "yl/cpumodel.h"
#include "yl/device.h"
#include "yl/log.h"

typedef int (*OptHandler)(Options *o, const char *arg, char *err, int errlen);

typedef struct OptDesc {
    const char *name;
    const char *argname;    /* NULL: takes no argument */
    const char *help;
    OptHandler fn;
} OptDesc;

/* Splits "key=value" items: does list contain item (exactly, up to ',')? */
static bool item_is(const char *item, size_t len, const char *want)
{
    return strlen(want) == len && !strncmp(item, want, len);
}

/* on|off for a boolean property: returns 1/0, or -1 with a message. */
static int opt_bool(const char *opt, const char *arg, const char *val, size_t len,
                    char *err, int errlen)
{
    if (item_is(val, len, "on"))
        return 1;
    if (item_is(val, len, "off"))
        return 0;
    snprintf(err, errlen, "%s %s: '%.*s' must be on or off", opt, arg, (int)len, val);
    return -1;
}

/* One accelerator name, or a ':' list of them tried in order, appended to
 * what earlier -accel options asked for (QEMU's fallback order). */
static int accel_add(Options *o, const char *opt, const char *arg, const char *names,
                     size_t len, char *err, int errlen)
{
    for (size_t i = 0; i < len;) {
        size_t n = strcspn(names + i, ":,");
        if (n > len - i)
            n = len - i;
        if (!item_is(names + i, n, "tcg") && !item_is(names + i, n, "kvm")) {
            snprintf(err, errlen, "%s %s: unknown accelerator '%.*s' (tcg, kvm)",
                     opt, arg, (int)n, names + i);
            return -1;
        }
        i += n + 1;
    }
    size_t used = strlen(o->accel_buf);
    if (used + len + 2 > sizeof(o->accel_buf)) {
        snprintf(err, errlen, "%s %s: too many accelerators", opt, arg);
        return -1;
    }
    snprintf(o->accel_buf + used, sizeof(o->accel_buf) - used, "%s%.*s",
             used ? ":" : "", (int)len, names);
    o->machine.accel = o->accel_buf;
    return 0;
}

/* Properties both -machine and -accel take: kernel-irqchip=on|off. */
static int opt_irqchip(Options *o, const char *opt, const char *arg, const char *p,
                       size_t len, char *err, int errlen)
{
    int v = opt_bool(opt, arg, p + 15, len - 15, err, errlen);
    if (v < 0)
        return -1;
    o->machine.kernel_irqchip_off = !v;
    return 0;
}

static int machine_prop(Options *o, const char *arg, const char *p, size_t len,
                        bool first, char *err, int errlen)
{
    if ((item_is(p, len, "pc") && first) || item_is(p, len, "type=pc"))
        return 0;
    if (len > 6 && !strncmp(p, "accel=", 6))
        return accel_add(o, "-machine", arg, p + 6, len - 6, err, errlen);
    if (len > 15 && !strncmp(p, "kernel-irqchip=", 15))
        return opt_irqchip(o, "-machine", arg, p, len, err, errlen);
    if (len > 10 && !strncmp(p, "mem-merge=", 10)) {
        int v = opt_bool("-machine", arg, p + 10, len - 10, err, errlen);
        o->machine.mem_merge_off = v == 0;
        return v < 0 ? -1 : 0;
    }
    if ((first && !memchr(p, '=', len)) || (len > 5 && !strncmp(p, "type=", 5)))
        snprintf(err, errlen, "-machine %s: unsupported machine type (only 'pc')", arg);
    else
        snprintf(err, errlen, "-machine %s: unsupported machine property '%.*s'",
                 arg, (int)len, p);
    return -1;
}

static int opt_machine(Options *o, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "help")) {
        o->action = OPT_MACHINE_HELP;
        return 0;
    }
    const char *p = arg;
    bool first = true;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (machine_prop(o, arg, p, len, first, err, errlen) < 0)
            return -1;
        first = false;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* -accel NAME[:NAME...][,thread=single][,kernel-irqchip=on|off][,jit=on|off] */
static int opt_accel(Options *o, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "help")) {
        o->action = OPT_ACCEL_HELP;
        return 0;
    }
    size_t len = strcspn(arg, ",");
    if (accel_add(o, "-accel", arg, arg, len, err, errlen) < 0)
        return -1;
    for (const char *p = arg + len; *p == ',';) {
        p++;
        size_t n = strcspn(p, ",");
        if (item_is(p, n, "thread=single")) {
        } else if (n > 4 && !strncmp(p, "jit=", 4)) {
            int v = opt_bool("-accel", arg, p + 4, n - 4, err, errlen);
            if (v < 0)
                return -1;
            o->machine.tcg_jit_off = !v;
        } else if (n > 15 && !strncmp(p, "kernel-irqchip=", 15)) {
            if (opt_irqchip(o, "-accel", arg, p, n, err, errlen) < 0)
                return -1;
        } else {
            snprintf(err, errlen, "-accel %s: unsupported property '%.*s'", arg, (int)n, p);
            return -1;
        }
        p += n;
    }
    return 0;
}

/* -cpu MODEL[,+flag|-flag|flag=on|off...]: names checked here, resolved
 * against the accelerator when the machine is built. */
static int opt_cpu(Options *o, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->action = OPT_CPU_HELP;
        return 0;
    }
    if (x86_cpu_model_check(arg, err, errlen) < 0)
        return -1;
    o->machine.cpu = arg;
    return 0;
}

static int opt_enable_kvm(Options *o, const char *arg, char *err, int errlen)
{
    return accel_add(o, "-enable-kvm", "", "kvm", 3, err, errlen);
}

static int opt_mem_path(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.mem_path = arg;
    return 0;
}

static int opt_perfmap(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.perfmap = true;
    return 0;
}

static int opt_mem_prealloc(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.mem_prealloc = true;
    return 0;
}

int options_parse_size(const char *s, uint64_t *bytes, char *err, int errlen)
{
    const char *num = !strncmp(s, "size=", 5) ? s + 5 : s;
    char *end;
    errno = 0;
    if (!(*num >= '0' && *num <= '9'))
        goto bad;
    double v = strtod(num, &end);
    if (errno || end == num)
        goto bad;
    double mult = 1 << 20;      /* a bare number is MiB */
    switch (*end) {
    case 'k': case 'K': mult = 1 << 10; end++; break;
    case 'm': case 'M': mult = 1 << 20; end++; break;
    case 'g': case 'G': mult = 1 << 30; end++; break;
    case 't': case 'T': mult = (double)(1ull << 40); end++; break;
    case 'b': case 'B': mult = 1; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end) {
        if (*end == ',')
            snprintf(err, errlen, "-m %s: only the size can be given", s);
        else
            goto bad;
        return -1;
    }
    v *= mult;
    if (v < 1 || v > 0x1p50 || v != floor(v)) {
        snprintf(err, errlen, "-m %s: RAM size must be at least 1 byte and below 1 PiB", s);
        return -1;
    }
    *bytes = (uint64_t)v;
    return 0;
bad:
    snprintf(err, errlen, "-m %s: bad size (use N, N[KMGT] or size=N[KMGT])", s);
    return -1;
}

static int opt_m(Options *o, const char *arg, char *err, int errlen)
{
    return options_parse_size(arg, &o->machine.ram_size, err, errlen);
}

#define STR_OPT(fname, field) \
    static int fname(Options *o, const char *arg, char *err, int errlen) \
    { o->machine.field = arg; return 0; }
STR_OPT(opt_bios, bios)
STR_OPT(opt_kernel, kernel)
STR_OPT(opt_append, append)
STR_OPT(opt_initrd, initrd)

static int opt_nodefaults(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.nodefaults = true;
    return 0;
}

static int opt_nographic(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.nographic = true;
    return 0;
}

static int opt_no_reboot(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.no_reboot = true;
    return 0;
}

static int opt_display(Options *o, const char *arg, char *err, int errlen)
{
    if (strcmp(arg, "none")) {
        snprintf(err, errlen, "-display %s: not supported yet (only none)", arg);
        return -1;
    }
    o->machine.display_none = true;
    return 0;
}

/* The -serial / -debugcon back ends; "none" is allowed only for -serial. */
static int check_chr_spec(const char *opt, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "stdio") || !strcmp(arg, "null")
        || (!strncmp(arg, "file:", 5) && arg[5])
        || (!strncmp(arg, "chardev:", 8) && arg[8]))
        return 0;
    snprintf(err, errlen, "%s %s: unsupported character device "
             "(use stdio, null, file:PATH or chardev:ID)", opt, arg);
    return -1;
}

static int opt_serial(Options *o, const char *arg, char *err, int errlen)
{
    if (o->machine.nserial == MACHINE_MAX_SERIAL) {
        snprintf(err, errlen, "-serial %s: at most %d serial ports", arg, MACHINE_MAX_SERIAL);
        return -1;
    }
    if (strcmp(arg, "none") && check_chr_spec("-serial", arg, err, errlen) < 0)
        return -1;
    o->machine.serial[o->machine.nserial++] = strcmp(arg, "none") ? arg : NULL;
    return 0;
}

static int opt_debugcon(Options *o, const char *arg, char *err, int errlen)
{
    if (o->machine.debugcon) {
        snprintf(err, errlen, "-debugcon %s: only one debug console is supported", arg);
        return -1;
    }
    if (check_chr_spec("-debugcon", arg, err, errlen) < 0)
        return -1;
    o->machine.debugcon = arg;
    return 0;
}

static int opt_chardev(Options *o, const char *arg, char *err, int errlen)
{
    ChardevKind kind;
    char id[32], *path;
    if (o->machine.nchardev == MACHINE_MAX_CHARDEVS) {
        snprintf(err, errlen, "-chardev %s: too many chardevs", arg);
        return -1;
    }
    if (chardev_parse_opts(arg, &kind, id, sizeof(id), &path, err, errlen) < 0)
        return -1;
    free(path);
    o->machine.chardev[o->machine.nchardev++] = arg;
    return 0;
}

static int opt_device(Options *o, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->action = OPT_DEVICE_HELP;
        return 0;
    }
    size_t len = strcspn(arg, ",");
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)len, arg);
    const DeviceClass *cls = device_class_find(name);
    if (!cls || !cls->user_creatable) {
        snprintf(err, errlen, "-device %s: no device '%s' (try -device help)", arg, name);
        return -1;
    }
    if (!strcmp(arg + len, ",help")) {
        o->action = OPT_DEVICE_HELP;
        o->help_arg = cls->name;
        return 0;
    }
    if (o->machine.ndevice == MACHINE_MAX_DEVICES) {
        snprintf(err, errlen, "-device %s: too many devices", arg);
        return -1;
    }
    o->machine.device[o->machine.ndevice++] = arg;
    return 0;
}

/* -drive and its short forms: checked here, opened by the board. */
static int add_drive(Options *o, const char *opt, const char *arg, char *err, int errlen)
{
    DriveOpts d;
    char msg[256];
    if (o->machine.ndrive == MACHINE_MAX_DRIVES) {
        snprintf(err, errlen, "-%s %s: too many drives", opt, arg);
        return -1;
    }
    if (drive_parse_arg(opt, arg, &d, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-%s %s: %s", opt, arg, msg);
        return -1;
    }
    drive_opts_free(&d);
    o->machine.drive[o->machine.ndrive].opt = opt;
    o->machine.drive[o->machine.ndrive++].arg = arg;
    return 0;
}

#define DRIVE_OPT(fname, name) \
    static int fname(Options *o, const char *arg, char *err, int errlen) \
    { return add_drive(o, name, arg, err, errlen); }
DRIVE_OPT(opt_drive, "drive")
DRIVE_OPT(opt_hda, "hda")
DRIVE_OPT(opt_hdb, "hdb")
DRIVE_OPT(opt_hdc, "hdc")
DRIVE_OPT(opt_hdd, "hdd")
DRIVE_OPT(opt_cdrom, "cdrom")

static int opt_snapshot(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.snapshot = true;
    return 0;
}

/* "order=cd[,once=d][,menu=on|off][,splash-time=N...]" or the legacy "cd":
 * the devices in boot order (a floppy, c disk, d CD-ROM, n network). */
int options_parse_boot(const char *arg, char *order, size_t n, bool *menu,
                       char *err, int errlen)
{
    const char *p = arg;
    *order = 0;
    *menu = false;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *val = NULL;
        if (item_is(p, 6, "order=") || item_is(p, 5, "once="))
            val = p + (p[1] == 'r' ? 6 : 5);
        else if (!memchr(p, '=', len) && p == arg)
            val = p;
        if (val) {
            size_t vlen = len - (val - p);
            if (!vlen || vlen >= n || strspn(val, "acdn") < vlen) {
                snprintf(err, errlen, "-boot %s: bad boot order '%.*s' (use a, c, d, n)",
                         arg, (int)vlen, val);
                return -1;
            }
            snprintf(order, n, "%.*s", (int)vlen, val);
        } else if (item_is(p, len, "menu=on")) {
            *menu = true;
        } else if (!item_is(p, len, "menu=off") && strncmp(p, "splash", 6)
                   && strncmp(p, "reboot-timeout=", 15) && strncmp(p, "strict=", 7)) {
            snprintf(err, errlen, "-boot %s: unsupported item '%.*s'", arg, (int)len, p);
            return -1;
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int opt_boot(Options *o, const char *arg, char *err, int errlen)
{
    char order[16];
    bool menu;
    if (options_parse_boot(arg, order, sizeof(order), &menu, err, errlen) < 0)
        return -1;
    o->machine.boot = arg;
    return 0;
}

/* One "key=N" (or the leading bare N) of -smp; N is 1..MACHINE_MAX_CPUS. */
static int smp_value(const char *arg, const char *val, size_t len, int *out,
                     char *err, int errlen)
{
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (len == 0 || end != val + len || errno || v < 1 || v > MACHINE_MAX_CPUS) {
        snprintf(err, errlen, "-smp %s: '%.*s' is not a CPU count from 1 to %d",
                 arg, (int)len, val, MACHINE_MAX_CPUS);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Fills what -smp left out the way QEMU's pc machine does: sockets first,
 * then cores, then threads; the topology must multiply to maxcpus. */
static int smp_complete(MachineOptions *mo, const char *arg, char *err, int errlen)
{
    int cpus = mo->smp_cpus, max = mo->smp_max_cpus;
    int s = mo->smp_sockets, c = mo->smp_cores, t = mo->smp_threads;
    if (!max)
        max = cpus ? cpus : (s ? s : 1) * (c ? c : 1) * (t ? t : 1);
    if (!t)
        t = 1;
    if (!c)
        c = s ? max / (s * t) : 1;
    if (!s)
        s = max / (c * t);
    if (!cpus)
        cpus = max;
    if (s < 1 || c < 1 || s * c * t != max) {
        snprintf(err, errlen, "-smp %s: sockets (%d) * cores (%d) * threads (%d) "
                 "must be maxcpus (%d)", arg, s, c, t, max);
        return -1;
    }
    if (cpus > max || max > MACHINE_MAX_CPUS) {
        snprintf(err, errlen, "-smp %s: %d CPUs, at most %d (maxcpus %d)",
                 arg, cpus, MACHINE_MAX_CPUS, max);
        return -1;
    }
    mo->smp_cpus = cpus;
    mo->smp_max_cpus = max;
    mo->smp_sockets = s;
    mo->smp_cores = c;
    mo->smp_threads = t;
    return 0;
}

/* -smp [cpus=]N[,maxcpus=N][,sockets=N][,cores=N][,threads=N] */
static int opt_smp(Options *o, const char *arg, char *err, int errlen)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "cores", "threads" };
    MachineOptions *mo = &o->machine;
    int *slot[] = { &mo->smp_cpus, &mo->smp_max_cpus, &mo->smp_sockets,
                    &mo->smp_cores, &mo->smp_threads };
    mo->smp_cpus = mo->smp_max_cpus = mo->smp_sockets = mo->smp_cores = mo->smp_threads = 0;
    if (!*arg) {
        snprintf(err, errlen, "-smp: needs a CPU count");
        return -1;
    }
    for (const char *p = arg; *p;) {
        size_t len = strcspn(p, ",");
        const char *eq = memchr(p, '=', len);
        int k = 0;
        if (eq) {
            while (k < 5 && !item_is(p, eq - p, keys[k]))
                k++;
            if (k == 5) {
                snprintf(err, errlen, "-smp %s: unknown property '%.*s'", arg,
                         (int)(eq - p), p);
                return -1;
            }
        } else if (p != arg) {
            snprintf(err, errlen, "-smp %s: '%.*s' needs a property name", arg, (int)len, p);
            return -1;
        }
        const char *val = eq ? eq + 1 : p;
        if (smp_value(arg, val, len - (val - p), slot[k], err, errlen) < 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    return smp_complete(mo, arg, err, errlen);
}

static int opt_rtc(Options *o, const char *arg, char *err, int errlen)
{
    o->machine.rtc = arg;   /* checked by the RTC when it is created */
    return 0;
}

static int opt_vga(Options *o, const char *arg, char *err, int errlen)
{
    if (strcmp(arg, "std") && strcmp(arg, "none")) {
        snprintf(err, errlen, "-vga %s: unsupported VGA type (use std or none)", arg);
        return -1;
    }
    o->machine.vga = arg;
    return 0;
}

static int opt_monitor(Options *o, const char *arg, char *err, int errlen)
{
    if (strcmp(arg, "none") && strncmp(arg, "unix:", 5)
        && check_chr_spec("-monitor", arg, err, errlen) < 0)
        return -1;
    o->machine.monitor = arg;
    return 0;
}

static int opt_d(Options *o, const char *arg, char *err, int errlen)
{
    if (!strcmp(arg, "help")) {
        o->action = OPT_LOG_HELP;
        return 0;
    }
    return log_parse_items(arg, &o->log_mask, err, errlen);
}

static int opt_D(Options *o, const char *arg, char *err, int errlen)
{
    o->log_file = arg;
    return 0;
}

static int opt_version(Options *o, const char *arg, char *err, int errlen)
{
    o->action = OPT_VERSION;
    return 0;
}

static int opt_help(Options *o, const char *arg, char *err, int errlen)
{
    o->action = OPT_HELP;
    return 0;
}

static const OptDesc opt_table[] = {
    { "machine", "pc[,accel=A][,kernel-irqchip=on|off][,mem-merge=on|off]",
      "select the machine (only pc) and its properties", opt_machine },
    { "M", "pc", "same as -machine", opt_machine },
    { "accel", "tcg|kvm|kvm:tcg[,kernel-irqchip=on|off][,jit=on|off]",
      "select the accelerator (a list is tried in order)", opt_accel },
    { "enable-kvm", NULL, "same as -accel kvm", opt_enable_kvm },
    { "cpu", "MODEL[,+flag|-flag...]", "CPU model and features (-cpu help lists them)",
      opt_cpu },
    { "m", "N[KMG]", "guest RAM size (default 128M; a bare number is MiB)", opt_m },
    { "mem-path", "DIR", "back guest RAM by a file in DIR (e.g. hugetlbfs)", opt_mem_path },
    { "mem-prealloc", NULL, "allocate all guest RAM at start", opt_mem_prealloc },
    { "perfmap", NULL, "write /tmp/perf-PID.map naming the JIT's code for perf", opt_perfmap },
    { "smp", "[cpus=]N[,...]", "CPUs (1-8); also maxcpus=, sockets=, cores=, threads=", opt_smp },
    { "bios", "FILE", "firmware image (default /usr/share/seabios/bios-256k.bin)", opt_bios },
    { "kernel", "FILE", "boot a Linux bzImage or multiboot kernel directly", opt_kernel },
    { "append", "STR", "kernel command line", opt_append },
    { "initrd", "FILES", "Linux initrd, or multiboot modules \"path [args]\",...", opt_initrd },
    { "nodefaults", NULL, "create no default devices (no default serial port)", opt_nodefaults },
    { "nographic", NULL, "no display; the serial port goes to stdio", opt_nographic },
    { "display", "none", "display back end (only none)", opt_display },
    { "serial", "DEV", "next serial port: stdio, null, file:PATH, chardev:ID, none", opt_serial },
    { "debugcon", "DEV", "debug console on port 0xe9: stdio, null, file:PATH, chardev:ID",
      opt_debugcon },
    { "chardev", "BACKEND,id=ID[,path=PATH]", "character device: stdio, null, file",
      opt_chardev },
    { "device", "NAME[,prop=value...]", "add a device (-device help lists them)", opt_device },
    { "rtc", "base=utc|localtime|DATE", "RTC start time (DATE: 2006-06-17T16:01:21)",
      opt_rtc },
    { "vga", "std|none", "VGA card (default std; none with -nodefaults)", opt_vga },
    { "monitor", "DEV", "human monitor: stdio, unix:PATH,server,nowait, none", opt_monitor },
    { "drive", "file=FILE[,if=ide|none][,media=disk|cdrom][,index=N][,readonly=on]"
      "[,cache=MODE][,format=raw][,id=ID]", "add a drive", opt_drive },
    { "hda", "FILE", "primary master disk image", opt_hda },
    { "hdb", "FILE", "primary slave disk image", opt_hdb },
    { "hdc", "FILE", "secondary master disk image", opt_hdc },
    { "hdd", "FILE", "secondary slave disk image", opt_hdd },
    { "cdrom", "FILE", "CD-ROM image (secondary master)", opt_cdrom },
    { "boot", "order=cd[,menu=on|off]", "boot order: c disk, d CD-ROM, a floppy, n net",
      opt_boot },
    { "snapshot", NULL, "write to temporary files instead of disk images", opt_snapshot },
    { "no-reboot", NULL, "exit instead of rebooting", opt_no_reboot },
    { "d", "ITEM,...", "log items (-d help lists them)", opt_d },
    { "D", "FILE", "write the log to FILE instead of stderr", opt_D },
    { "version", NULL, "print the version and exit", opt_version },
    { "help", NULL, "print this help and exit", opt_help },
    { "h", NULL, "same as -help", opt_help },
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

void options_usage(FILE *f)
{
    fprintf(f, "usage: yinglong [options]\n"
               "Yinglong x86 PC emulator; options are a subset of qemu-system-x86_64's.\n\n");
    for (size_t i = 0; i < NOPTS; i++) {
        const OptDesc *d = &opt_table[i];
        if (!d->help)
            continue;
        char lhs[64];
        snprintf(lhs, sizeof(lhs), "-%s%s%s", d->name, d->argname ? " " : "",
                 d->argname ? d->argname : "");
        fprintf(f, "%-32s %s\n", lhs, d->help);
    }
}

static const OptDesc *opt_find(const char *name)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(opt_table[i].name, name))
            return &opt_table[i];
    return NULL;
}

static int options_check(Options *o, char *err, int errlen)
{
    const MachineOptions *mo = &o->machine;
    if (mo->append && !mo->kernel) {
        snprintf(err, errlen, "-append only allowed with -kernel option");
        return -1;
    }
    if (mo->initrd && !mo->kernel) {
        snprintf(err, errlen, "-initrd only allowed with -kernel option");
        return -1;
    }
    return 0;
}

int options_parse(Options *o, int argc, char **argv, char *err, int errlen)
{
    memset(o, 0, sizeof(*o));
    o->machine.ram_size = YL_DEFAULT_RAM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            snprintf(err, errlen, "%s: unexpected argument (for a disk image use "
                     "-hda FILE or -drive file=FILE)", a);
            return -1;
        }
        const char *name = a + 1 + (a[1] == '-');   /* --opt works too */
        const OptDesc *d = opt_find(name);
        if (!d) {
            snprintf(err, errlen, "%s: unsupported option", a);
            return -1;
        }
        const char *arg = NULL;
        if (d->argname) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "%s: requires an argument", a);
                return -1;
            }
            arg = argv[++i];
        }
        if (d->fn(o, arg, err, errlen) < 0)
            return -1;
        if (o->action != OPT_RUN)
            return 0;   /* help and version stop at once */
    }
    return options_check(o, err, errlen);
}
