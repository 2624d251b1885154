/* x87 state helpers that need nothing but an X87State: tags, the status
 * word, FNINIT.  Kept apart from the CPU-facing handlers so the unit tests
 * can link them alone. */
#include "cpu/x86/fpu.h"

int x87_tag_of(const FPReg *r)
{
    uint16_t e = r->exp & 0x7fff;
    if (e == 0x7fff)
        return TAG_SPECIAL;                 /* infinities, NaNs */
    if (e == 0)
        return r->mant ? TAG_SPECIAL : TAG_ZERO;    /* denormals */
    return (r->mant >> 63) ? TAG_VALID : TAG_SPECIAL;  /* unnormals */
}

uint16_t x87_tag_word(const X87State *s)
{
    uint16_t w = 0;
    for (int i = 0; i < 8; i++) {
        int t = (s->ftw >> (2 * i)) & 3;
        if (t != TAG_EMPTY)
            t = x87_tag_of(&s->st[i]);
        w |= (uint16_t)(t << (2 * i));
    }
    return w;
}

void x87_set_fsw(X87State *s, uint16_t fsw)
{
    s->top = (fsw & FSW_TOP) >> FSW_TOP_SHIFT;
    s->fsw = fsw & ~FSW_TOP;
}

/* The hardware recomputes ES (and B, its copy) whenever the flags or the
 * masks are loaded: an exception flag left set and then unmasked becomes
 * pending. */
void x87_update_es(X87State *s)
{
    if (s->fsw & ~s->fcw & FSW_EXC)
        s->fsw |= FSW_ES | FSW_B;
    else
        s->fsw &= ~(FSW_ES | FSW_B);
}

void x87_init_state(X87State *s)
{
    s->fcw = FCW_INIT;
    s->fsw = 0;
    s->top = 0;
    s->ftw = 0xffff;
    s->fop = 0;
    s->fip = s->fdp = 0;
    s->fcs = s->fds = 0;
}
