; loops.asm - tight loops of common integer instructions, for guest MIPS.
;
; Assembled once per benchmark and size by tests/bench/bench.py:
;   nasm -f bin -Itests/guest/ -DBENCH=alu -DITERS=1000000 [-DLONG] loops.asm
; BENCH is one of alu mem branch call string loop7 mix (see the bodies
; below); ITERS is the iteration count, a multiple of 8; LONG runs the loop
; in 64-bit mode (identity-mapped with 2 MiB pages) instead of 32-bit
; protected mode with paging off.
;
; The program prints one line on COM1,
;   BENCH <name> insns=<decimal> sum=<hex>
; where insns is the number of guest instructions the loop executed (each
; iteration of a REP string instruction counts as one) and sum a checksum
; of the registers and memory the loop touched, so runs on two emulators
; can be compared; then it leaves through isa-debug-exit with 0x10.  The
; host times the whole run; bench.py subtracts a run with a tiny ITERS to
; remove start-up time.
%include "lib/pm.inc"
TEST_BEGIN "bench"

PML4    equ SCRATCH
PDPT    equ SCRATCH + 0x1000
PD      equ SCRATCH + 0x2000
DATA    equ SCRATCH + 0x10000   ; data pages, apart from code and tables
KCODE64 equ GDT_FREE

%ifndef ITERS
%define ITERS 8
%endif
%ifndef BENCH
%define BENCH alu
%endif

; Registers that hold addresses: 64-bit in long mode.
%ifdef LONG
%define RAX rax
%define RBX rbx
%define RDX rdx
%define RSI rsi
%define RDI rdi
%define RCX rcx
%else
%define RAX eax
%define RBX ebx
%define RDX edx
%define RSI esi
%define RDI edi
%define RCX ecx
%endif

%defstr BENCH_NAME BENCH

test_main:
%ifdef LONG
    call enter_long
BITS 64
%endif
    cld
    xor eax, eax
    xor ebx, ebx
    mov ecx, 1
    mov edx, 0x12345
    xor esi, esi
    mov edi, DATA
    call clear_data
    mov ebp, ITERS
    call bench_body
    ; the checksum is in eax
    mov [sum], eax
    mov esi, msg_head
    call puts
    mov eax, ITERS * INSNS
    call putdec
    mov esi, msg_sum
    call puts
    mov eax, [sum]
    call puthex
    mov al, 10
    call putc
    mov al, 0x10
    out 0xf4, al
    hlt

; ---- the loop bodies: ebp counts iterations down ----------------------

%ifidn BENCH, alu
INSNS equ 16
bench_body:
.top:
    add eax, ebx
    sub ecx, eax
    xor edx, ecx
    and esi, edx
    or esi, eax
    adc ebx, esi
    shl edx, 1
    rol eax, 3
    inc edi
    lea ebx, [RBX + RAX * 2 + 1]
    mov ecx, ebx
    not edx
    cmp eax, ebx
    neg esi
    dec ebp
    jnz .top
    xor eax, ebx
    xor eax, ecx
    xor eax, edx
    xor eax, esi
    xor eax, edi
    ret
%endif

%ifidn BENCH, mem
INSNS equ 14
bench_body:
.top:
    mov eax, [RDI]
    add eax, ecx
    mov [RDI + 4], eax
    mov ebx, [RDI + 8]
    add [RDI + 12], ebx
    movzx edx, byte [RDI + 16]
    mov [RDI + 20], dl
    add ecx, edx
    push RAX
    pop RBX
    inc dword [RDI + 24]
    mov [RDI + 28], ebx
    dec ebp
    jnz .top
    xor eax, ecx
    xor eax, [RDI + 24]
    xor eax, [RDI + 12]
    ret
%endif

; 9 instructions always, the inc on odd counts, the add when bit 1 is clear:
; 10 on average over a multiple of 4 iterations.
%ifidn BENCH, branch
INSNS equ 10
bench_body:
.top:
    test ebp, 1
    jz .a
    inc eax
.a:
    cmp ebp, 0x7fffffff
    ja .never
    jmp .c
.never:
    ud2
.c:
    test ebp, 2
    jnz .d
    add ebx, eax
.d:
    dec ebp
    jnz .top
    xor eax, ebx
    ret
%endif

%ifidn BENCH, call
INSNS equ 13
bench_body:
.top:
    call f1                 ; 3
    call f2                 ; 8
    dec ebp
    jnz .top
    ret
f1:
    add eax, 1
    ret
f2:
    push RBX
    mov ebx, eax
    call f1
    pop RBX
    ret
%endif

%ifidn BENCH, string
INSNS equ 45
bench_body:
.top:
    mov esi, DATA
    mov edi, DATA + 0x1000
    mov ecx, 16
    rep movsd               ; 16
    mov edi, DATA + 0x2000
    mov ecx, 16
    mov eax, ebp
    rep stosd               ; 16
    mov esi, DATA + 0x2000
    lodsd
    add ebx, eax
    lodsd
    add ebx, eax
    dec ebp
    jnz .top
    mov eax, ebx
    ret
%endif

; The loop of the first measurement (issue 5): add/xor/shl/store/load.
%ifidn BENCH, loop7
INSNS equ 7
bench_body:
.top:
    add eax, ebx
    xor ecx, eax
    shl edx, 1
    mov [RDI], eax
    mov ebx, [RDI + 4]
    dec ebp
    jnz .top
    xor eax, ecx
    xor eax, edx
    ret
%endif

; 17 instructions always plus a 4-instruction call every 4th iteration.
%ifidn BENCH, mix
INSNS equ 18
bench_body:
.top:
    mov edx, ebp
    and edx, 63
    mov eax, [RDI + RDX * 4]
    add eax, ebp
    mov [RDI + RDX * 4], eax
    cmp eax, ebx
    setb cl
    movzx ecx, cl
    add esi, ecx
    lea ebx, [RBX + RAX + 3]
    test ebp, 3
    jnz .skip
    call .fn
.skip:
    shr ebx, 1
    imul eax, eax, 5
    xor esi, eax
    dec ebp
    jnz .top
    mov eax, esi
    xor eax, ebx
    ret
.fn:
    add esi, ebx
    xor esi, 0x55
    ret
%endif

; ---- helpers (whichever mode the loop runs in) -------------------------

; Zeroes 16 KiB at DATA.
clear_data:
    push RDI
    push RAX
    push RCX
    mov edi, DATA
    xor eax, eax
    mov ecx, 4096
    rep stosd
    pop RCX
    pop RAX
    pop RDI
    ret

; COM1 was set up by the library; the emulators send at once.
putc:
    push RDX
    mov dx, 0x3f8
    out dx, al
    pop RDX
    ret

puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

puthex:
    mov ecx, 8
.next:
    rol eax, 4
    push RAX
    and eax, 15
    mov al, [hexdigits + RAX]
    call putc
    pop RAX
    dec ecx
    jnz .next
    ret

; eax in decimal (edx ignored: insns stay below 2^32).
putdec:
    mov ebx, 10
    xor ecx, ecx
.div:
    xor edx, edx
    div ebx
    push RDX
    inc ecx
    test eax, eax
    jnz .div
.out:
    pop RAX
    add al, '0'
    call putc
    dec ecx
    jnz .out
    ret

hexdigits: db "0123456789abcdef"
msg_head:  db "BENCH ", BENCH_NAME, " insns=", 0
msg_sum:   db " sum=", 0
    align 4
sum: dd 0

%ifdef LONG
BITS 32
; Identity-maps the first 8 MiB with 2 MiB pages, enables PAE and long
; mode, and returns in 64-bit code (interrupts stay off; no IDT is needed).
enter_long:
    mov edi, PML4
    xor eax, eax
    mov ecx, 3 * 1024
    rep stosd
    mov dword [PML4], PDPT | 3
    mov dword [PDPT], PD | 3
    mov dword [PD], 0x000083
    mov dword [PD + 8], 0x200083
    mov dword [PD + 16], 0x400083
    mov dword [PD + 24], 0x600083
    mov dword [gdt + KCODE64], 0x0000ffff
    mov dword [gdt + KCODE64 + 4], 0x00af9a00
    mov eax, PML4
    mov cr3, eax
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    pop ebx                     ; the return address
    jmp KCODE64:.lm
BITS 64
.lm:
    mov eax, KDATA_SEL
    mov ds, eax
    mov es, eax
    mov ss, eax
    mov esp, KSTACK_TOP
    jmp rbx
%endif

TEST_END
