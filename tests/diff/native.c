/* The oracle side: runs a case's bytes on the host CPU.
 *
 * 32-bit cases use no REX prefix, so they cannot touch r8-r15: the
 * trampoline keeps the state pointer in r15, the code address in r14, the
 * return address in r12 and the host stack pointer in r13 while the test
 * owns eax..edi (esp included), EFLAGS and the x87.  The test code ends
 * with `jmp r12`.  64-bit cases own every register: see
 * diff_trampoline64.  A fault (SIGFPE/SIGILL/SIGSEGV/SIGBUS) is caught on an
 * alternate stack and reported with the offset of the faulting
 * instruction. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "tests/diff/diff.h"

void diff_trampoline(DiffState *st, const uint8_t *code);

__asm__(
    ".text\n"
    ".globl diff_trampoline\n"
    ".type diff_trampoline, @function\n"
    "diff_trampoline:\n"
    "    push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "    mov %rdi, %r15\n"
    "    mov %rsi, %r14\n"
    "    lea 1f(%rip), %r12\n"
    "    sub $16, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    mov %rsp, %r13\n"
    "    frstor 40(%r15)\n"
    "    ldmxcsr 148(%r15)\n"
    "    movdqu 160(%r15), %xmm0\n movdqu 176(%r15), %xmm1\n"
    "    movdqu 192(%r15), %xmm2\n movdqu 208(%r15), %xmm3\n"
    "    movdqu 224(%r15), %xmm4\n movdqu 240(%r15), %xmm5\n"
    "    movdqu 256(%r15), %xmm6\n movdqu 272(%r15), %xmm7\n"
    "    pushq 32(%r15)\n"
    "    popfq\n"
    "    mov 0(%r15), %eax\n"
    "    mov 4(%r15), %ecx\n"
    "    mov 8(%r15), %edx\n"
    "    mov 12(%r15), %ebx\n"
    "    mov 20(%r15), %ebp\n"
    "    mov 24(%r15), %esi\n"
    "    mov 28(%r15), %edi\n"
    "    mov 16(%r15), %esp\n"
    "    jmp *%r14\n"
    "1:\n"
    "    mov %eax, 0(%r15)\n"
    "    mov %ecx, 4(%r15)\n"
    "    mov %edx, 8(%r15)\n"
    "    mov %ebx, 12(%r15)\n"
    "    mov %esp, 16(%r15)\n"
    "    mov %ebp, 20(%r15)\n"
    "    mov %esi, 24(%r15)\n"
    "    mov %edi, 28(%r15)\n"
    "    mov %r13, %rsp\n"
    "    pushfq\n"
    "    popq 32(%r15)\n"
    "    fnsave 40(%r15)\n"
    "    stmxcsr 148(%r15)\n"
    "    movdqu %xmm0, 160(%r15)\n movdqu %xmm1, 176(%r15)\n"
    "    movdqu %xmm2, 192(%r15)\n movdqu %xmm3, 208(%r15)\n"
    "    movdqu %xmm4, 224(%r15)\n movdqu %xmm5, 240(%r15)\n"
    "    movdqu %xmm6, 256(%r15)\n movdqu %xmm7, 272(%r15)\n"
    "    ldmxcsr (%rsp)\n"
    "    add $16, %rsp\n"
    "    cld\n"
    "    pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "    ret\n"
    ".size diff_trampoline, .-diff_trampoline\n");

/* The 64-bit trampoline: the test owns all sixteen registers (RSP pinned,
 * never written), so nothing can stay in a register across it.  The state
 * pointer, the code address and the host stack pointer wait in .bss; the
 * test code ends with `jmp [rip+0]` to diff_trampoline64_back, which
 * stores the registers through the saved state pointer. */
void diff_trampoline64(DiffState *st, const uint8_t *code);
void diff_trampoline64_back(void);

__asm__(
    ".text\n"
    ".lcomm t64_st, 8\n"
    ".lcomm t64_code, 8\n"
    ".lcomm t64_rsp, 8\n"
    ".lcomm t64_tmp, 8\n"
    ".globl diff_trampoline64\n"
    ".type diff_trampoline64, @function\n"
    "diff_trampoline64:\n"
    "    push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "    sub $16, %rsp\n"
    "    stmxcsr (%rsp)\n"
    "    mov %rdi, t64_st(%rip)\n"
    "    mov %rsi, t64_code(%rip)\n"
    "    mov %rsp, t64_rsp(%rip)\n"
    "    frstor 40(%rdi)\n"
    "    ldmxcsr 148(%rdi)\n"
    "    movdqu 160(%rdi), %xmm0\n movdqu 176(%rdi), %xmm1\n"
    "    movdqu 192(%rdi), %xmm2\n movdqu 208(%rdi), %xmm3\n"
    "    movdqu 224(%rdi), %xmm4\n movdqu 240(%rdi), %xmm5\n"
    "    movdqu 256(%rdi), %xmm6\n movdqu 272(%rdi), %xmm7\n"
    "    pushq 32(%rdi)\n"
    "    popfq\n"
    "    mov 288(%rdi), %rax\n mov 296(%rdi), %rcx\n mov 304(%rdi), %rdx\n"
    "    mov 312(%rdi), %rbx\n mov 328(%rdi), %rbp\n mov 336(%rdi), %rsi\n"
    "    mov 352(%rdi), %r8\n mov 360(%rdi), %r9\n mov 368(%rdi), %r10\n"
    "    mov 376(%rdi), %r11\n mov 384(%rdi), %r12\n mov 392(%rdi), %r13\n"
    "    mov 400(%rdi), %r14\n mov 408(%rdi), %r15\n"
    "    mov 320(%rdi), %rsp\n"
    "    mov 344(%rdi), %rdi\n"
    "    jmp *t64_code(%rip)\n"
    ".globl diff_trampoline64_back\n"
    "diff_trampoline64_back:\n"
    "    mov %rdi, t64_tmp(%rip)\n"
    "    mov t64_st(%rip), %rdi\n"
    "    mov %rax, 288(%rdi)\n mov %rcx, 296(%rdi)\n mov %rdx, 304(%rdi)\n"
    "    mov %rbx, 312(%rdi)\n mov %rsp, 320(%rdi)\n mov %rbp, 328(%rdi)\n"
    "    mov %rsi, 336(%rdi)\n"
    "    mov %r8, 352(%rdi)\n mov %r9, 360(%rdi)\n mov %r10, 368(%rdi)\n"
    "    mov %r11, 376(%rdi)\n mov %r12, 384(%rdi)\n mov %r13, 392(%rdi)\n"
    "    mov %r14, 400(%rdi)\n mov %r15, 408(%rdi)\n"
    "    mov t64_tmp(%rip), %rax\n mov %rax, 344(%rdi)\n"
    "    mov t64_rsp(%rip), %rsp\n"
    "    pushfq\n"
    "    popq 32(%rdi)\n"
    "    fnsave 40(%rdi)\n"
    "    stmxcsr 148(%rdi)\n"
    "    movdqu %xmm0, 160(%rdi)\n movdqu %xmm1, 176(%rdi)\n"
    "    movdqu %xmm2, 192(%rdi)\n movdqu %xmm3, 208(%rdi)\n"
    "    movdqu %xmm4, 224(%rdi)\n movdqu %xmm5, 240(%rdi)\n"
    "    movdqu %xmm6, 256(%rdi)\n movdqu %xmm7, 272(%rdi)\n"
    "    ldmxcsr (%rsp)\n"
    "    add $16, %rsp\n"
    "    cld\n"
    "    pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "    ret\n"
    ".size diff_trampoline64, .-diff_trampoline64\n");

/* Process-wide by necessity: a signal handler can only find its way back
 * through globals.  Written once at init or only around one native run. */
static uint8_t *native_code;
static uint8_t *native_code64;     /* at DIFF_CODE_ADDR */
static sigjmp_buf native_jmp;
static volatile sig_atomic_t native_sig;
static volatile uintptr_t native_fault_rip;
static volatile long native_trapno;

static void native_fault(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    native_sig = sig;
    native_fault_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    native_trapno = (long)uc->uc_mcontext.gregs[REG_TRAPNO];
    siglongjmp(native_jmp, 1);
}

int diff_native_init(void)
{
    void *buf = mmap((void *)(uintptr_t)DIFF_BUF_ADDR, DIFF_BUF_SIZE,
                     PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (buf != (void *)(uintptr_t)DIFF_BUF_ADDR) {
        perror("diff: mmap of the data buffer at 0x10000000");
        return -1;
    }
    native_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (native_code == MAP_FAILED) {
        perror("diff: mmap of an executable page");
        return -1;
    }
    native_code64 = mmap((void *)(uintptr_t)DIFF_CODE_ADDR, 4096,
                         PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (native_code64 != (void *)(uintptr_t)DIFF_CODE_ADDR) {
        perror("diff: mmap of the 64-bit code page");
        return -1;
    }
    static uint8_t altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
    if (sigaltstack(&ss, NULL) < 0) {
        perror("sigaltstack");
        return -1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = native_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    return 0;
}

static int fault_kind(int sig)
{
    switch (sig) {
    case SIGFPE: return native_trapno == 19 ? FAULT_XM : FAULT_DE;
    case SIGILL: return FAULT_UD;
    case SIGSEGV: return FAULT_GP;
    default: return FAULT_OTHER;
    }
}

/* Copies the case's code to its page with the jump back after it;
 * returns the page. */
static uint8_t *native_place(const DiffCase *c)
{
    uint8_t *page = c->mode64 ? native_code64 : native_code;
    memcpy(page, c->code, c->code_len);
    if (c->mode64) {
        /* jmp [rip+0] with the address right after it */
        static const uint8_t jmp_ind[] = { 0xff, 0x25, 0, 0, 0, 0 };
        uint64_t back = (uintptr_t)diff_trampoline64_back;
        memcpy(page + c->code_len, jmp_ind, sizeof(jmp_ind));
        memcpy(page + c->code_len + sizeof(jmp_ind), &back, 8);
    } else {
        static const uint8_t jmp_r12[] = { 0x41, 0xff, 0xe4 };
        memcpy(page + c->code_len, jmp_r12, sizeof(jmp_r12));
    }
    __builtin___clear_cache((char *)page, (char *)page + 4096);
    return page;
}

void diff_native_run(const DiffCase *c, DiffResult *out)
{
    memcpy((void *)(uintptr_t)DIFF_BUF_ADDR, c->mem, DIFF_BUF_SIZE);
    uint8_t *page = native_place(c);

    memset(out, 0, sizeof(*out));
    out->guest_vec = -1;
    DiffState st = c->init;
    native_sig = 0;
    if (sigsetjmp(native_jmp, 1) == 0) {
        if (c->mode64)
            diff_trampoline64(&st, page);
        else
            diff_trampoline(&st, page);
        out->st = st;
    } else {
        /* The host's MXCSR is callee-saved state: back to the default. */
        uint32_t mx = 0x1f80;
        __asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(mx));
        out->fault = fault_kind(native_sig);
        out->fault_off = (int)(native_fault_rip - (uintptr_t)page);
    }
    memcpy(out->mem, (void *)(uintptr_t)DIFF_BUF_ADDR, DIFF_BUF_SIZE);
}
