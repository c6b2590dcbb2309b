//go:build linux && (amd64 || arm64)

package main

import (
	"fmt"
	"os"
	"syscall"
)

// evict drops a file's pages from the page cache (posix_fadvise
// POSIX_FADV_DONTNEED), for a cold start without root's drop_caches. Only
// clean pages that no process maps can go, so the file is synced first.
func evict(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("evict %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("evict %s: %w", path, err)
	}
	const dontNeed = 4 // POSIX_FADV_DONTNEED
	if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, dontNeed, 0, 0); e != 0 {
		return fmt.Errorf("evict %s: %w", path, e)
	}
	return nil
}
