; hello - the demo guest: a multiboot kernel that greets on COM1 and exits
; successfully.  Run it with
;   yinglong -nodefaults -machine pc -m 64 -display none -serial stdio \
;     -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel hello.bin
%include "lib/pm.inc"

TEST_BEGIN "hello"
test_main:
    PRINT {"Hello from Yinglong's guest!", 10}
    mov eax, cr0
    test eax, 1
    CHECK nz, "entered in protected mode"
    test eax, 0x80000000
    CHECK z, "paging is off"
    FINISH
TEST_END
