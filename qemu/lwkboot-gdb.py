# lwkboot commands for gdb attached to QEMU's gdbstub (qemu-system-x86_64).
# Load with `source qemu/lwkboot-gdb.py` after `set architecture i386:x86-64`
# and `target remote`; qemu/gdb and qemu/gdb-trace do all of that.
# docs/debugging.md explains the commands and the pitfalls.
#
#   lwkb-setup TRAMP [BUILD]   load the trampoline's symbols at physical TRAMP
#                              and the co-kernel's (linked at its run address)
#   lwkb-regs [LABEL]          one line: mode, CS, RIP, CR0, CR3, CR4, EFER
#   lwkb-stop-core CPU         run until CPU (QEMU index) executes the first
#                              real-mode instruction of the trampoline
#   lwkb-next-mode             run this core to its next mode switch stop
#   lwkb-trace CPU             the whole walk, first instruction to LWK entry
#   lwkb-stages                the trampoline slots: APIC id, stage, stack
import gdb

STAGES = ["none", "real", "protected", "long", "jumped"]
# Stops of the walk: label, symbol in trampoline.elf or the co-kernel.
WALK = [
    ("real-entry", "tramp_start"),       # first instruction after SIPI
    ("protected", "tramp_pm32"),         # after the far jump to 32-bit code
    ("paging-on", "tramp_paging_on"),    # CR3/EFER set, about to set CR0.PG
    ("long", "tramp_lm64"),              # after the far jump to 64-bit code
    ("jump-entry", "tramp_jump_entry"),  # stack loaded, jmp to the entry
    ("lwk-entry", "lwk_entry"),          # the co-kernel's entry, high half
]
state = {"tramp": None, "cpu": None, "next": 0}


def reg(name):
    return int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFFFFFFFFFF


def mode():
    cr0, efer = reg("cr0"), reg("efer")
    if not cr0 & 1:
        return "real"
    if efer & (1 << 10):           # EFER.LMA
        return "long"
    return "protected"


def regs_line(label):
    return ("%s mode=%s cs=0x%x rip=0x%x cr0=0x%x cr3=0x%x cr4=0x%x efer=0x%x"
            % (label, mode(), reg("cs"), reg("rip"), reg("cr0"), reg("cr3"),
               reg("cr4"), reg("efer")))


def addr_of(sym):
    return int(gdb.parse_and_eval("(unsigned long)&%s" % sym))


TRAMP_MAGIC = 0x504d52544b574c     # include/lwkboot/trampoline.h


def read_phys(addr, size):
    """Physical memory, whatever paging the stopped CPU uses (QEMU's
    PhyMemMode, see docs/debugging.md)."""
    gdb.execute("maintenance packet Qqemu.PhyMemMode:1", to_string=True)
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    finally:
        gdb.execute("maintenance packet Qqemu.PhyMemMode:0", to_string=True)


def ours():
    """The page holds the lwkboot trampoline (firmware may have run its own
    AP start-up code from the same page earlier in the boot)."""
    data = read_phys(state["tramp"] + 0x300, 8)
    return int.from_bytes(data, "little") == TRAMP_MAGIC


def run_to(addr, cpu, check_page=False, max_stops=1000):
    """Continue until `cpu` (QEMU index) executes `addr`.  A hardware
    breakpoint, so a copy of the code over it (the loader installing the
    page) cannot erase it, unlike a software breakpoint under KVM.  In real
    mode gdb reports only IP as the PC, so gdb cannot match the stop to the
    breakpoint or to a thread: every stop is checked here instead, and
    stops of other CPUs (or of the firmware's own code) are resumed."""
    bp = gdb.Breakpoint("*0x%x" % addr, type=gdb.BP_HARDWARE_BREAKPOINT,
                        internal=True)
    try:
        for _ in range(max_stops):
            gdb.execute("continue", to_string=True)
            if gdb.selected_thread().num == cpu + 1 and (not check_page or ours()):
                return
        raise gdb.GdbError("CPU %d did not reach 0x%x in %d stops" % (cpu, addr, max_stops))
    finally:
        bp.delete()


class Setup(gdb.Command):
    """lwkb-setup TRAMP [BUILD]: symbols for the trampoline at TRAMP and the co-kernel."""

    def __init__(self):
        super().__init__("lwkb-setup", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not args:
            raise gdb.GdbError("usage: lwkb-setup TRAMP [BUILD]")
        tramp = int(args[0], 0)
        build = args[1] if len(args) > 1 else "build"
        gdb.execute("add-symbol-file %s/trampoline/trampoline.elf -o 0x%x"
                    % (build, tramp), to_string=True)
        gdb.execute("add-symbol-file %s/cokernel/cokernel.elf" % build,
                    to_string=True)
        state["tramp"] = tramp
        print("lwkboot: trampoline symbols at 0x%x, co-kernel symbols loaded" % tramp)


class Regs(gdb.Command):
    """lwkb-regs [LABEL]: mode, CS, RIP, CR0, CR3, CR4 and EFER of this CPU."""

    def __init__(self):
        super().__init__("lwkb-regs", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        print(regs_line(arg or "stop"))


class StopCore(gdb.Command):
    """lwkb-stop-core CPU: stop CPU at the trampoline's first real-mode instruction."""

    def __init__(self):
        super().__init__("lwkb-stop-core", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if state["tramp"] is None:
            raise gdb.GdbError("run lwkb-setup TRAMP first")
        cpu = int(arg or "1", 0)
        state["cpu"] = cpu
        run_to(state["tramp"], cpu, check_page=True)
        state["next"] = 1
        print(regs_line(WALK[0][0]))


class NextMode(gdb.Command):
    """lwkb-next-mode: run the stopped core to its next mode-switch stop."""

    def __init__(self):
        super().__init__("lwkb-next-mode", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if state["cpu"] is None or state["next"] >= len(WALK):
            raise gdb.GdbError("no walk in progress: lwkb-stop-core CPU first")
        label, sym = WALK[state["next"]]
        run_to(addr_of(sym), state["cpu"])
        state["next"] += 1
        print(regs_line(label))


class Trace(gdb.Command):
    """lwkb-trace CPU: every stop from the first instruction to the LWK entry."""

    def __init__(self):
        super().__init__("lwkb-trace", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        gdb.execute("lwkb-stop-core %s" % (arg or "1"))
        while state["next"] < len(WALK):
            gdb.execute("lwkb-next-mode")


class Stages(gdb.Command):
    """lwkb-stages: the trampoline's slots (physical memory, any CPU mode)."""

    def __init__(self):
        super().__init__("lwkb-stages", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if state["tramp"] is None:
            raise gdb.GdbError("run lwkb-setup TRAMP first")
        # struct lwkb_tramp_data at page + 0x300 (include/lwkboot/trampoline.h)
        data = read_phys(state["tramp"] + 0x300, 152)
        if int.from_bytes(data[0:8], "little") != TRAMP_MAGIC:
            print("0x%x does not hold the lwkboot trampoline (yet)" % state["tramp"])
            return
        field = lambda off: int.from_bytes(data[off:off + 4], "little")
        nr, stray = field(12), field(56)
        slots, room, entered = field(136), field(140), field(144)
        print("trampoline 0x%x: %d slot(s) of %d at 0x%x, %d core(s) entered, %d stray, entry 0x%x"
              % (state["tramp"], nr, room, slots, entered, stray,
                 int.from_bytes(data[32:40], "little")))
        for i in range(min(nr, room, 8192)):
            s = read_phys(slots + 16 * i, 16)
            st = int.from_bytes(s[4:8], "little")
            print("  slot %d: APIC id %d, stage %s, stack 0x%x"
                  % (i, int.from_bytes(s[0:4], "little"),
                     STAGES[st] if st < len(STAGES) else "invalid(%d)" % st,
                     int.from_bytes(s[8:16], "little")))


for c in (Setup, Regs, StopCore, NextMode, Trace, Stages):
    c()
