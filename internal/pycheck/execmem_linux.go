package pycheck

import (
	"fmt"
	"os"
	"syscall"
)

// executableMemory checks that this process may turn memory it mapped
// into code, as wazero's compiler must: it maps a page and asks for it to
// become executable, the probe wazero itself makes before it picks its
// compiler over its far slower interpreter. systemd's
// MemoryDenyWriteExecute=yes (a seccomp filter, or prctl PR_SET_MDWE),
// SELinux's execmem denial and similar W^X policies refuse it.
func executableMemory() error {
	page, err := syscall.Mmap(-1, 0, os.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return fmt.Errorf("map a page: %w", err)
	}
	defer syscall.Munmap(page)
	if err := syscall.Mprotect(page, syscall.PROT_READ|syscall.PROT_EXEC); err != nil {
		return fmt.Errorf("make a mapped page executable: %w", err)
	}
	return nil
}
