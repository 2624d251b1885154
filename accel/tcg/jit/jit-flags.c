/* The guest's flags into the host's when the cc op is known only at run
 * time (after a handler call, at the start of a block): instead of a call
 * of cc_compute_c / cc_test, the code compares cpu->cc_op with the few
 * records that dominate and redoes each natively on the stored operands,
 * so that on every path the host's arithmetic flags are the guest's
 * (all six of them, AF included); other records take the call.
 *
 * Frequencies at such points over the Linux workloads (boot, sha256,
 * gzip, fork+exec; Jcc and carries): LOGICL > SUBL > SUBQ > SUBW > DECL >
 * EFLAGS, the others each below 1%. */
#include "accel/tcg/jit/jit-internal.h"

/* Tried in this order; each costs a compare and a branch when it fails. */
static const uint8_t dispatch_ops[] = {
    CC_OP_LOGICL, CC_OP_SUBL, CC_OP_SUBQ, CC_OP_SUBW, CC_OP_DECL,
    CC_OP_EFLAGS, CC_OP_LOGICQ, CC_OP_INCL, CC_OP_ADDQ,
};

/* The family's B member and the operand size; CC_OP_EFLAGS is its own
 * family, of no size. */
int jit_cc_family(int cc) { return cc == CC_OP_EFLAGS ? cc : (cc - 1) / CC_SIZES * CC_SIZES + 1; }
static int op_family(int cc) { return jit_cc_family(cc); }
static int op_size(int cc) { return cc == CC_OP_EFLAGS ? 8 : 1 << ((cc - 1) % CC_SIZES); }

bool jit_host_af_ok(int cc)
{
    int f = jit_cc_family(cc);
    return f == CC_OP_ADDB || f == CC_OP_ADCB || f == CC_OP_SUBB || f == CC_OP_SBBB ||
           f == CC_OP_INCB || f == CC_OP_DECB;
}

/* POPFQ: only the arithmetic flags are ever popped (DF, TF, AC stay 0). */
static void e_popf(Emit *e) { e_u8(e, 0x9d); }

/* Host CF = the guest's for record cc.  Clobbers RCX. */
static void redo_carry(Emit *e, int cc)
{
    int f = op_family(cc);
    if (cc == CC_OP_EFLAGS || f == CC_OP_INCB || f == CC_OP_DECB) {
        /* cc_src: the flags / CF before the INC or DEC, in bit 0. */
        e_load(e, 4, H_RCX, H_CPU, CPU_OFF(cc_src));
        e_shift_ri(e, HS_SHR, 4, H_RCX, 1);
    } else if (f == CC_OP_LOGICB) {
        e_alu_rr(e, HA_XOR, 4, H_RCX, H_RCX);
    } else if (f == CC_OP_SHLB) {       /* CF = the top bit of src */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_src));
        e_shift_ri(e, HS_SHL, op_size(cc), H_RCX, 1);
    } else if (f == CC_OP_SARB) {       /* CF = bit 0 of src */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_src));
        e_shift_ri(e, HS_SHR, 8, H_RCX, 1);
    } else if (f == CC_OP_ADDB) {       /* CF = dst < src2 */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_dst));
        e_alu_rm(e, HA_CMP, 8, H_RCX, H_CPU, CPU_OFF(cc_src2));
    } else {                            /* SUB: CF = src2 < src */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_src2));
        e_alu_rm(e, HA_CMP, 8, H_RCX, H_CPU, CPU_OFF(cc_src));
    }
}

/* All six host flags = the guest's for record cc.  Clobbers RCX, RDX. */
static void redo_all(Emit *e, int cc)
{
    int f = op_family(cc), size = op_size(cc);
    if (cc == CC_OP_EFLAGS) {
        e_load(e, 4, H_RCX, H_CPU, CPU_OFF(cc_src));
        e_alu_ri(e, HA_AND, 4, H_RCX, CC_ALL);
        e_push(e, H_RCX);
        e_popf(e);
    } else if (f == CC_OP_ADDB || f == CC_OP_SUBB) {
        /* dst = src2 op src: the host's operation gives every flag. */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_src2));
        e_alu_rm(e, f == CC_OP_ADDB ? HA_ADD : HA_SUB, size, H_RCX, H_CPU, CPU_OFF(cc_src));
    } else if (f == CC_OP_LOGICB) {
        /* CMP with 0: CF OF AF clear, PF ZF SF of the result (TEST
         * would leave AF undefined). */
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_dst));
        e_alu_ri(e, HA_CMP, size, H_RCX, 0);
    } else {
        /* INC/DEC again, of the operand they had, after CF from cc_src:
         * the host's INC/DEC keep CF and give the other five. */
        bool dec = f == CC_OP_DECB;
        e_load(e, 8, H_RCX, H_CPU, CPU_OFF(cc_dst));
        e_lea(e, 8, H_RCX, H_RCX, H_NONE, 0, dec ? 1 : -1);
        e_load(e, 4, H_RDX, H_CPU, CPU_OFF(cc_src));
        e_shift_ri(e, HS_SHR, 4, H_RDX, 1);
        e_incdec(e, dec, size, H_RCX);
    }
}

/* The families redone natively: ADD SUB LOGIC INC DEC of every size and
 * EFLAGS; for CF alone also SHL and SAR. */
static bool redoable(int cc, bool carry)
{
    if (cc < 0 || cc >= CC_OP_COUNT)
        return false;
    int f = op_family(cc);
    if (carry && (f == CC_OP_SHLB || f == CC_OP_SARB))
        return true;
    return cc == CC_OP_EFLAGS || f == CC_OP_ADDB || f == CC_OP_SUBB || f == CC_OP_LOGICB ||
           f == CC_OP_INCB || f == CC_OP_DECB;
}

bool jit_flags_redo(JitCtx *c, int cc, bool carry)
{
    if (!redoable(cc, carry))
        return false;
    if (carry)
        redo_carry(&c->e, cc);
    else
        redo_all(&c->e, cc);
    return true;
}

void jit_flags_dispatch(JitCtx *c, bool carry)
{
    Emit *e = &c->e;
    Fixup done[sizeof(dispatch_ops)];
    int n = 0;
    jit_cache_writeback(c);     /* on every path: one of them calls */
    /* A record known at translation time that redo refused: the call. */
    size_t nops = c->cc_op_known < 0 ? sizeof(dispatch_ops) : 0;
    if (nops)
        e_load(e, 4, H_RAX, H_CPU, CPU_OFF(cc_op));
    for (size_t k = 0; k < nops; k++) {
        int cc = dispatch_ops[k];
        e_alu_ri(e, HA_CMP, 4, H_RAX, cc);
        Fixup next = e_jcc(e, HC_NE);
        jit_flags_redo(c, cc, carry);
        done[n++] = e_jmp(e);
        e_patch_here(e, next);
    }
    e_mov_rr(e, 8, H_RDI, H_CPU);
    if (carry) {
        e_call(e, (const void *)cc_compute_c);
        e_shift_ri(e, HS_SHR, 4, H_RAX, 1);     /* CF = bit 0 (CC_C) */
    } else {
        e_call(e, (const void *)cc_compute_all);
        e_push(e, H_RAX);
        e_popf(e);
    }
    while (n > 0)
        e_patch_here(e, done[--n]);
}
